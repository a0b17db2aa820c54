using System;
using System.Collections.Generic;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing
{
    /// <summary>What <see cref="WecomMockServer.FaultWhen"/> does to a matching frame.</summary>
    public enum MockFault
    {
        /// <summary>Acked with the errcode; the command has no other effect.</summary>
        ErrCode,
        /// <summary>Handled (a message counts as sent), but the ack is never sent.</summary>
        LoseAck,
        /// <summary>Handled, then the connection is reset instead of the ack.</summary>
        DropConnection,
        /// <summary>Handled, and acked only after <see cref="WecomMockServer.LateAckDelay"/> (later than a client
        /// waits).</summary>
        LateAck,
    }

    public sealed partial class WecomMockServer
    {
        private readonly Dictionary<string, Queue<CommandResult>> _injectedFailures = new Dictionary<string,
            Queue<CommandResult>>(StringComparer.Ordinal);

        /// <summary>
        /// The next <paramref name="count"/> subscribes are refused even with the right credentials
        /// (wrong credentials are always refused with 853000).
        /// </summary>
        public void RejectNextSubscribes(int count = 1, int errcode = ErrorCodes.InvalidCredentials,
            string errmsg = "invalid bot_id or secret")
        {
            FailNext("aibot_subscribe", errcode, errmsg, count);
        }

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd are acked with <paramref name="errcode"/> and have no
        /// other effect (a failed chunk is not stored). errmsg null = the standard text for the code.
        /// </summary>
        public void FailNext(string cmd, int errcode, string errmsg = null, int count = 1)
        {
            if (cmd == null) throw new ArgumentNullException(nameof(cmd));
            var message = errmsg ?? ErrorCodes.DefaultMessage(errcode);
            lock (_state.Sync)
            {
                if (!_injectedFailures.TryGetValue(cmd, out var queue)) _injectedFailures[cmd] = queue =
                    new Queue<CommandResult>();
                for (int i = 0; i < count; i++) queue.Enqueue(CommandResult.Injected(errcode, message));
            }
        }

        /// <summary>Forgets unused faults injected with <see cref="FailNext"/>, <see cref="RejectNextSubscribes"/>,
        /// <see cref="LoseAckOfNext"/>, <see cref="DropConnectionOnNext"/>.</summary>
        public void ClearInjectedFailures()
        {
            lock (_state.Sync)
            {
                _injectedFailures.Clear();
                _ackFaults.Clear();
                _matchingFaults.Clear();
            }
        }

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd are handled normally (a message counts as sent, a
        /// chunk is stored) but their ack is never sent: the client sees a command that is never answered.
        /// </summary>
        public void LoseAckOfNext(string cmd, int count = 1) => AddAckFault(cmd, AckFault.Lose, count);

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd are handled normally, then their connection is reset
        /// (TCP RST, no close frame) instead of the ack: the socket died after the frame was written, before its ack.
        /// </summary>
        public void DropConnectionOnNext(string cmd, int count = 1) => AddAckFault(cmd, AckFault.DropConnection, count);

        private enum AckFault { Lose, DropConnection }

        private sealed class MatchingFault
        {
            public string Cmd; public Func<System.Text.Json.JsonElement,
                bool> Body; public MockFault Kind; public int ErrCode; public int Left;
        }

        /// <summary>How late a <see cref="MockFault.LateAck"/> ack comes.</summary>
        public TimeSpan LateAckDelay { get; set; } = TimeSpan.FromSeconds(3);

        private readonly List<MatchingFault> _matchingFaults = new List<MatchingFault>();

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd whose body matches <paramref name="body"/> (e.g. the
        /// chunk with index 6, the closing frame of a stream) get <paramref name="fault"/>: refused with
        /// <paramref name="errcode"/> (no other effect), handled without an ack, or handled and then the connection
        /// reset instead of the ack. A frame without a body is matched against an undefined element.
        /// </summary>
        public void FaultWhen(string cmd, Func<System.Text.Json.JsonElement, bool> body, MockFault fault,
            int errcode = 0, int count = 1)
        {
            if (cmd == null) throw new ArgumentNullException(nameof(cmd));
            if (fault == MockFault.ErrCode && errcode == 0) throw new ArgumentException(
                "An ErrCode fault needs a non-zero errcode.", nameof(errcode));
            lock (_state.Sync)
                _matchingFaults.Add(new MatchingFault { Cmd = cmd, Body = body
                    ?? (_ => true), Kind = fault, ErrCode = errcode, Left = count });
        }

        private MatchingFault TakeMatchingFault(Protocol.Envelope envelope)
        {
            lock (_state.Sync)
            {
                foreach (var f in _matchingFaults)
                {
                    if (f.Left <= 0 || f.Cmd != envelope.Cmd) continue;
                    bool matches;
                    try { matches = f.Body(envelope.HasBody ? envelope.Body : default); } catch { matches = false; }
                    if (!matches) continue;
                    f.Left--;
                    return f;
                }
            }
            return null;
        }

        private readonly Dictionary<string, Queue<AckFault>> _ackFaults = new Dictionary<string,
            Queue<AckFault>>(StringComparer.Ordinal);

        private void AddAckFault(string cmd, AckFault fault, int count)
        {
            if (cmd == null) throw new ArgumentNullException(nameof(cmd));
            lock (_state.Sync)
            {
                if (!_ackFaults.TryGetValue(cmd, out var queue)) _ackFaults[cmd] = queue = new Queue<AckFault>();
                for (int i = 0; i < count; i++) queue.Enqueue(fault);
            }
        }

        /// <summary>True when the ack must not be sent (the fault was applied).</summary>
        private bool ApplyAckFault(Server.MockConnection connection, string cmd)
        {
            AckFault fault;
            lock (_state.Sync)
            {
                if (cmd == null || !_ackFaults.TryGetValue(cmd, out var queue) || queue.Count == 0) return false;
                fault = queue.Dequeue();
            }
            if (fault == AckFault.DropConnection) connection.Abort();
            return true;
        }

        private bool TryTakeInjectedFailure(string cmd, out CommandResult result)
        {
            lock (_state.Sync)
            {
                if (_injectedFailures.TryGetValue(cmd, out var queue) && queue.Count > 0)
                {
                    result = queue.Dequeue();
                    return true;
                }
            }
            result = null;
            return false;
        }
    }
}
