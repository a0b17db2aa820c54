using System;

namespace WecomPS.Session
{
    /// <summary>What a send or reply did: output by the Send-* cmdlets with -PassThru.</summary>
    public sealed class WecomSendResult
    {
        public string Cmd { get; internal set; }
        public string ReqId { get; internal set; }
        public string ChatId { get; internal set; }
        public string MsgType { get; internal set; }
        public int Bytes { get; internal set; }
        public string StreamId { get; internal set; }
        public string MediaId { get; internal set; }
        public string Path { get; internal set; }
        public int Part { get; internal set; } = 1;
        public DateTimeOffset SentAt { get; internal set; } = DateTimeOffset.Now;
        public override string ToString() => Cmd + " " + MsgType + " -> " + ChatId + " (" + ReqId + ")";
    }
}
