using System;
using System.Text.Json;

namespace WecomPS.Session
{
    /// <summary>A command to send and acknowledge: what it is, how long to wait, and what may be retried.</summary>
    public sealed class CommandRequest
    {
        public string Cmd { get; set; }
        /// <summary>Null: a fresh req_id. Replies pass the callback's req_id.</summary>
        public string ReqId { get; set; }
        public Action<Utf8JsonWriter> WriteBody { get; set; }
        /// <summary>
        /// The callback req_id whose replies must go one at a time (acks carry no sequence): commands with the same
        /// lane are sent strictly in order, each after the previous ack. Null: no lane.
        /// </summary>
        public string Lane { get; set; }
        /// <summary>The conversation the send counts against for pacing; null = not paced.</summary>
        public string Conversation { get; set; }
        /// <summary>Whole budget for waiting for a connection and the ack. Null: the session's AckTimeout.</summary>
        public TimeSpan? Timeout { get; set; }
        /// <summary>Safe to send again after a lost connection (upload chunks are; messages are not).</summary>
        public bool Idempotent { get; set; }
        /// <summary>A size hint for the frame buffer.</summary>
        public int SizeHint { get; set; } = 512;
        /// <summary>A short human description for Verbose output (never secrets).</summary>
        public string Describe { get; set; }
    }
}
