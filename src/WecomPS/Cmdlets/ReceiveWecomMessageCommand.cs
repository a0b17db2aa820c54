using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using WecomPS.Messages;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Receive, "WecomMessage")]
    [OutputType(typeof(WecomMessage))]
    public sealed class ReceiveWecomMessageCommand : WecomSessionCmdlet
    {
        /// <summary>Keep waiting for messages as they arrive (until -Count, -Timeout or Ctrl+C).</summary>
        [Parameter] public SwitchParameter Wait { get; set; }

        /// <summary>Stop after this many messages.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int Count { get; set; }

        /// <summary>With -Wait: stop after this many seconds.</summary>
        [Parameter] [Alias("TimeoutSec")] [ValidateRange(0, int.MaxValue)] public double Timeout { get; set; }

        [Parameter] [ArgumentCompleter(typeof(MsgTypeCompleter))] public string[] MsgType { get; set; }

        [Parameter] [SupportsWildcards] [ArgumentCompleter(typeof(
            ChatIdCompleter))] public string[] ChatId { get; set; }

        /// <summary>Only messages and events from these users (wildcards); the others stay in the inbox.</summary>
        [Parameter] [SupportsWildcards] [ValidateNotNullOrEmpty] public string[] UserId { get; set; }

        /// <summary>Skip (and remove) matching messages sent more than this many seconds ago.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int MaxAgeSec { get; set; }

        [Parameter] [ValidateSet("single", "group")] public string ChatType { get; set; }

        [Parameter] [ArgumentCompleter(typeof(EventTypeCompleter))] public string[] EventType { get; set; }

        protected override void EndProcessing()
        {
            var session = ResolveSession();
            Func<WecomMessage, bool> filter = BuildFilter();
            Func<WecomMessage, bool> stale = null;
            if (MaxAgeSec > 0)
            {
                var maxAge = TimeSpan.FromSeconds(MaxAgeSec);
                stale = m => Inbox.IsOlderThan(m, maxAge, DateTimeOffset.Now);
            }
            var skipped = new List<WecomMessage>();
            var deadline = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout))
                ? MonotonicClock.UtcNow.AddSeconds(Timeout) : (DateTime?)null;
            int emitted = 0;
            using (session.Inbox.OnAdded(Wake))
            {
                while (true)
                {
                    WarnAboutDrops(session);
                    while (Count == 0 || emitted < Count)
                    {
                        bool took = session.Inbox.TryTake(filter, stale, skipped, out var message);
                        ReportSkipped(skipped);
                        if (!took) break;
                        WriteObject(message);
                        emitted++;
                    }
                    if (Count > 0 && emitted >= Count) break;
                    if (!Wait) break;
                    var state = session.State;
                    if (state == WecomSessionState.Superseded || state == WecomSessionState.Failed
                        || state == WecomSessionState.Disconnected)
                    {
                        // Everything queued was emitted above: say why the wait ends.
                        WriteError(ErrorFor(session.Unavailable(), session));
                        break;
                    }
                    var left = deadline.HasValue ? deadline.Value - MonotonicClock.UtcNow : TimeSpan.FromSeconds(1);
                    if (left <= TimeSpan.Zero) break;
                    // Wake on a new message; re-check the session state at least once a second.
                    if (!WaitForWork(left < TimeSpan.FromSeconds(1) ? left
                        : TimeSpan.FromSeconds(1))) throw new PipelineStoppedException();
                }
            }
            DetachLog();
        }

        private void WarnAboutDrops(WecomSession session)
        {
            var dropped = session.Inbox.TakeUnreportedDrops();
            if (dropped > 0)
                WriteWarning("The inbox of session '" + session.Name + "' was full (" + session.InboxCapacity + "): "
                    + dropped +
                             " oldest message(s) were dropped. Receive more often or raise -InboxCapacity.");
        }

        private void ReportSkipped(List<WecomMessage> skipped)
        {
            foreach (var m in skipped)
            {
                var sent = Inbox.SentAt(m);
                WriteVerbose("Skipped [" + m.MsgType + "] message " + m.MsgId + " from " + m.UserId + " in " + m.ChatId
                    + ": sent " + sent.ToString("yyyy-MM-dd HH:mm:ss zzz") + (Inbox.HasUsableCreateTime(m) ? ""
                        : m.CreateTime > m.ReceivedAt ? " (received; its create_time is later)"
                        : " (received; no create_time)")
                    + ", " + (DateTimeOffset.Now - sent).TotalSeconds.ToString("0") + " s ago, over -MaxAgeSec "
                        + MaxAgeSec
                    + "; it was removed from the inbox.");
            }
            skipped.Clear();
        }

        private Func<WecomMessage, bool> BuildFilter()
        {
            if (MsgType == null && ChatId == null && ChatType == null && EventType == null
                && UserId == null) return null;
            var chats = Patterns(ChatId);
            var users = Patterns(UserId);
            return m =>
                (MsgType == null || MsgType.Any(t => string.Equals(t, m.MsgType,
                    StringComparison.OrdinalIgnoreCase))) &&
                (chats == null || (m.ChatId != null && chats.Any(p => p.IsMatch(m.ChatId)))) &&
                (users == null || (m.UserId != null && users.Any(p => p.IsMatch(m.UserId)))) &&
                (ChatType == null || string.Equals(ChatType, m.ChatType, StringComparison.OrdinalIgnoreCase)) &&
                (EventType == null || (m is WecomEvent e
                    && EventType.Any(t => string.Equals(t, e.EventType, StringComparison.OrdinalIgnoreCase))));
        }

        /// <summary>
        /// Case-sensitive wildcard patterns (ids are compared exactly, as the server sends them). A malformed one is
        /// refused here, before the inbox is touched, not thrown from the first comparison.
        /// </summary>
        private WildcardPattern[] Patterns(string[] values) =>
            values?.Select(v =>
            {
                var pattern = WildcardPattern.Get(v ?? "", WildcardOptions.None);
                try { pattern.IsMatch(""); }
                catch (WildcardPatternException e)
                {
                    ThrowError(ErrorIds.InvalidPattern, ErrorCategory.InvalidArgument, e.Message
                        + ". Escape a literal [ or ] with a backtick (`[), or use [WildcardPattern]::Escape().", v);
                }
                return pattern;
            }).ToArray();
    }

    public sealed class MsgTypeCompleter : IArgumentCompleter
    {
        private static readonly string[] Types = { "text", "image", "mixed", "voice", "file", "video", "event" };
        public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string c, string p,
            string word, System.Management.Automation.Language.CommandAst a, System.Collections.IDictionary f) =>
            Types.Where(t => t.StartsWith(word ?? "",
                StringComparison.OrdinalIgnoreCase)).Select(t => new CompletionResult(t));
    }

    public sealed class EventTypeCompleter : IArgumentCompleter
    {
        private static readonly string[] Types = { "enter_chat", "template_card_event", "feedback_event",
            "disconnected_event" };
        public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string c, string p,
            string word, System.Management.Automation.Language.CommandAst a, System.Collections.IDictionary f) =>
            Types.Where(t => t.StartsWith(word ?? "",
                StringComparison.OrdinalIgnoreCase)).Select(t => new CompletionResult(t));
    }
}
