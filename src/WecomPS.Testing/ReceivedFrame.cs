using System;
using System.Text;
using System.Text.Json;

namespace WecomPS.Testing
{
    /// <summary>One frame a client sent, as received. JSON views are parsed lazily from the stored bytes.</summary>
    public sealed class ReceivedFrame
    {
        private readonly byte[] _utf8;
        private readonly Lazy<string> _raw;
        private readonly Lazy<JsonElement> _root;
        private int? _ackErrcode;
        private string _ackErrmsg;

        internal ReceivedFrame(int connectionId, DateTimeOffset at, byte[] utf8, bool isBinary, string cmd,
            string reqId)
        {
            ConnectionId = connectionId;
            At = at;
            _utf8 = utf8;
            IsBinary = isBinary;
            Cmd = cmd;
            ReqId = reqId;
            _raw = new Lazy<string>(() => Encoding.UTF8.GetString(_utf8));
            _root = new Lazy<JsonElement>(ParseRoot);
        }

        public int ConnectionId { get; }
        public DateTimeOffset At { get; }
        public bool IsBinary { get; }

        /// <summary>The frame text exactly as received.</summary>
        public string Raw => _raw.Value;

        public int ByteLength => _utf8.Length;

        /// <summary>The cmd string, or null if the frame had none.</summary>
        public string Cmd { get; }

        /// <summary>headers.req_id, or null if unreadable.</summary>
        public string ReqId { get; }

        /// <summary>The whole frame; default(JsonElement) when it is not valid JSON.</summary>
        public JsonElement Root => _root.Value;

        /// <summary>The body object; default(JsonElement) when absent.</summary>
        public JsonElement Body =>
            Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty("body", out var body) ? body : default;

        /// <summary>The errcode the double acked this frame with; null while undecided or when no ack is
        /// possible.</summary>
        public int? AckErrcode { get { lock (_raw) return _ackErrcode; } }

        public string AckErrmsg { get { lock (_raw) return _ackErrmsg; } }

        /// <summary>A string (or the raw text of a non-string) at a dotted path under body, e.g. "markdown.content";
        /// null if absent.</summary>
        public string BodyString(string path)
        {
            var element = BodyElement(path);
            switch (element.ValueKind)
            {
                case JsonValueKind.Undefined: return null;
                case JsonValueKind.String: return element.GetString();
                default: return element.GetRawText();
            }
        }

        /// <summary>The element at a dotted path under body ("stream.finish", "msg_item.0.msgtype"); default if
        /// absent.</summary>
        public JsonElement BodyElement(string path)
        {
            var current = Body;
            foreach (var part in path.Split('.'))
            {
                if (current.ValueKind == JsonValueKind.Object
                    && current.TryGetProperty(part, out var child)) current = child;
                else if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, out var index) && index >= 0
                    && index < current.GetArrayLength()) current = current[index];
                else return default;
            }
            return current;
        }

        internal void SetAck(int errcode, string errmsg)
        {
            lock (_raw)
            {
                _ackErrcode = errcode;
                _ackErrmsg = errmsg;
            }
        }

        private JsonElement ParseRoot()
        {
            if (IsBinary) return default;
            try
            {
                using (var document = JsonDocument.Parse(_utf8))
                    return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return default;
            }
        }

        public override string ToString() => (Cmd ?? "<no cmd>") + " " + (ReqId ?? "<no req_id>") + " (connection "
            + ConnectionId + ")";
    }
}
