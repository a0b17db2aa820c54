using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// A streaming reply fed piece by piece (pipeline input): one stream id, the content accumulating, at most one
    /// frame in flight (later pieces are coalesced into the next snapshot), <c>finish:true</c> at the end. Content
    /// over the byte limit closes the stream and continues in a new one. Nothing is dropped: once the server says a
    /// stream has expired (846608), or refuses the reply and <c>fallbackToSend</c> was asked for, everything not yet
    /// delivered in a finished frame goes at the end as a proactive markdown message; what still cannot be
    /// delivered is reported by <see cref="Incomplete"/>, with how much.
    /// </summary>
    public sealed class StreamReply
    {
        private readonly object _gate = new object();
        private readonly WecomSession _session;
        private readonly WecomMessage _replyTo;
        private readonly string _feedbackId;
        private readonly int _maxBytes;
        private readonly TimeSpan _minInterval;
        private readonly TimeSpan? _timeout;
        private readonly bool _fallbackToSend;
        private readonly CancellationToken _ct;
        private readonly StringBuilder _content = new StringBuilder();
        private readonly StringBuilder _owed = new StringBuilder();   // closed pieces the stream could not deliver
        private readonly List<WecomSendResult> _results = new List<WecomSendResult>();
        private string _streamId = ReqIds.New("stream");
        private bool _streamStarted;    // a frame of the current stream id has been sent
        private bool _feedbackSent;
        private bool _fallback;         // the stream is given up: the rest goes as markdown at the end
        private Task _inFlight = Task.CompletedTask;
        private bool _dirty;
        private Exception _lastError;
        private long _lostChars;
        private Exception _lostBecause;
        private DateTime _lastSent = DateTime.MinValue;

        public StreamReply(WecomSession session, WecomMessage replyTo, string feedbackId, CancellationToken ct,
            int maxBytes = ContentSplitter.DefaultMaxBytes, TimeSpan? minInterval = null, TimeSpan? timeout = null,
            bool fallbackToSend = false)
        {
            MessageSender.EnsureReplyable(replyTo);
            if (replyTo is WecomPS.Event.EnterChat)
                throw new WecomException(ErrorIds.NotReplyable, ErrorCategory.InvalidArgument,
                    "A welcome reply cannot stream; send it without -Stream.");
            _session = session; _replyTo = replyTo; _feedbackId = feedbackId; _ct = ct; _maxBytes = maxBytes;
            _minInterval = minInterval ?? TimeSpan.FromMilliseconds(300);
            _timeout = timeout; _fallbackToSend = fallbackToSend;
        }

        public string StreamId { get { lock (_gate) return _streamId; } }
        internal WecomSession Session => _session;
        /// <summary>True once the rest of the reply goes as a normal message (stream expired, or refused with
        /// fallback).</summary>
        public bool Expired { get { lock (_gate) return _fallback; } }
        public string Content { get { lock (_gate) return _content.ToString(); } }
        public Exception LastError { get { lock (_gate) return _lastError; } }

        /// <summary>After <see cref="FinishAsync"/>: null when every character was delivered, else why and how much was
        /// not.</summary>
        public WecomException Incomplete { get; private set; }

        /// <summary>Adds a piece (a line of pipeline input) and sends an update unless one is in flight.</summary>
        public void Append(string piece)
        {
            lock (_gate)
            {
                if (_content.Length > 0) _content.Append('\n');
                _content.Append(piece);
                if (_fallback) return;
                RollOverLongContent();
                _dirty = true;
                if (_inFlight.IsCompleted) _inFlight = SendSnapshotLoopAsync();
            }
        }

        /// <summary>Sends the final frame (finish:true), or the fallback message. Safe after Ctrl+C with a fresh
        /// token.</summary>
        public async Task<IReadOnlyList<WecomSendResult>> FinishAsync(CancellationToken ct)
        {
            Task inFlight;
            lock (_gate) { _dirty = false; inFlight = _inFlight; }
            try { await inFlight.ConfigureAwait(false); } catch { }
            string streamId, content; bool fallback, first;
            lock (_gate) { streamId = _streamId; content = _content.ToString(); fallback = _fallback; first =
                !_streamStarted; }
            if (!fallback)
            {
                try
                {
                    var r = await SendFrameAsync(streamId, content, true, first, ct).ConfigureAwait(false);
                    lock (_gate) _results.Add(r);
                }
                catch (WecomCommandException e) when (GivesUp(e, first)) { fallback = true; }
            }
            if (fallback) await SendFallbackAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (_lostChars > 0)
                    Incomplete = new WecomException(ErrorIds.StreamIncomplete, ErrorCategory.WriteError,
                        _lostChars + " characters of the streaming reply to " + _replyTo.ChatId
                            + " were not delivered: "
                        + _lostBecause.Message, _lostBecause);
                return _results.ToArray();
            }
        }

        private async Task SendFallbackAsync(CancellationToken ct)
        {
            string text;
            lock (_gate) { _fallback = true; text = _owed.ToString() + _content.ToString(); }
            if (text.Length == 0) return;
            _session.Log.Warning("The stream reply could not go on (" + (LastError?.Message ?? "stream expired")
                + "); sending the rest (" + text.Length + " characters) to " + _replyTo.ChatId
                    + " as a new message instead.");
            try
            {
                var sent = await MessageSender.SendMarkdownAsync(_session, _replyTo.ChatId, text,
                    MessageSender.ChatTypeCode(_replyTo.ChatType), null, ct, _timeout).ConfigureAwait(false);
                lock (_gate) { _results.AddRange(sent); _owed.Clear(); }
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                Lose(text.Length, e);
            }
        }

        /// <summary>A refusal after which the stream cannot go on but a normal message can carry the content.</summary>
        private bool GivesUp(WecomCommandException e, bool firstFrame)
        {
            bool gaveUp = e.ErrCode == WecomErrorCodes.StreamExpired || (_fallbackToSend && firstFrame
                && IsReplyRefusal(e.ErrCode));
            if (gaveUp) lock (_gate) { _fallback = true; _lastError = e; }
            return gaveUp;
        }

        internal static bool IsReplyRefusal(int errCode) =>
            errCode == WecomErrorCodes.ReplyExpired || errCode == WecomErrorCodes.InvalidReqId
                || errCode == WecomErrorCodes.AlreadyResponded;

        private void Lose(int chars, Exception why)
        {
            lock (_gate)
            {
                _lostChars += chars;
                if (_lostBecause == null) _lostBecause = why;
                _lastError = why;
            }
            _session.Log.Warning(chars + " characters of the stream reply were not delivered: " + why.Message);
        }

        private string FeedbackForNextFrame()
        {
            lock (_gate)
            {
                if (_feedbackSent) return null;
                _feedbackSent = true;
                return _feedbackId;
            }
        }

        private async Task<WecomSendResult> SendFrameAsync(string streamId, string content, bool finish, bool first,
            CancellationToken ct)
        {
            lock (_gate) if (streamId == _streamId) _streamStarted = true;
            return await MessageSender.SendStreamFrameAsync(_session, _replyTo, streamId, content, finish,
                FeedbackForNextFrame(), ct,
                firstFrame: first, timeout: _timeout).ConfigureAwait(false);
        }

        /// <summary>Over the byte limit: the stream is closed with what fits and continues under a new id.</summary>
        private void RollOverLongContent()
        {
            if (ContentSplitter.ByteCount(_content.ToString()) <= _maxBytes) return;
            var pieces = ContentSplitter.Split(_content.ToString(), _maxBytes);
            for (int i = 0; i < pieces.Count - 1; i++)
            {
                _inFlight = SendClosedAsync(_inFlight, _streamId, pieces[i], !_streamStarted);
                _streamId = ReqIds.New("stream");
                _streamStarted = false;
            }
            _content.Clear().Append(pieces[pieces.Count - 1]);
        }

        private async Task SendClosedAsync(Task previous, string streamId, string content, bool first)
        {
            try { await previous.ConfigureAwait(false); } catch { }
            bool fallback;
            lock (_gate) fallback = _fallback;
            if (!fallback)
            {
                try
                {
                    var r = await MessageSender.SendStreamFrameAsync(_session, _replyTo, streamId, content, true,
                        FeedbackForNextFrame(), _ct,
                        firstFrame: first, timeout: _timeout).ConfigureAwait(false);
                    lock (_gate) _results.Add(r);
                }
                catch (WecomCommandException e) when (GivesUp(e, first)) { fallback = true; }
                catch (OperationCanceledException) { fallback = true; }   // Ctrl+C: the rest goes with the final send
                catch (Exception e) { Lose(content.Length, e); }
            }
            if (fallback)
            {
                lock (_gate) _owed.Append(content);
                return;
            }
            // What arrived meanwhile goes out now under the new stream id, not only with the next piece.
            await SendSnapshotLoopAsync().ConfigureAwait(false);
        }

        private async Task SendSnapshotLoopAsync()
        {
            while (true)
            {
                TimeSpan wait;
                lock (_gate)
                {
                    if (!_dirty || _fallback) return;
                    _dirty = false;
                    wait = _lastSent + _minInterval - MonotonicClock.UtcNow;
                }
                if (wait > TimeSpan.Zero)
                {
                    try { await Task.Delay(wait, _ct).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return; }
                }
                string streamId, content; bool first;
                lock (_gate) { streamId = _streamId; content = _content.ToString(); _dirty = false; first =
                    !_streamStarted; }
                try
                {
                    await SendFrameAsync(streamId, content, false, first, _ct).ConfigureAwait(false);
                }
                catch (WecomCommandException e) when (GivesUp(e, first)) { return; }
                catch (OperationCanceledException) { return; }
                catch (Exception e)
                {
                    // An update is only a snapshot: the final frame carries the whole content again.
                    lock (_gate) _lastError = e;
                    _session.Log.Warning("A stream update failed: " + e.Message);
                }
                lock (_gate) _lastSent = MonotonicClock.UtcNow;
            }
        }
    }
}
