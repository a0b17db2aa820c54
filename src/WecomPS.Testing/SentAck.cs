using System;

namespace WecomPS.Testing
{
    /// <summary>An ack the double decided to send (recorded when decided, before any AckDelay).</summary>
    public sealed class SentAck
    {
        internal SentAck(int connectionId, DateTimeOffset at, string cmd, string reqId, int errcode, string errmsg)
        {
            ConnectionId = connectionId;
            At = at;
            Cmd = cmd;
            ReqId = reqId;
            Errcode = errcode;
            Errmsg = errmsg;
        }

        public int ConnectionId { get; }
        public DateTimeOffset At { get; }
        public string Cmd { get; }
        public string ReqId { get; }
        public int Errcode { get; }
        public string Errmsg { get; }

        public override string ToString() => Cmd + " " + ReqId + " -> " + Errcode + " " + Errmsg;
    }
}
