using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// Commands out, acks back: one lane per reply req_id, pacing per conversation, a wait for a connection while
    /// the session reconnects, and the resend rules (once after 846609; idempotent commands and frames never
    /// written after a lost connection; anything else whose ack is lost is delivery unknown). Owns the table of
    /// commands waiting for their ack, the lanes and the pacer.
    /// </summary>
    internal sealed class CommandChannel
    {
        private const string NotWritten = "the connection was not open, nothing was written";
        private static readonly TimeSpan PacingRecheck = TimeSpan.FromSeconds(1);

        private readonly WecomSession _session;
        private readonly WecomSessionOptions _options;
        private readonly SessionLog _log;
        private readonly KeyedSerializer _lanes = new KeyedSerializer();
        private readonly ConversationPacer _pacer;

        public CommandChannel(WecomSession session, WecomSessionOptions options, SessionLog log)
        {
            _session = session; _options = options; _log = log;
            _pacer = new ConversationPacer(options.SendsPerMinute, options.SendsPerHour, options.UtcClock,
                options.PacedConversationsCapacity);
        }

        public PendingRequests Pending { get; } = new PendingRequests();

        public async Task<InboundFrame> SendAsync(CommandRequest request, CancellationToken ct)
        {
            if (request.Lane == null) return await SendUnorderedAsync(request, ct).ConfigureAwait(false);
            // Replies under one req_id go strictly one after another, each after the previous ack
            // (docs/protocol.md §10.4).
            using (await _lanes.AcquireAsync(request.Lane, ct).ConfigureAwait(false))
                return await SendUnorderedAsync(request, ct).ConfigureAwait(false);
        }

        private async Task<InboundFrame> SendUnorderedAsync(CommandRequest request, CancellationToken ct)
        {
            if (request.Conversation != null) await PaceAsync(request.Conversation, ct).ConfigureAwait(false);

            var budget = request.Timeout ?? _options.AckTimeout;
            var deadline = MonotonicClock.UtcNow + budget;
            string reqId = request.ReqId ?? ReqIds.New(request.Cmd);
            bool resentAfterNotSubscribed = false;
            using (var frame = OutboundFrame.Create(request.Cmd, reqId, request.WriteBody, request.SizeHint))
            {
                while (true)
                {
                    var conn = await _session.WaitForConnectionAsync(deadline, budget, request.Cmd, ct)
                        .ConfigureAwait(false);
                    using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, _session.Lifetime))
                    {
                        var left = deadline - MonotonicClock.UtcNow;
                        attempt.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
                        if (_log.VerboseEnabled)
                            _log.Verbose("-> " + request.Cmd + " " + reqId + (request.Describe != null ? " "
                                + request.Describe : "")
                                + " (" + frame.Length + " bytes)");
                        if (_log.DebugEnabled && request.Cmd != WecomCommands.UploadChunk) _log.Debug("-> "
                            + frame.ToRedactedString());
                        InboundFrame ack;
                        try
                        {
                            ack = await ExchangeAsync(conn, frame, attempt.Token).ConfigureAwait(false);
                        }
                        catch (ConnectionLostException lost)
                        {
                            if (request.Idempotent || lost.NothingWritten)
                            {
                                _log.Verbose(request.Cmd + " " + reqId + ": connection lost (" + lost.Message
                                    + "); sending again when connected.");
                                continue;
                            }
                            throw new WecomDeliveryUnknownException(request.Cmd, reqId, lost.Message, lost);
                        }
                        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                        {
                            if (_session.Lifetime.IsCancellationRequested) throw _session.Unavailable();
                            throw new WecomException(ErrorIds.AckTimeout, ErrorCategory.OperationTimeout,
                                request.Cmd + " " + reqId + " got no ack within " + budget.TotalSeconds
                                    + " s: delivery is unknown.");
                        }
                        if (_log.VerboseEnabled)
                            _log.Verbose("<- ack " + reqId + " errcode " + ack.ErrCode
                                + (ack.ErrCode == 0 ? "" : " " + FrameRedactor.RedactText(ack.ErrMsg, 200)));
                        if (ack.ErrCode == WecomErrorCodes.NotSubscribed)
                        {
                            // The server did not process it: reconnect, then send once more.
                            _session.ConnectionLost(conn, "the server says the connection is not subscribed (846609)");
                            if (!resentAfterNotSubscribed) { resentAfterNotSubscribed = true; continue; }
                        }
                        if (ack.ErrCode != 0)
                            throw new WecomCommandException(request.Cmd, reqId, ack.ErrCode ?? -1, ack.ErrMsg,
                                request.Conversation != null ? "conversation " + request.Conversation : null);
                        return ack;
                    }
                }
            }
        }

        /// <summary>Writes one frame and waits for its ack on <paramref name="conn"/>.</summary>
        public async Task<InboundFrame> ExchangeAsync(WebSocketConnection conn, OutboundFrame frame,
            CancellationToken ct)
        {
            var entry = Pending.Register(frame.ReqId, frame.Cmd, conn.Generation);
            try
            {
                if (!conn.IsOpen) throw new ConnectionLostException(NotWritten, nothingWritten: true);
                // A write that has begun is never cancelled (that would abort the shared socket): on cancellation the
                // caller stops waiting, and the frame's buffer stays alive until the write is done.
                var write = conn.SendAsync(frame.Utf8, ct);
                try
                {
                    await WhenDoneOrCancelled(write, ct).ConfigureAwait(false);
                }
                catch (ConnectionLostException lost) when (lost.NothingWritten) { throw new ConnectionLostException(
                    NotWritten, nothingWritten: true); }
                // closed during the write: whether the server got it is unknown
                catch (ConnectionLostException) { throw; }
                catch (OperationCanceledException) { frame.HoldUntil(write); throw; }
                catch (Exception e) { throw new ConnectionLostException("the send failed: "
                    + Innermost(e).Message, e); }
                await WhenDoneOrCancelled(entry.Ack.Task, ct).ConfigureAwait(false);
                return await entry.Ack.Task.ConfigureAwait(false);
            }
            finally
            {
                Pending.Remove(frame.ReqId, entry);
            }
        }

        /// <summary>Awaits <paramref name="task"/>, or throws OperationCanceledException as soon as <paramref
        /// name="ct"/> fires.</summary>
        private static async Task WhenDoneOrCancelled(Task task, CancellationToken ct)
        {
            if (!task.IsCompleted && ct.CanBeCanceled)
            {
                var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (ct.Register(() => cancelled.TrySetResult(true)))
                {
                    if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
                    {
                        _ = task.ContinueWith(t => _ = t.Exception,
                            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                        throw new OperationCanceledException(ct);
                    }
                }
            }
            await task.ConfigureAwait(false);
        }

        private async Task PaceAsync(string conversation, CancellationToken ct)
        {
            bool told = false;
            while (true)
            {
                var wait = _pacer.TryReserve(conversation);
                if (wait <= TimeSpan.Zero) return;
                if (!told)
                {
                    _log.Verbose("Pacing: waiting " + wait.TotalSeconds.ToString("0.0") + " s before the next send to "
                        + conversation
                        + " (limit " + _options.SendsPerMinute + "/min, " + _options.SendsPerHour + "/h).");
                    told = true;
                }
                // Ask the pacer again at least once a second: its clock, not this timer, decides when a slot frees up.
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _session.Lifetime))
                    await Task.Delay(wait < PacingRecheck ? wait : PacingRecheck, linked.Token).ConfigureAwait(false);
            }
        }

        internal static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }
    }
}
