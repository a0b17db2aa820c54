using System;
using System.Text;
using System.Text.Json;

namespace WecomPS.Protocol
{
    /// <summary>One frame from the server: an ack (no <c>cmd</c>, has <c>errcode</c>) or a push (has
    /// <c>cmd</c>).</summary>
    public sealed class InboundFrame
    {
        public string Cmd { get; private set; }
        public string ReqId { get; private set; }
        public int? ErrCode { get; private set; }
        public string ErrMsg { get; private set; }
        /// <summary>The <c>body</c> object, or <c>default</c> (Undefined) when absent or not an object.</summary>
        public JsonElement Body => BodySource?.Element ?? default;
        /// <summary>The <c>body</c> object as bytes (parsed on demand), or null.</summary>
        public JsonBody BodySource { get; private set; }
        public int ByteLength { get; private set; }

        /// <summary>An ack is a frame without a command that echoes a req_id (a <c>cmd:"pong"</c> is tolerated
        /// too).</summary>
        public bool IsAck => ReqId != null && (Cmd == null || Cmd == "pong") && ErrCode.HasValue;
        public bool HasBody => BodySource != null;

        /// <summary>Parses a frame; throws <see cref="FormatException"/> with a short reason when it is not a
        /// frame.</summary>
        /// <remarks>
        /// One pass of a <see cref="Utf8JsonReader"/> over the received bytes: the envelope's fields are read as they
        /// come, <c>body</c> is validated and copied as bytes (<see cref="JsonBody"/>; no document unless asked for).
        /// The whole text is still validated, and a repeated member counts as <see cref="JsonDocument"/> counts it:
        /// the last one wins.
        /// </remarks>
        public static InboundFrame Parse(ArraySegment<byte> utf8)
        {
            var cleaned = ControlCharEscaper.Escape(utf8);
            var frame = new InboundFrame { ByteLength = utf8.Count };
            // A string that is not valid UTF-8 fails only when decoded; as with a parsed document, the JSON error of a
            // malformed frame comes first, so a decoding failure is kept until the whole text has been read.
            Exception undecodable = null;
            bool isObject;
            try
            {
                var bytes = new ReadOnlySpan<byte>(cleaned.Array, cleaned.Offset, cleaned.Count);
                var reader = new Utf8JsonReader(bytes);
                if (!reader.Read()) throw new FormatException("not valid JSON: the frame is empty");
                isObject = reader.TokenType == JsonTokenType.StartObject;
                if (isObject) ReadEnvelope(ref reader, bytes, frame, ref undecodable);
                else reader.Skip();
                // Nothing but white space may follow the value.
                if (reader.Read()) throw new FormatException("not valid JSON: more than one value");
            }
            catch (JsonException e)
            {
                throw new FormatException("not valid JSON: " + e.Message, e);
            }
            if (!isObject) throw new FormatException("the frame is not a JSON object");
            if (undecodable != null) throw undecodable;
            // The seed looks for errcode in the body too: tolerate it there on acks.
            if (!frame.ErrCode.HasValue && frame.Cmd == null && frame.HasBody &&
                frame.Body.TryGetProperty("errcode", out var bodyErr))
                frame.ErrCode = Json.ReadInt(bodyErr);
            if (frame.Cmd == null && frame.ReqId == null) throw new FormatException(
                "the frame has neither cmd nor headers.req_id");
            return frame;
        }

        private static readonly byte[] CmdName = Encoding.UTF8.GetBytes("cmd");
        private static readonly byte[] HeadersName = Encoding.UTF8.GetBytes("headers");
        private static readonly byte[] ReqIdName = Encoding.UTF8.GetBytes("req_id");
        private static readonly byte[] ErrCodeName = Encoding.UTF8.GetBytes("errcode");
        private static readonly byte[] ErrMsgName = Encoding.UTF8.GetBytes("errmsg");
        private static readonly byte[] BodyName = Encoding.UTF8.GetBytes("body");

        /// <summary>Reads the members of the frame object; the reader starts on its '{' and ends on its '}'.</summary>
        private static void ReadEnvelope(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes, InboundFrame frame,
            ref Exception undecodable)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(CmdName))
                {
                    reader.Read();
                    frame.Cmd = KnownCommand(ref reader) ?? StringOrNull(ref reader, ref undecodable);
                }
                else if (reader.ValueTextEquals(HeadersName))
                {
                    reader.Read();
                    frame.ReqId = null;
                    if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isReqId = reader.ValueTextEquals(ReqIdName);
                        reader.Read();
                        if (isReqId) frame.ReqId = StringOrNull(ref reader, ref undecodable);
                        else reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals(ErrCodeName))
                {
                    reader.Read();
                    frame.ErrCode = ReadInt(ref reader, ref undecodable);
                }
                else if (reader.ValueTextEquals(ErrMsgName))
                {
                    reader.Read();
                    frame.ErrMsg = StringOrNull(ref reader, ref undecodable);
                }
                else if (reader.ValueTextEquals(BodyName))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        int start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        int length = (int)reader.BytesConsumed - start;
                        frame.BodySource = new JsonBody(bytes.Slice(start, length).ToArray());
                    }
                    else { frame.BodySource = null; reader.Skip(); }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        private static readonly string[] Commands =
        {
            WecomCommands.MessageCallback, WecomCommands.EventCallback, WecomCommands.LegacyCallback, "pong",
        };
        private static readonly byte[][] CommandBytes = Array.ConvertAll(Commands, Encoding.UTF8.GetBytes);

        /// <summary>The shared string of a push command (one string less per frame), or null for any other
        /// value. An escaped one is left to <see cref="StringOrNull"/>: comparing it decodes it, and a failure to
        /// decode must wait until the whole frame has been read.</summary>
        private static string KnownCommand(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return null;
            for (int i = 0; i < CommandBytes.Length; i++)
                if (reader.ValueTextEquals(CommandBytes[i])) return Commands[i];
            return null;
        }

        /// <summary>The string at the reader, else null (any other value is skipped).</summary>
        private static string StringOrNull(ref Utf8JsonReader reader, ref Exception undecodable)
        {
            if (reader.TokenType != JsonTokenType.String) { reader.Skip(); return null; }
            try { return reader.GetString(); }
            catch (InvalidOperationException e) { undecodable = undecodable ?? e; return null; }
        }

        /// <summary>As <see cref="Json.ReadInt"/> for the value at the reader.</summary>
        private static int? ReadInt(ref Utf8JsonReader reader, ref Exception undecodable)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    if (reader.TryGetInt32(out var i)) return i;
                    return reader.TryGetDouble(out var d) && d >= int.MinValue
                        && d <= int.MaxValue ? (int)d : (int?)null;
                case JsonTokenType.String:
                    var text = StringOrNull(ref reader, ref undecodable);
                    return int.TryParse(text, System.Globalization.NumberStyles.Integer,
                        System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
                default:
                    reader.Skip();
                    return null;
            }
        }

        public static InboundFrame Parse(string json) => Parse(new ArraySegment<byte>(Encoding.UTF8.GetBytes(json)));
    }
}
