using System;
using System.Text;
using System.Text.Json;
using WecomPS.Protocol;

namespace WecomPS.Messages
{
    /// <summary>
    /// The fields every callback has, read in one pass over the body's bytes: no document, no lookup per field.
    /// Same rules as <see cref="Json.Str"/> / <see cref="Json.UnixTime"/> on a parsed body (a number gives its text,
    /// true/false their names, anything else null; a repeated member: the last one wins), which
    /// MessageParserEquivalenceTests check against a parsed document for every field. A struct: one object less
    /// per message.
    /// </summary>
    internal struct BodyFields
    {
        // Each field keeps the last member of its name. A string that is not valid UTF-8 fails the message only when
        // its field is used, and only if no later member of the same name replaced it: as lookups on a parsed
        // document did.
        private Field _msgId, _aibotId, _chatId, _chatType, _msgType, _responseUrl, _userId, _text, _voice;
        private TimeField _createTime, _createdAt;

        public string MsgId => _msgId.Get();
        public string AibotId => _aibotId.Get();
        public string ChatId => _chatId.Get();
        public string ChatType => _chatType.Get();
        public string MsgType => _msgType.Get();
        public string ResponseUrl => _responseUrl.Get();
        /// <summary><c>from.userid</c>.</summary>
        public string UserId => _userId.Get();
        /// <summary><c>text.content</c> (the content of a text message).</summary>
        public string TextContent => _text.Get();
        /// <summary><c>voice.content</c> (the transcription of a voice message).</summary>
        public string VoiceContent => _voice.Get();
        public DateTimeOffset? CreateTime => _createTime.Get();
        /// <summary><c>created_at</c>, the fallback when <c>create_time</c> gives no time.</summary>
        public DateTimeOffset? CreatedAt => _createdAt.Get();
        /// <summary>Whether the (last) <c>event</c> / <c>quote</c> member is an object.</summary>
        public bool HasEventObject, HasQuoteObject;

        private struct Field
        {
            private string _value; private Exception _error;
            public string Get() => _error != null ? throw _error : _value;
            public void Set(string value) { _value = value; _error = null; }
            public void Fail(Exception error) { _value = null; _error = error; }
        }

        private struct TimeField
        {
            private DateTimeOffset? _value; private Exception _error;
            public DateTimeOffset? Get() => _error != null ? throw _error : _value;
            public void Set(DateTimeOffset? value) { _value = value; _error = null; }
            public void Fail(Exception error) { _value = null; _error = error; }
        }

        private static readonly byte[] MsgIdName = Utf8("msgid"), AibotIdName = Utf8("aibotid"),
            ChatIdName = Utf8("chatid"), ChatTypeName = Utf8("chattype"), MsgTypeName = Utf8("msgtype"),
            ResponseUrlName = Utf8("response_url"), FromName = Utf8("from"), UserIdName = Utf8("userid"),
            TextName = Utf8("text"), VoiceName = Utf8("voice"),
            ContentName = Utf8("content"), EventName = Utf8("event"), QuoteName = Utf8("quote"),
            CreateTimeName = Utf8("create_time"), CreatedAtName = Utf8("created_at");

        private static readonly string[] KnownValues = { "text", "image", "mixed", "voice", "file", "video", "event",
            "single", "group" };
        private static readonly byte[][] KnownValueBytes = Array.ConvertAll(KnownValues, Utf8);

        /// <summary>Reads a body object (<see cref="JsonBody.Utf8"/>: already validated JSON).</summary>
        public static BodyFields Read(ReadOnlySpan<byte> body)
        {
            var f = new BodyFields();
            var r = new Utf8JsonReader(body);
            r.Read();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals(MsgIdName)) Scalar(ref r, ref f._msgId);
                else if (r.ValueTextEquals(MsgTypeName)) Scalar(ref r, ref f._msgType, known: true);
                else if (r.ValueTextEquals(ChatIdName)) Scalar(ref r, ref f._chatId);
                else if (r.ValueTextEquals(ChatTypeName)) Scalar(ref r, ref f._chatType, known: true);
                else if (r.ValueTextEquals(AibotIdName)) Scalar(ref r, ref f._aibotId);
                else if (r.ValueTextEquals(ResponseUrlName)) Scalar(ref r, ref f._responseUrl);
                else if (r.ValueTextEquals(FromName)) Member(ref r, UserIdName, ref f._userId);
                else if (r.ValueTextEquals(TextName)) Member(ref r, ContentName, ref f._text);
                else if (r.ValueTextEquals(VoiceName)) Member(ref r, ContentName, ref f._voice);
                else if (r.ValueTextEquals(EventName)) f.HasEventObject = IsObject(ref r);
                else if (r.ValueTextEquals(QuoteName)) f.HasQuoteObject = IsObject(ref r);
                else if (r.ValueTextEquals(CreateTimeName)) Time(ref r, ref f._createTime);
                else if (r.ValueTextEquals(CreatedAtName)) Time(ref r, ref f._createdAt);
                else SkipValue(ref r);
            }
            return f;
        }

        /// <summary>Moves to the member's value and reads it as <see cref="Json.Str"/> would.</summary>
        private static void Scalar(ref Utf8JsonReader r, ref Field field, bool known = false)
        {
            r.Read();
            switch (r.TokenType)
            {
                case JsonTokenType.String:
                    if (known)
                        for (int i = 0; i < KnownValueBytes.Length; i++)
                            if (r.ValueTextEquals(KnownValueBytes[i])) { field.Set(KnownValues[i]); return; }
                    try { field.Set(r.GetString()); }
                    catch (InvalidOperationException e) { field.Fail(e); }
                    return;
                // A number's own text, as JsonElement.GetRawText gives it (numbers never hold escapes).
                case JsonTokenType.Number: field.Set(Encoding.UTF8.GetString(r.ValueSpan.ToArray())); return;
                case JsonTokenType.True: field.Set("true"); return;
                case JsonTokenType.False: field.Set("false"); return;
                default: field.Set(null); r.Skip(); return;
            }
        }

        /// <summary><c>{"name": ...}</c> one level down (<c>from.userid</c>, <c>text.content</c>): null when the
        /// value is not an object or has no such member.</summary>
        private static void Member(ref Utf8JsonReader r, byte[] name, ref Field field)
        {
            field.Set(null);
            r.Read();
            if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return; }
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals(name)) Scalar(ref r, ref field);
                else SkipValue(ref r);
            }
        }

        private static bool IsObject(ref Utf8JsonReader r)
        {
            r.Read();
            bool isObject = r.TokenType == JsonTokenType.StartObject;
            r.Skip();
            return isObject;
        }

        private static void Time(ref Utf8JsonReader r, ref TimeField field)
        {
            r.Read();
            switch (r.TokenType)
            {
                case JsonTokenType.Number:
                    field.Set(r.TryGetInt64(out var i) ? Json.FromUnixSeconds(i)
                        : r.TryGetDouble(out var d) ? Json.FromUnixSeconds(Json.WholeLong(d)) : null);
                    return;
                case JsonTokenType.String:
                    try { field.Set(Json.TimeFromText(r.GetString())); }
                    catch (InvalidOperationException e) { field.Fail(e); }
                    return;
                default: field.Set(null); r.Skip(); return;
            }
        }

        private static void SkipValue(ref Utf8JsonReader r)
        {
            r.Read();
            r.Skip();
        }

        private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
    }
}
