using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS
{
    /// <summary>Where a <see cref="Reply"/> stands.</summary>
    public enum ReplyState
    {
        /// <summary>Started: updates replace what the bubble shows.</summary>
        Open,
        /// <summary>The final frame (finish:true) was acknowledged.</summary>
        Completed,
        /// <summary>The stream had expired (846608): the final content went out as a normal markdown message.</summary>
        CompletedAsMessage,
        /// <summary>The first frame was refused or could not be sent: nothing is shown.</summary>
        Failed,
    }

    /// <summary>
    /// A reply that shows progress (Start-/Update-/Complete-WecomReply): one stream id under the callback's req_id,
    /// each frame <em>replacing</em> what the bubble shows. Updates are coalesced: at most one frame is in flight and
    /// a newer content replaces the one waiting, so the latest content always goes out and nothing queues up. The
    /// session keeps every open reply and finishes it (its last content, finish:true) when it closes.
    /// </summary>
    public sealed class Reply
    {
        /// <summary>How long the server keeps a stream open after its first frame (docs/protocol.md §5.1,
        /// §8).</summary>
        public static readonly TimeSpan StreamLifetime = TimeSpan.FromMinutes(10);
        public const int MaxContentBytes = ContentSplitter.DefaultMaxBytes;

        private readonly object _gate = new object();
        private readonly WecomSession _session;
        private readonly WecomMessage _replyTo;
        private readonly TimeSpan? _timeout;
        private string _content;
        private bool _dirty;
        private bool _closing;        // Complete has begun: no more updates
        private bool _expired;        // the server said 846608: the stream cannot show anything more
        private Task _inFlight = Task.CompletedTask;
        private ReplyState _state = ReplyState.Open;
        private int _frames;
        private int _updates;
        private string _lastError;
        private DateTimeOffset? _completedAt;

        private Reply(WecomSession session, WecomMessage replyTo, string content, TimeSpan? timeout)
        {
            _session = session; _replyTo = replyTo; _content = content ?? ""; _timeout = timeout;
            StreamId = ReqIds.New("stream");
            StartedAt = DateTimeOffset.Now;
        }

        public string StreamId { get; }
        public ReplyState State { get { lock (_gate) return _state; } }
        public DateTimeOffset StartedAt { get; }
        /// <summary>When the server stops taking frames of this stream; later, Complete sends a normal
        /// message.</summary>
        public DateTimeOffset ExpiresAt => StartedAt + StreamLifetime;
        public DateTimeOffset? CompletedAt { get { lock (_gate) return _completedAt; } }
        public string ChatId => _replyTo.ChatId;
        public string ChatType => _replyTo.ChatType;
        public string UserId => _replyTo.UserId;
        /// <summary>The req_id of the message replied to: every frame of the reply travels under it.</summary>
        public string ReqId => _replyTo.ReqId;
        public string MsgId => _replyTo.MsgId;
        public string SessionName => _session.Name;
        /// <summary>The latest content asked for (what the bubble shows once the frame in flight is
        /// acknowledged).</summary>
        public string Content { get { lock (_gate) return _content; } }
        /// <summary>Frames acknowledged by the server.</summary>
        public int FramesSent { get { lock (_gate) return _frames; } }
        /// <summary>Updates asked for (coalesced ones included).</summary>
        public int Updates { get { lock (_gate) return _updates; } }
        public string LastError { get { lock (_gate) return _lastError; } }
        internal WecomSession Session => _session;

        public override string ToString() => "Reply " + StreamId + " to " + UserId + "@" + ChatId + " (" + State + ")";

        // ------------------------------------------------------------ start

        /// <summary>
        /// Sends the first frame (finish:false) and returns the open reply once the server acknowledged it. The reply
        /// is registered with the session from before the frame goes out, so closing the session finishes it.
        /// Cancelled (Ctrl+C) while waiting: the reply is finished in the background, bounded.
        /// </summary>
        internal static async Task<Reply> StartAsync(WecomSession session, WecomMessage replyTo, string content,
            string feedbackId, CancellationToken ct, TimeSpan? timeout = null)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            MessageSender.EnsureReplyable(replyTo);
            if (replyTo is WecomPS.Event.EnterChat)
                throw new WecomException(ErrorIds.NotReplyable, ErrorCategory.InvalidArgument,
                    "A welcome reply cannot show progress (aibot_respond_welcome_msg is one-shot); "
                    + "use Send-WecomMessage.");
            CheckSize(content);
            var reply = new Reply(session, replyTo, content, timeout);
            session.Replies.Add(reply);
            Task first;
            lock (reply._gate) reply._inFlight = first = reply.SendFrameAsync(reply._content, false, feedbackId, true,
                ct);
            try
            {
                await first.ConfigureAwait(false);
                return reply;
            }
            catch (OperationCanceledException)
            {
                // The frame may have reached the server: close the bubble rather than leave it spinning.
                session.Replies.FinishInBackground(reply);
                throw;
            }
            catch (Exception e)
            {
                lock (reply._gate) { reply._state = ReplyState.Failed; reply._lastError = e.Message; }
                session.Replies.Remove(reply);
                throw;
            }
        }

        // ------------------------------------------------------------ update

        /// <summary>
        /// Replaces the shown content. Returns at once: the frame goes out when the one in flight is acknowledged,
        /// and a later update replaces this one if it has not gone yet.
        /// </summary>
        public void Update(string content)
        {
            if (content == null) throw new ArgumentNullException(nameof(content));
            CheckSize(content);
            lock (_gate)
            {
                EnsureOpen();
                _content = content;
                _updates++;
                if (_expired) return;
                _dirty = true;
                if (_inFlight.IsCompleted) _inFlight = PumpAsync();
            }
        }

        private async Task PumpAsync()
        {
            while (true)
            {
                string content;
                lock (_gate)
                {
                    if (!_dirty || _expired || _closing) return;
                    _dirty = false;
                    content = _content;
                }
                try
                {
                    await SendFrameAsync(content, false, null, false, _session.Lifetime).ConfigureAwait(false);
                }
                catch (WecomCommandException e) when (e.ErrCode == WecomErrorCodes.StreamExpired)
                {
                    lock (_gate) { _expired = true; _lastError = e.Message; }
                    _session.Log.Warning("The reply " + StreamId + " expired (846608, a stream lives "
                        + StreamLifetime.TotalMinutes
                            + " minutes): Complete-WecomReply will send its content as a message.");
                    return;
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e)
                {
                    // An update is only a snapshot: the next one (or the final frame) carries the whole content again.
                    lock (_gate) _lastError = e.Message;
                    _session.Log.Warning("An update of reply " + StreamId + " failed: " + e.Message);
                }
            }
        }

        // ------------------------------------------------------------ complete

        /// <summary>
        /// Sends the final content (the latest update, or <paramref name="content"/>) with finish:true, after the frame
        /// in flight. When the stream has expired (846608) the content goes as a markdown message, with a warning.
        /// A failure leaves the reply open, so it can be completed again.
        /// </summary>
        public async Task CompleteAsync(string content, CancellationToken ct)
        {
            if (content != null) CheckSize(content);
            Task inFlight;
            lock (_gate)
            {
                EnsureOpen();
                if (content != null) { _content = content; _updates++; }
                _closing = true;
                _dirty = false;
                inFlight = _inFlight;
            }
            try
            {
                try { await inFlight.ConfigureAwait(false); } catch { }
                string final; bool expired;
                lock (_gate) { final = _content; expired = _expired; }
                if (!expired)
                {
                    try
                    {
                        await SendFrameAsync(final, true, null, false, ct).ConfigureAwait(false);
                        Close(ReplyState.Completed);
                        return;
                    }
                    catch (WecomCommandException e) when (e.ErrCode == WecomErrorCodes.StreamExpired)
                    {
                        lock (_gate) { _expired = true; _lastError = e.Message; }
                    }
                }
                _session.Log.Warning("The reply " + StreamId + " expired (846608: a stream lives "
                    + StreamLifetime.TotalMinutes
                    + " minutes); its final content (" + ContentSplitter.ByteCount(final) + " bytes) goes to " + ChatId
                    + " as a new message instead.");
                if (final.Length > 0)
                    await MessageSender.SendMarkdownAsync(_session, ChatId, final,
                        MessageSender.ChatTypeCode(ChatType), null,
                        ct, _timeout).ConfigureAwait(false);
                Close(ReplyState.CompletedAsMessage);
            }
            catch (Exception e)
            {
                lock (_gate) { _closing = false; _lastError = e.Message; }
                throw;
            }
        }

        /// <summary>Closing the session, Ctrl+C: finish with the last content, bounded; never throws.</summary>
        internal async Task FinishLeftOpenAsync(TimeSpan budget)
        {
            lock (_gate) if (_state != ReplyState.Open || _closing) return;
            using (var cts = new CancellationTokenSource(budget))
            {
                try
                {
                    await CompleteAsync(null, cts.Token).ConfigureAwait(false);
                    _session.Log.Verbose("The reply " + StreamId + " to " + ChatId
                        + " was left open; it was finished with its last content.");
                }
                catch (Exception e)
                {
                    _session.Log.Warning("The reply " + StreamId + " to " + ChatId
                        + " was left open and could not be finished: "
                        + (e is OperationCanceledException ? "no acknowledgement within " + budget.TotalSeconds
                            + " s" : e.Message));
                }
            }
        }

        private void Close(ReplyState state)
        {
            lock (_gate) { _state = state; _completedAt = DateTimeOffset.Now; _closing = false; }
            _session.Replies.Remove(this);
        }

        private void EnsureOpen()
        {
            if (_state == ReplyState.Open && !_closing) return;
            var why = _closing ? "is being completed" : _state == ReplyState.Failed ? "failed to start"
                : "was completed";
            throw new WecomException(ErrorIds.ReplyClosed, ErrorCategory.InvalidOperation,
                "The reply " + StreamId + " to " + ChatId + " " + why
                    + "; it takes no more content. Start a new one with Start-WecomReply.");
        }

        internal static void CheckSize(string content)
        {
            int bytes = ContentSplitter.ByteCount(content);
            if (bytes > MaxContentBytes)
                throw new WecomException(ErrorIds.ReplyContentTooLong, ErrorCategory.LimitsExceeded,
                    "The reply content is " + bytes + " UTF-8 bytes; a stream frame holds at most " + MaxContentBytes
                    + " and a replacing reply cannot continue in a second bubble. Nothing was sent."
                    + " Shorten it, or send the"
                    + " long text with Send-WecomMessage -ReplyTo (it splits).");
        }

        private async Task SendFrameAsync(string content, bool finish, string feedbackId, bool first,
            CancellationToken ct)
        {
            await MessageSender.SendStreamFrameAsync(_session, _replyTo, StreamId, content, finish, feedbackId, ct,
                firstFrame: first, timeout: _timeout).ConfigureAwait(false);
            lock (_gate) _frames++;
        }
    }
}
