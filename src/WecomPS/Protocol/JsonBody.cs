using System;
using System.Text.Json;
using System.Threading;

namespace WecomPS.Protocol
{
    /// <summary>
    /// A frame's <c>body</c> object kept as its UTF-8 bytes. The hot path reads the fields it needs straight from
    /// the bytes (<see cref="Messages.BodyFields"/>); a <see cref="JsonElement"/> is built only when something asks
    /// for one (media and event fields, <c>GetBody()</c>, <c>RawBody</c>), once, from any thread.
    /// </summary>
    public sealed class JsonBody
    {
        private readonly byte[] _utf8;
        private Parsed _parsed;

        /// <param name="utf8">One complete JSON object; the instance keeps the array (callers pass a copy).</param>
        internal JsonBody(byte[] utf8) { _utf8 = utf8; }

        public ReadOnlySpan<byte> Utf8 => _utf8;

        public int Length => _utf8.Length;

        public JsonElement Element
        {
            get
            {
                var parsed = Volatile.Read(ref _parsed);
                if (parsed != null) return parsed.Element;
                // In place: the document indexes this array, which nothing writes, instead of copying it (a body near
                // MaxInboundFrameBytes is held once, not twice). It is never disposed: its index, rented from the
                // shared pool, goes to the collector with it.
                var document = JsonDocument.Parse(new ReadOnlyMemory<byte>(_utf8));
                // A class around the struct: publishing one reference is atomic, a JsonElement field is not.
                Interlocked.CompareExchange(ref _parsed, new Parsed(document.RootElement), null);
                return _parsed.Element;
            }
        }

        private sealed class Parsed
        {
            public readonly JsonElement Element;
            public Parsed(JsonElement element) { Element = element; }
        }
    }
}
