namespace WecomPS.Testing
{
    /// <summary>A frame the double pushed to clients.</summary>
    public sealed class PushedFrame
    {
        internal PushedFrame(string reqId, string msgId, string rawJson, int connectionCount,
            System.Collections.Generic.IReadOnlyList<RegisteredMedia> media)
        {
            Media = media ?? System.Array.Empty<RegisteredMedia>();
            ReqId = reqId;
            MsgId = msgId;
            RawJson = rawJson;
            ConnectionCount = connectionCount;
        }

        /// <summary>headers.req_id of the push (the req_id replies must carry); null for raw pushes.</summary>
        public string ReqId { get; }

        /// <summary>body.msgid; null for raw pushes.</summary>
        public string MsgId { get; }

        public string RawJson { get; }

        /// <summary>How many connections it was sent to.</summary>
        public int ConnectionCount { get; }

        /// <summary>Media registered for this push (image/file/video/mixed), in item order.</summary>
        public System.Collections.Generic.IReadOnlyList<RegisteredMedia> Media { get; }

        public override string ToString() => RawJson;
    }
}
