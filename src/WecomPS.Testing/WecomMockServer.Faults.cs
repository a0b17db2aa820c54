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
        public void FailNext(string cmd, int errcode, string errmsg = null, int count = 1) =>
            AddFault(cmd, null, MockFault.ErrCode, errcode, errmsg, count);

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd are handled normally (a message counts as sent, a
        /// chunk is stored) but their ack is never sent: the client sees a command that is never answered.
        /// </summary>
        public void LoseAckOfNext(string cmd, int count = 1) => AddFault(cmd, null, MockFault.LoseAck, 0, null, count);

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd are handled normally, then their connection is reset
        /// (TCP RST, no close frame) instead of the ack: the socket died after the frame was written, before its ack.
        /// </summary>
        public void DropConnectionOnNext(string cmd, int count = 1) =>
            AddFault(cmd, null, MockFault.DropConnection, 0, null, count);

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd whose body matches <paramref name="body"/> (e.g. the
        /// chunk with index 6, the closing frame of a stream) get <paramref name="fault"/>: refused with
        /// <paramref name="errcode"/> (no other effect), handled without an ack, handled and then the connection
        /// reset instead of the ack, or acked late. A frame without a body is matched against an undefined element.
        /// </summary>
        public void FaultWhen(string cmd, Func<System.Text.Json.JsonElement, bool> body, MockFault fault,
            int errcode = 0, int count = 1)
        {
            if (fault == MockFault.ErrCode && errcode == 0)
                throw new ArgumentException("An ErrCode fault needs a non-zero errcode.", nameof(errcode));
            AddFault(cmd, body, fault, errcode, null, count);
        }

        /// <summary>Forgets unused faults injected with <see cref="FaultWhen"/>, <see cref="FailNext"/>,
        /// <see cref="RejectNextSubscribes"/>, <see cref="LoseAckOfNext"/>,
        /// <see cref="DropConnectionOnNext"/>.</summary>
        public void ClearInjectedFailures()
        {
            lock (_state.Sync) _faults.Clear();
        }

        /// <summary>How late a <see cref="MockFault.LateAck"/> ack comes.</summary>
        public TimeSpan LateAckDelay { get; set; } = TimeSpan.FromSeconds(3);

        /// <summary>A fault waiting for its frames, in the order injected; each frame takes at most one.</summary>
        internal sealed class InjectedFault
        {
            public string Cmd;
            public Func<System.Text.Json.JsonElement, bool> Body;   // null: any frame of the cmd
            public MockFault Kind;
            public int ErrCode;
            public string ErrMsg;
            public int Left;

            public CommandResult Refusal() =>
                CommandResult.Injected(ErrCode, ErrMsg ?? ErrorCodes.DefaultMessage(ErrCode));
        }

        private readonly List<InjectedFault> _faults = new List<InjectedFault>();

        private void AddFault(string cmd, Func<System.Text.Json.JsonElement, bool> body, MockFault kind, int errcode,
            string errmsg, int count)
        {
            if (cmd == null) throw new ArgumentNullException(nameof(cmd));
            lock (_state.Sync)
                _faults.Add(new InjectedFault
                {
                    Cmd = cmd, Body = body, Kind = kind, ErrCode = errcode, ErrMsg = errmsg, Left = count,
                });
        }

        /// <summary>The first fault still waiting for a frame like this one, taken; null when there is none.</summary>
        private InjectedFault TakeFault(Protocol.Envelope envelope)
        {
            lock (_state.Sync)
            {
                foreach (var f in _faults)
                {
                    if (f.Left <= 0 || f.Cmd != envelope.Cmd) continue;
                    bool matches = true;
                    if (f.Body != null)
                    {
                        try { matches = f.Body(envelope.HasBody ? envelope.Body : default); } catch { matches = false; }
                    }
                    if (!matches) continue;
                    f.Left--;
                    return f;
                }
            }
            return null;
        }
    }
}
