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
    /// MessageParserEquivalenceTests check against a parsed document for every field. A body with a property name
    /// that cannot be decoded is read by those lookups instead. A struct: one object less per message.
    /// </summary>
    internal struct BodyFields
    {
        // Each field keeps the last member of its name. A string that is not valid UTF-8 fails the message only when
        // its field is used, and only if no later member of the same name replaced it: as lookups on a parsed
        // document did.
        private Field<string> _msgId, _aibotId, _chatId, _chatType, _msgType, _responseUrl, _userId, _text, _voice;
        private Field<DateTimeOffset?> _createTime, _createdAt;
        private Field<bool> _hasEvent, _hasQuote;

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
        /// <summary>Whether the (last) <c>event</c> member is an object.</summary>
        public bool HasEventObject => _hasEvent.Get();
        /// <summary>Whether the (last) <c>quote</c> member is an object.</summary>
        public bool HasQuoteObject => _hasQuote.Get();

        private struct Field<T>
        {
            private T _value; private Exception _error;
            public T Get() => _error != null ? throw _error : _value;
            public void Set(T value) { _value = value; _error = null; }
            public void Fail(Exception error) { _value = default; _error = error; }
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

        /// <summary>Reads the fields of a body object (<see cref="JsonBody"/>: already validated JSON).</summary>
        public static BodyFields Read(JsonBody body)
        {
            var f = new BodyFields();
            return f.TryRead(body.Utf8) ? f : Lookup(body.Element);
        }

        /// <summary>
        /// The one pass; false when a property name it compares is escaped and cannot be decoded (a lone surrogate).
        /// Whether a document lookup failed on such a name depends on where the lookup stopped (it walks the members
        /// from the last one back), so those bodies are read by <see cref="Lookup"/>, the lookups themselves.
        /// </summary>
        private bool TryRead(ReadOnlySpan<byte> body)
        {
            var r = new Utf8JsonReader(body);
            r.Read();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (!Decodes(ref r)) return false;
                if (r.ValueTextEquals(MsgIdName)) Scalar(ref r, ref _msgId);
                else if (r.ValueTextEquals(MsgTypeName)) Scalar(ref r, ref _msgType, known: true);
                else if (r.ValueTextEquals(ChatIdName)) Scalar(ref r, ref _chatId);
                else if (r.ValueTextEquals(ChatTypeName)) Scalar(ref r, ref _chatType, known: true);
                else if (r.ValueTextEquals(AibotIdName)) Scalar(ref r, ref _aibotId);
                else if (r.ValueTextEquals(ResponseUrlName)) Scalar(ref r, ref _responseUrl);
                else if (r.ValueTextEquals(FromName)) { if (!Member(ref r, UserIdName, ref _userId)) return false; }
                else if (r.ValueTextEquals(TextName)) { if (!Member(ref r, ContentName, ref _text)) return false; }
                else if (r.ValueTextEquals(VoiceName)) { if (!Member(ref r, ContentName, ref _voice)) return false; }
                else if (r.ValueTextEquals(EventName)) _hasEvent.Set(IsObject(ref r));
                else if (r.ValueTextEquals(QuoteName)) _hasQuote.Set(IsObject(ref r));
                else if (r.ValueTextEquals(CreateTimeName)) Time(ref r, ref _createTime);
                else if (r.ValueTextEquals(CreatedAtName)) Time(ref r, ref _createdAt);
                else SkipValue(ref r);
            }
            return true;
        }

        /// <summary>Whether the name or string at the reader decodes (unescaped text always compares).</summary>
        private static bool Decodes(ref Utf8JsonReader r)
        {
            if (!r.ValueIsEscaped) return true;
            try { r.GetString(); return true; }
            catch (InvalidOperationException) { return false; }
        }

        /// <summary>
        /// The fields as the parser looked them up in a parsed document before the one pass, each lookup's failure
        /// kept for when its field is used.
        /// </summary>
        private static BodyFields Lookup(JsonElement body)
        {
            return new BodyFields
            {
                _msgId = Look(() => Json.Str(body, "msgid")),
                _aibotId = Look(() => Json.Str(body, "aibotid")),
                _chatId = Look(() => Json.Str(body, "chatid")),
                _chatType = Look(() => Json.Str(body, "chattype")),
                _msgType = Look(() => Json.Str(body, "msgtype")),
                _responseUrl = Look(() => Json.Str(body, "response_url")),
                _userId = Look(() => Json.Str(body, "from.userid")),
                _text = Look(() => Json.Str(body, "text.content")),
                _voice = Look(() => Json.Str(body, "voice.content")),
                _createTime = Look(() => Json.UnixTime(body, "create_time")),
                _createdAt = Look(() => Json.UnixTime(body, "created_at")),
                _hasEvent = Look(() => Json.Find(body, "event").ValueKind == JsonValueKind.Object),
                _hasQuote = Look(() => body.TryGetProperty("quote", out var q) && q.ValueKind == JsonValueKind.Object),
            };
        }

        private static Field<T> Look<T>(Func<T> lookup)
        {
            var field = new Field<T>();
            try { field.Set(lookup()); }
            catch (InvalidOperationException e) { field.Fail(e); }
            return field;
        }

        /// <summary>Moves to the member's value and reads it as <see cref="Json.Str"/> would.</summary>
        private static void Scalar(ref Utf8JsonReader r, ref Field<string> field, bool known = false)
        {
            r.Read();
            switch (r.TokenType)
            {
                case JsonTokenType.String:
                    // An escaped value is decoded as any other (its decoding may fail).
                    if (known && !r.ValueIsEscaped)
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
        /// value is not an object or has no such member. False when a name in it cannot be decoded.</summary>
        private static bool Member(ref Utf8JsonReader r, byte[] name, ref Field<string> field)
        {
            field.Set(null);
            r.Read();
            if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return true; }
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (!Decodes(ref r)) return false;
                if (r.ValueTextEquals(name)) Scalar(ref r, ref field);
                else SkipValue(ref r);
            }
            return true;
        }

        private static bool IsObject(ref Utf8JsonReader r)
        {
            r.Read();
            bool isObject = r.TokenType == JsonTokenType.StartObject;
            r.Skip();
            return isObject;
        }

        private static void Time(ref Utf8JsonReader r, ref Field<DateTimeOffset?> field)
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
