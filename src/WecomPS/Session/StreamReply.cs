using System;
using System.Collections.Generic;
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
    /// over the byte limit closes the stream and continues in a new one; a stream past its lifetime (846608) is
    /// delivered at the end as a proactive markdown message instead of being lost.
    /// </summary>
    public sealed class StreamReply
    {
        private readonly object _gate = new object();
        private readonly WecomSession _session;
        private readonly WecomMessage _replyTo;
        private readonly string _feedbackId;
        private readonly int _maxBytes;
        private readonly TimeSpan _minInterval;
        private readonly StringBuilder _content = new StringBuilder();
        private readonly List<WecomSendResult> _results = new List<WecomSendResult>();
        private string _streamId = ReqIds.New("stream");
        private bool _firstFrameSent;
        private Task _inFlight = Task.CompletedTask;
        private bool _dirty;
        private bool _expired;
        private Exception _lastError;
        private DateTime _lastSent = DateTime.MinValue;
        private readonly CancellationToken _ct;

        public StreamReply(WecomSession session, WecomMessage replyTo, string feedbackId, CancellationToken ct, int maxBytes = ContentSplitter.DefaultMaxBytes, TimeSpan? minInterval = null)
        {
            MessageSender.EnsureReplyable(replyTo);
            if (replyTo is WecomPS.Event.EnterChat) throw new WecomException("WecomNotReplyable", System.Management.Automation.ErrorCategory.InvalidArgument, "A welcome reply cannot stream; send it without -Stream.");
            _session = session; _replyTo = replyTo; _feedbackId = feedbackId; _ct = ct; _maxBytes = maxBytes;
            _minInterval = minInterval ?? TimeSpan.FromMilliseconds(300);
        }

        public string StreamId { get { lock (_gate) return _streamId; } }
        internal WecomSession Session => _session;
        public bool Expired { get { lock (_gate) return _expired; } }
        public string Content { get { lock (_gate) return _content.ToString(); } }

        /// <summary>Adds a piece (a line of pipeline input) and sends an update unless one is in flight.</summary>
        public void Append(string piece)
        {
            lock (_gate)
            {
                if (_content.Length > 0) _content.Append('\n');
                _content.Append(piece);
                RollOverLongContent();
                _dirty = true;
                if (_inFlight.IsCompleted && !_expired) _inFlight = SendSnapshotLoopAsync();
            }
        }

        /// <summary>Sends the final frame (finish:true). Safe to call after Ctrl+C with a fresh token.</summary>
        public async Task<IReadOnlyList<WecomSendResult>> FinishAsync(CancellationToken ct)
        {
            Task inFlight;
            lock (_gate) { _dirty = false; inFlight = _inFlight; }
            try { await inFlight.ConfigureAwait(false); } catch { }
            string streamId, content; bool expired;
            lock (_gate) { streamId = _streamId; content = _content.ToString(); expired = _expired; }
            if (!expired)
            {
                try
                {
                    var r = await MessageSender.SendStreamFrameAsync(_session, _replyTo, streamId, content, true, FeedbackForNextFrame(), ct).ConfigureAwait(false);
                    lock (_gate) _results.Add(r);
                    return _results;
                }
                catch (WecomCommandException e) when (e.ErrCode == WecomErrorCodes.StreamExpired) { expired = true; }
            }
            _session.Log.Warning("The stream reply outlived its server lifetime (846608); sending the final content to " + _replyTo.ChatId + " as a new message instead.");
            var sent = await MessageSender.SendMarkdownAsync(_session, _replyTo.ChatId, content, MessageSender.ChatTypeCode(_replyTo.ChatType), null, ct).ConfigureAwait(false);
            lock (_gate) _results.AddRange(sent);
            return _results;
        }

        public Exception LastError { get { lock (_gate) return _lastError; } }

        private string FeedbackForNextFrame()
        {
            lock (_gate)
            {
                if (_firstFrameSent) return null;
                _firstFrameSent = true;
                return _feedbackId;
            }
        }

        /// <summary>Over the byte limit: the stream is closed with what fits and continues under a new id.</summary>
        private void RollOverLongContent()
        {
            if (ContentSplitter.ByteCount(_content.ToString()) <= _maxBytes) return;
            var pieces = ContentSplitter.Split(_content.ToString(), _maxBytes);
            for (int i = 0; i < pieces.Count - 1; i++)
            {
                var closedId = _streamId;
                var closedContent = pieces[i];
                var previous = _inFlight;
                _inFlight = SendClosedAsync(previous, closedId, closedContent);
                _streamId = ReqIds.New("stream");
            }
            _content.Clear().Append(pieces[pieces.Count - 1]);
        }

        private async Task SendClosedAsync(Task previous, string streamId, string content)
        {
            try { await previous.ConfigureAwait(false); } catch { }
            var r = await MessageSender.SendStreamFrameAsync(_session, _replyTo, streamId, content, true, FeedbackForNextFrame(), _ct).ConfigureAwait(false);
            lock (_gate) _results.Add(r);
            // What arrived meanwhile goes out now under the new stream id, not only with the next piece.
            await SendSnapshotLoopAsync().ConfigureAwait(false);
        }

        private async Task SendSnapshotLoopAsync()
        {
            while (true)
            {
                string streamId, content;
                TimeSpan wait;
                lock (_gate)
                {
                    if (!_dirty || _expired) return;
                    _dirty = false;
                    streamId = _streamId; content = _content.ToString();
                    wait = _lastSent + _minInterval - DateTime.UtcNow;
                }
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _ct).ConfigureAwait(false);
                lock (_gate) { streamId = _streamId; content = _content.ToString(); _dirty = false; }
                try
                {
                    await MessageSender.SendStreamFrameAsync(_session, _replyTo, streamId, content, false, FeedbackForNextFrame(), _ct).ConfigureAwait(false);
                }
                catch (WecomCommandException e) when (e.ErrCode == WecomErrorCodes.StreamExpired)
                {
                    lock (_gate) { _expired = true; _lastError = e; }
                    return;
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e)
                {
                    lock (_gate) _lastError = e;
                    _session.Log.Warning("A stream update failed: " + e.Message);
                }
                lock (_gate) _lastSent = DateTime.UtcNow;
            }
        }
    }
}
