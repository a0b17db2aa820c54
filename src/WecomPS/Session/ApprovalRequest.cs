using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS
{
    /// <summary>The decision of an approval request (Request-WecomApproval).</summary>
    public sealed class Approval
    {
        /// <summary>The text of the option that was chosen.</summary>
        public string Decision { get; internal set; }
        /// <summary>The key of the button that was clicked (event_key).</summary>
        public string Key { get; internal set; }
        /// <summary>The userid of the person who decided.</summary>
        public string DecidedBy { get; internal set; }
        /// <summary>When the click was made (the event's create_time when usable, else when it arrived).</summary>
        public DateTimeOffset DecidedAt { get; internal set; }
        public string TaskId { get; internal set; }
        public string ChatId { get; internal set; }
        public string Title { get; internal set; }
        /// <summary>From the card's acknowledgement to the decision's arrival.</summary>
        public TimeSpan Waited { get; internal set; }
        /// <summary>Whether the card was updated to show the decision (false when the 5-second window was
        /// missed or the update was refused; a warning says why).</summary>
        public bool CardUpdated { get; internal set; }
        /// <summary>Clicks by users who are not approvers, answered and ignored while waiting.</summary>
        public int RefusedClicks { get; internal set; }
        public string SessionName { get; internal set; }

        public override string ToString() => Decision + " by " + DecidedBy + " (" + TaskId + ")";
    }

    /// <summary>
    /// An approval gate: a button_interaction card with a fresh task_id, a wait for the template_card_event with that
    /// task_id (docs/protocol.md §4.2), and the update of the clicked card within its 5-second window (§5.3). Only
    /// the matching card events are taken from the inbox; everything else stays for Receive-WecomMessage. The inbox
    /// outlives reconnects, so the wait does too.
    /// </summary>
    public sealed class ApprovalRequest
    {
        /// <summary>WecomPS limits [WPS]: the server's own limits for these fields are not documented.</summary>
        public const int MaxTitleBytes = 128;
        public const int MaxDescriptionBytes = 512;
        public const int MaxOptionBytes = 64;
        /// <summary>docs/protocol.md §5.5: a button_interaction card has at most 6 buttons.</summary>
        public const int MaxOptions = 6;
        public const int MaxApproverBytes = 64;
        public static readonly string[] DefaultOptions = { "Approve", "Reject" };

        private static long _counter;
        private readonly Validated _v;

        private ApprovalRequest(Validated v)
        {
            _v = v;
            TaskId = NewTaskId();
            _isMine = IsMine;
        }

        /// <summary>The filter and inbox claim of this request's clicks: one delegate, so the claim knows its
        /// taker.</summary>
        private readonly Func<WecomMessage, bool> _isMine;

        public string TaskId { get; }
        public string Title => _v.Title;
        public string Description => _v.Description;
        public IReadOnlyList<string> Options => _v.Options;
        public IReadOnlyList<string> Approvers => _v.Approvers;

        /// <summary>Checks everything before anything is sent; a WecomInvalidApproval error names the
        /// fault.</summary>
        public static ApprovalRequest Create(string title, string description, IEnumerable<string> options,
            IEnumerable<string> approvers)
        {
            var opts = (options ?? DefaultOptions).ToArray();
            if (string.IsNullOrWhiteSpace(title)) throw Invalid("-Title is empty.");
            CheckBytes("-Title", title, MaxTitleBytes);
            if (description != null) CheckBytes("-Description", description, MaxDescriptionBytes);
            if (opts.Length == 0) throw Invalid("-Option needs at least one option.");
            if (opts.Length > MaxOptions)
                throw Invalid("-Option has " + opts.Length + " options; a button card has at most " + MaxOptions
                    + " buttons (docs/protocol.md §5.5).");
            foreach (var o in opts)
            {
                if (string.IsNullOrWhiteSpace(o)) throw Invalid("-Option has an empty option.");
                CheckBytes("The option '" + o + "'", o, MaxOptionBytes);
            }
            var dup = opts.GroupBy(o => o, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup != null) throw Invalid("-Option names '" + dup.Key + "' twice; each option must be unique.");
            string[] apps = null;
            if (approvers != null)
            {
                apps = approvers.ToArray();
                if (apps.Length == 0 || apps.Any(string.IsNullOrWhiteSpace))
                    throw Invalid("-Approver has an empty userid.");
                foreach (var a in apps)
                {
                    CheckBytes("The approver '" + a + "'", a, MaxApproverBytes);
                    // A pattern would match nobody (userids are compared exactly) and the gate would wait forever.
                    if (WildcardPattern.ContainsWildcardCharacters(a))
                        throw Invalid("-Approver takes exact userids, not wildcards: '" + a + "'.");
                }
            }
            return new ApprovalRequest(new Validated(title, description, opts, apps));
        }

        /// <summary>
        /// A task_id unique per bot (docs/protocol.md §5.5): letters, digits and <c>_-@</c>, at most 128 bytes. A
        /// timestamp, a per-process counter and 64 random bits, so ids do not repeat across runs or processes.
        /// </summary>
        public static string NewTaskId()
        {
            var random = new byte[8];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(random);
            var hex = string.Concat(random.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            return "approval_" + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "_"
                + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture) + "_" + hex;
        }

        /// <summary>The key a button carries: the option's text, so a click names the option it chose.</summary>
        public static string KeyOf(string option) => option;

        /// <summary>The card that asks: the title, the description, and one button per option.</summary>
        public TemplateCardBody Card() => BuildCard(null, null);

        /// <summary>The card after the decision: the same card with the decision and the decider shown and the
        /// buttons replaced by one that cannot be clicked (<c>replace_text</c>).</summary>
        public TemplateCardBody DecidedCard(string decision, string userId, DateTimeOffset at) =>
            BuildCard(decision + " by " + userId + " at " + at.ToString("yyyy-MM-dd HH:mm:ss zzz",
                CultureInfo.InvariantCulture), decision + " by " + userId);

        /// <summary>The card a user who is not an approver sees after clicking.</summary>
        public TemplateCardBody NotApproverCard(string userId) =>
            BuildCard(userId + " is not an approver of this request; it waits for "
                + string.Join(", ", _v.Approvers ?? new string[0]) + ".", "Not an approver");

        private TemplateCardBody BuildCard(string status, string replaceText)
        {
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("card_type", "button_interaction");
                    w.WriteStartObject("main_title");
                    w.WriteString("title", _v.Title);
                    if (_v.Description != null) w.WriteString("desc", _v.Description);
                    w.WriteEndObject();
                    if (status != null) w.WriteString("sub_title_text", status);
                    w.WriteStartArray("button_list");
                    for (int i = 0; i < _v.Options.Count; i++)
                    {
                        w.WriteStartObject();
                        w.WriteString("text", _v.Options[i]);
                        // style 1 (blue) for the first option, 2 (grey) for the others.
                        w.WriteNumber("style", i == 0 ? 1 : 2);
                        w.WriteString("key", KeyOf(_v.Options[i]));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    if (replaceText != null) w.WriteString("replace_text", replaceText);
                    w.WriteString("task_id", TaskId);
                    w.WriteEndObject();
                }
                return TemplateCardBody.From(Encoding.UTF8.GetString(ms.ToArray()));
            }
        }

        /// <summary>Whether <paramref name="userId"/> may decide (anyone when no approvers were named).</summary>
        public bool MayDecide(string userId) =>
            _v.Approvers == null || _v.Approvers.Contains(userId ?? "", StringComparer.Ordinal);

        /// <summary>
        /// Sends the card (to <paramref name="chatId"/>, or as the reply to <paramref name="replyTo"/>), waits for a
        /// decision and updates the card. A timeout sends a markdown note to the chat and throws WecomApprovalTimeout;
        /// cancellation (Ctrl+C) ends the wait at once and sends nothing more.
        /// </summary>
        public async Task<Approval> RunAsync(WecomSession session, string chatId, WecomMessage replyTo,
            TimeSpan? timeout, CancellationToken ct)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            if (replyTo != null) chatId = replyTo.ChatId;
            var wake = new SemaphoreSlim(0);
            // The claim keeps this card's clicks from a Receive-WecomMessage running elsewhere on the session.
            using (session.Inbox.Claim(_isMine))
            using (session.Inbox.OnAdded(() => { if (wake.CurrentCount == 0) wake.Release(); }))
            {
                if (replyTo != null)
                    await CardSender.ReplyAsync(session, replyTo, Card(), null, ct).ConfigureAwait(false);
                else await CardSender.SendAsync(session, chatId, null, Card(), null, ct).ConfigureAwait(false);
                var sentAt = DateTimeOffset.Now;
                session.Log.Verbose("Approval card " + TaskId + " sent to " + chatId + "; waiting for a decision"
                    + (timeout.HasValue ? " (at most " + timeout.Value.TotalSeconds + " s)." : " (until Ctrl+C)."));
                var deadline = timeout.HasValue ? MonotonicClock.UtcNow + timeout.Value : (DateTime?)null;
                int refused = 0;
                while (true)
                {
                    // A send that completed as Ctrl+C came in returns normally: stop before taking a click.
                    ct.ThrowIfCancellationRequested();
                    while (session.Inbox.TryTake(_isMine, out var taken))
                    {
                        var click = (WecomPS.Event.TemplateCard)taken;
                        if (string.IsNullOrEmpty(click.UserId))
                        {
                            // Nobody to name as the decider, and nobody to answer: it does not decide.
                            session.Log.Warning("Card " + TaskId + ": ignored a click without a userid (message "
                                + click.MsgId + "); still waiting.");
                            continue;
                        }
                        var decision = _v.Options.FirstOrDefault(o => KeyOf(o) == click.EventKey);
                        if (decision == null)
                        {
                            session.Log.Verbose("Card " + TaskId + ": ignored a click with the unknown key '"
                                + click.EventKey + "' by " + click.UserId + ".");
                            continue;
                        }
                        if (!MayDecide(click.UserId))
                        {
                            refused++;
                            session.Log.Verbose("Card " + TaskId + ": " + click.UserId + " clicked '" + decision
                                + "' but is not an approver; still waiting.");
                            await TryUpdateAsync(session, click, NotApproverCard(click.UserId),
                                new[] { click.UserId }, ct).ConfigureAwait(false);
                            continue;
                        }
                        var at = Inbox.SentAt(click);
                        var result = new Approval
                        {
                            Decision = decision,
                            Key = click.EventKey,
                            DecidedBy = click.UserId,
                            DecidedAt = at,
                            TaskId = TaskId,
                            ChatId = chatId,
                            Title = _v.Title,
                            Waited = click.ReceivedAt - sentAt < TimeSpan.Zero ? TimeSpan.Zero
                                : click.ReceivedAt - sentAt,
                            RefusedClicks = refused,
                            SessionName = session.Name,
                        };
                        result.CardUpdated = await TryUpdateAsync(session, click,
                            DecidedCard(decision, click.UserId, at), null, ct).ConfigureAwait(false);
                        session.Log.Verbose("Card " + TaskId + ": " + result + ".");
                        return result;
                    }
                    var state = session.State;
                    if (SessionStateMachine.IsClosed(state)) throw session.Unavailable();
                    var left = deadline.HasValue ? deadline.Value - MonotonicClock.UtcNow : TimeSpan.FromSeconds(1);
                    if (left <= TimeSpan.Zero)
                    {
                        await NoteExpiryAsync(session, chatId, replyTo, timeout.Value, ct).ConfigureAwait(false);
                        throw new WecomException(ErrorIds.ApprovalTimeout, ErrorCategory.OperationTimeout,
                            "No decision on '" + _v.Title + "' (card " + TaskId + " in " + chatId + ") within "
                            + timeout.Value.TotalSeconds + " s; the chat was told that the request expired.");
                    }
                    // Wake on a new message; look at the session state at least once a second.
                    await wake.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), ct)
                        .ConfigureAwait(false);
                }
            }
        }

        private bool IsMine(WecomMessage m) => m is WecomPS.Event.TemplateCard c && c.TaskId == TaskId;

        /// <summary>Updates the clicked card; a missed window or a refusal is a warning, never a lost
        /// decision.</summary>
        private static async Task<bool> TryUpdateAsync(WecomSession session, WecomPS.Event.TemplateCard click,
            TemplateCardBody card, string[] userIds, CancellationToken ct)
        {
            try
            {
                await CardSender.UpdateAsync(session, click, card, userIds, ct).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C while this click was being handled: it decided nothing here, so it goes back to the inbox
                // for whoever receives next (the claim ends with this wait).
                session.Inbox.Add(click);
                throw;
            }
            catch (WecomException e)
            {
                session.Log.Warning("The card " + click.TaskId + " was not updated for "
                    + (userIds != null ? string.Join(", ", userIds) : "everyone") + ": " + e.Message);
                return false;
            }
        }

        private async Task NoteExpiryAsync(WecomSession session, string chatId, WecomMessage replyTo, TimeSpan waited,
            CancellationToken ct)
        {
            var note = "**Approval request expired**: " + _v.Title + "\n\nNo decision within "
                + waited.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s; the buttons no longer count.";
            var chatType = replyTo == null ? null : MessageSender.ChatTypeCode(replyTo.ChatType);
            try
            {
                await MessageSender.SendMarkdownAsync(session, chatId, note, chatType, null, ct)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) { throw; }
            catch (WecomException e)
            {
                session.Log.Warning("The expiry note for card " + TaskId + " could not be sent: " + e.Message);
            }
        }

        private static void CheckBytes(string what, string value, int max)
        {
            int n = Encoding.UTF8.GetByteCount(value);
            if (n > max)
                throw Invalid(what + " is " + n + " bytes in UTF-8; at most " + max + " bytes are allowed.");
        }

        private static WecomException Invalid(string message) =>
            new WecomException(ErrorIds.InvalidApproval, ErrorCategory.InvalidArgument, message);

        private sealed class Validated
        {
            public Validated(string title, string description, string[] options, string[] approvers)
            {
                Title = title; Description = description; Options = options; Approvers = approvers;
            }

            public string Title { get; }
            public string Description { get; }
            public IReadOnlyList<string> Options { get; }
            public IReadOnlyList<string> Approvers { get; }
        }
    }
}

