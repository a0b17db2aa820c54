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
        private readonly bool _sensitive;
        private System.Threading.Tasks.Task _pendingWrite;

        public string Cmd { get; }
        public string ReqId { get; }
        public ArraySegment<byte> Utf8 => _buffer.WrittenSegment;
        public int Length => _buffer.WrittenCount;

        private OutboundFrame(string cmd, string reqId, PooledBufferWriter buffer, bool sensitive)
        {
            Cmd = cmd; ReqId = reqId; _buffer = buffer; _sensitive = sensitive;
        }

        /// <param name="writeBody">Writes the members of <c>body</c> (the object itself is opened and closed here);
        /// null = no body.</param>
        /// <param name="sensitive">The frame holds a secret: its bytes are wiped before the buffer goes back to the
        /// pool.</param>
        public static OutboundFrame Create(string cmd, string reqId, Action<Utf8JsonWriter> writeBody,
            int sizeHint = 512, bool sensitive = false)
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
            return new OutboundFrame(cmd, reqId, buffer, sensitive);
        }

        /// <summary>
        /// The frame as text with secrets, keys, signatures and chunk data redacted: safe for -Debug. The value of a
        /// secret member is never decoded into a string, and a sensitive frame is never shown as raw text.
        /// </summary>
        public string ToRedactedString() => FrameRedactor.Redact(Utf8, allowRawExcerpt: !_sensitive);

        public override string ToString() => Cmd + " " + ReqId + " (" + Length + " bytes)";

        /// <summary>A write of this frame is still under way: the buffer is released only when it is done.</summary>
        public void HoldUntil(System.Threading.Tasks.Task write) => _pendingWrite = write;

        public void Dispose()
        {
            var write = _pendingWrite;
            if (write != null && !write.IsCompleted) write.ContinueWith(_ => Release(),
                System.Threading.Tasks.TaskScheduler.Default);
            else Release();
        }

        private void Release()
        {
            if (_sensitive) Array.Clear(_buffer.WrittenSegment.Array, 0, _buffer.WrittenCount);
            _buffer.Dispose();
        }
    }
}
