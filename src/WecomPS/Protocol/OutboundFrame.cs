using System;
using System.Text;
using System.Text.Json;

namespace WecomPS.Protocol
{
    /// <summary>
    /// One client command, serialized once into a pooled buffer: <c>{"cmd":..,"headers":{"req_id":..},"body":{..}}</c>.
    /// </summary>
    public sealed class OutboundFrame : IDisposable
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            // Keep Chinese text readable on the wire and in -Debug output instead of \uXXXX escapes.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = true,
        };

        private readonly PooledBufferWriter _buffer;

        public string Cmd { get; }
        public string ReqId { get; }
        public ArraySegment<byte> Utf8 => _buffer.WrittenSegment;
        public int Length => _buffer.WrittenCount;

        private OutboundFrame(string cmd, string reqId, PooledBufferWriter buffer)
        {
            Cmd = cmd; ReqId = reqId; _buffer = buffer;
        }

        /// <param name="writeBody">Writes the members of <c>body</c> (the object itself is opened and closed here); null = no body.</param>
        public static OutboundFrame Create(string cmd, string reqId, Action<Utf8JsonWriter> writeBody, int sizeHint = 512)
        {
            var buffer = new PooledBufferWriter(sizeHint);
            using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("cmd", cmd);
                w.WriteStartObject("headers");
                w.WriteString("req_id", reqId);
                w.WriteEndObject();
                if (writeBody != null)
                {
                    w.WriteStartObject("body");
                    writeBody(w);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            return new OutboundFrame(cmd, reqId, buffer);
        }

        /// <summary>The frame as text with secrets, keys, signatures and chunk data redacted: safe for -Debug.</summary>
        public string ToRedactedString() => FrameRedactor.Redact(Utf8);

        public override string ToString() => Cmd + " " + ReqId + " (" + Length + " bytes)";

        public void Dispose() => _buffer.Dispose();
    }
}
