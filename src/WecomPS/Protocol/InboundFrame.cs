using System;
using System.Text;
using System.Text.Json;

namespace WecomPS.Protocol
{
    /// <summary>One frame from the server: an ack (no <c>cmd</c>, has <c>errcode</c>) or a push (has <c>cmd</c>).</summary>
    public sealed class InboundFrame
    {
        public string Cmd { get; private set; }
        public string ReqId { get; private set; }
        public int? ErrCode { get; private set; }
        public string ErrMsg { get; private set; }
        /// <summary>The <c>body</c> object, or <c>default</c> (Undefined) when absent.</summary>
        public JsonElement Body { get; private set; }
        public int ByteLength { get; private set; }

        /// <summary>An ack is a frame without a command that echoes a req_id (a <c>cmd:"pong"</c> is tolerated too).</summary>
        public bool IsAck => ReqId != null && (Cmd == null || Cmd == "pong") && ErrCode.HasValue;
        public bool HasBody => Body.ValueKind == JsonValueKind.Object;

        /// <summary>Parses a frame; throws <see cref="FormatException"/> with a short reason when it is not a frame.</summary>
        public static InboundFrame Parse(ArraySegment<byte> utf8)
        {
            var cleaned = ControlCharEscaper.Escape(utf8);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(cleaned.Array, cleaned.Offset, cleaned.Count));
            }
            catch (JsonException e)
            {
                throw new FormatException("not valid JSON: " + e.Message, e);
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the frame is not a JSON object");
                var frame = new InboundFrame { ByteLength = utf8.Count };
                if (root.TryGetProperty("cmd", out var cmd) && cmd.ValueKind == JsonValueKind.String) frame.Cmd = cmd.GetString();
                if (root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object &&
                    headers.TryGetProperty("req_id", out var reqId) && reqId.ValueKind == JsonValueKind.String)
                    frame.ReqId = reqId.GetString();
                if (root.TryGetProperty("errcode", out var errcode)) frame.ErrCode = Json.ReadInt(errcode);
                if (root.TryGetProperty("errmsg", out var errmsg) && errmsg.ValueKind == JsonValueKind.String) frame.ErrMsg = errmsg.GetString();
                if (root.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object)
                {
                    frame.Body = body.Clone();
                    // The seed looks for errcode in the body too: tolerate it there on acks.
                    if (!frame.ErrCode.HasValue && frame.Cmd == null && body.TryGetProperty("errcode", out var bodyErr)) frame.ErrCode = Json.ReadInt(bodyErr);
                }
                if (frame.Cmd == null && frame.ReqId == null) throw new FormatException("the frame has neither cmd nor headers.req_id");
                return frame;
            }
        }

        public static InboundFrame Parse(string json) => Parse(new ArraySegment<byte>(Encoding.UTF8.GetBytes(json)));
    }
}
