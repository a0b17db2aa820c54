using System;

namespace WecomPS.Testing
{
    /// <summary>A client frame that broke a protocol rule (bad shape, unknown cmd, binary frame, ...).</summary>
    public sealed class ProtocolViolation
    {
        internal ProtocolViolation(int connectionId, DateTimeOffset at, string cmd, string reqId, string reason,
            string rawExcerpt)
        {
            ConnectionId = connectionId;
            At = at;
            Cmd = cmd;
            ReqId = reqId;
            Reason = reason;
            RawExcerpt = rawExcerpt;
        }

        public int ConnectionId { get; }
        public DateTimeOffset At { get; }
        public string Cmd { get; }
        public string ReqId { get; }
        public string Reason { get; }

        /// <summary>The first 1000 characters of the frame.</summary>
        public string RawExcerpt { get; }

        public override string ToString() => "[" + (Cmd ?? "?") + " " + (ReqId ?? "?") + "] " + Reason + " :: "
            + RawExcerpt;
    }
}
