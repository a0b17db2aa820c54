using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using WecomPS.Protocol;

namespace WecomPS.Messages
{
    /// <summary>Turns a callback frame into its typed message or event. Tolerant: unknown types still come
    /// out.</summary>
    public static class MessageParser
    {
        public static bool IsCallback(string cmd) =>
            cmd == WecomCommands.MessageCallback || cmd == WecomCommands.EventCallback
                || cmd == WecomCommands.LegacyCallback;

        public static WecomMessage Parse(InboundFrame frame, DateTimeOffset receivedAt)
        {
            var source = frame.BodySource;
            if (source == null) throw new FormatException("callback without a body object");

            // One pass over the body's bytes for what every callback has; the rest of a message (media, events,
            // quotes, mixed items) is read from a parsed document, built only for those.
            var f = BodyFields.Read(source);
            string msgType = f.MsgType;
            bool isEvent = frame.Cmd == WecomCommands.EventCallback || msgType == "event" || f.HasEventObject;
            WecomMessage m = isEvent ? ParseEvent(source.Element) : ParseMessage(source, ref f);

            m.Cmd = frame.Cmd;
            m.ReqId = frame.ReqId;
            m.MsgId = f.MsgId;
            m.MsgType = isEvent ? "event" : msgType;
            m.AibotId = f.AibotId;
            m.ChatType = f.ChatType;
            m.UserId = f.UserId;
            // In a single chat there is no chatid: the conversation is addressed by the sender's userid.
            m.ChatId = f.ChatId ?? (m.ChatType == "group" ? null : m.UserId);
            m.ResponseUrl = f.ResponseUrl;
            // Ids are keys of the dedup and chat tables: a frame with an absurd one is not a message to keep.
            CheckId("msgid", m.MsgId); CheckId("chatid", m.ChatId); CheckId("from.userid", m.UserId);
            CheckId("headers.req_id", m.ReqId); CheckId("aibotid", m.AibotId); CheckId("chattype", m.ChatType);
            m.CreateTime = f.CreateTime ?? f.CreatedAt;
            m.ReceivedAt = receivedAt;
            m.BodySource = source;
            if (f.HasQuoteObject) m.Quote = ParseQuote(source.Element.GetProperty("quote"));
            return m;
        }

        /// <summary>Real ids are under 100 characters; one over this is refused, so no table keeps it.</summary>
        public const int MaxIdLength = 1024;

        private static void CheckId(string field, string value)
        {
            if (value != null && value.Length > MaxIdLength)
                throw new FormatException(field + " is " + value.Length + " characters long (at most " +
                                          MaxIdLength + ")");
        }

        private static WecomMessage ParseMessage(JsonBody source, ref BodyFields f)
        {
            string msgType = f.MsgType;
            switch (msgType)
            {
                case "text": return new WecomPS.Message.Text { Content = f.TextContent };
                case "voice": return new WecomPS.Message.Voice { Content = f.VoiceContent };
            }
            var content = Json.Find(source.Element, msgType ?? "");
            switch (msgType)
            {
                case "image": return FillMedia(new WecomPS.Message.Image(), content);
                case "file": return FillMedia(new WecomPS.Message.File(), content);
                case "video": return FillMedia(new WecomPS.Message.Video(), content);
                case "mixed":
                    var items = ParseItems(content);
                    return new WecomPS.Message.Mixed { Items = items, Content = JoinText(items) };
                default:
                    return new WecomPS.Message.Unknown { Content = Json.Str(content, "content") };
            }
        }

        private static MediaMessage FillMedia(MediaMessage m, JsonElement content)
        {
            m.Url = Json.Str(content, "url");
            m.AesKey = Json.Str(content, "aeskey");
            m.FileName = Json.Str(content, "filename") ?? Json.Str(content, "file_name");
            var size = Json.Find(content, "file_size");
            if (size.ValueKind == JsonValueKind.Undefined) size = Json.Find(content, "size");
            if (size.ValueKind != JsonValueKind.Undefined) m.FileSize = Json.ReadLong(size);
            return m;
        }

        private static List<MixedItem> ParseItems(JsonElement mixed)
        {
            var items = new List<MixedItem>();
            var list = Json.Find(mixed, "msg_item");
            if (list.ValueKind != JsonValueKind.Array) return items;
            foreach (var item in list.EnumerateArray())
            {
                var type = Json.Str(item, "msgtype");
                var inner = Json.Find(item, type ?? "");
                items.Add(new MixedItem
                {
                    MsgType = type,
                    Content = Json.Str(inner, "content"),
                    Url = Json.Str(inner, "url"),
                    AesKey = Json.Str(inner, "aeskey"),
                });
            }
            return items;
        }

        private static string JoinText(List<MixedItem> items)
        {
            var sb = new StringBuilder();
            foreach (var i in items)
            {
                if (i.MsgType != "text" || i.Content == null) continue;
                if (sb.Length > 0) sb.Append('\n');
                sb.Append(i.Content);
            }
            return sb.ToString();
        }

        private static QuotedMessage ParseQuote(JsonElement quote)
        {
            var type = Json.Str(quote, "msgtype");
            var inner = Json.Find(quote, type ?? "");
            var q = new QuotedMessage { MsgType = type, Content = Json.Str(inner, "content"), Url = Json.Str(inner,
                "url"), AesKey = Json.Str(inner, "aeskey") };
            if (type == "mixed") { var items = ParseItems(inner); q.Items = items; q.Content = JoinText(items); }
            return q;
        }

        private static WecomEvent ParseEvent(JsonElement body)
        {
            var ev = Json.Find(body, "event");
            string type = Json.Str(ev, "eventtype") ?? Json.Str(body, "eventtype");
            // The payload is nested under event.<eventtype> (doc, real frames); the SDK's typings put it flat on event.
            var payload = Json.Find(ev, type ?? "");
            if (payload.ValueKind != JsonValueKind.Object) payload = ev;
            WecomEvent e;
            switch (type)
            {
                case "enter_chat": e = new WecomPS.Event.EnterChat(); break;
                case "disconnected_event": e = new WecomPS.Event.Disconnected(); break;
                case "template_card_event":
                    e = new WecomPS.Event.TemplateCard
                    {
                        CardType = Json.Str(payload, "card_type") ?? Json.Str(ev, "card_type"),
                        EventKey = Json.Str(payload, "event_key") ?? Json.Str(ev, "event_key"),
                        TaskId = Json.Str(payload, "task_id") ?? Json.Str(ev, "task_id"),
                        SelectedItems = ParseSelections(payload.ValueKind == JsonValueKind.Object
                            && payload.TryGetProperty("selected_items", out _) ? payload : ev),
                    };
                    break;
                case "feedback_event":
                    var reasons = new List<int>();
                    var list = Json.Find(payload, "inaccurate_reason_list");
                    if (list.ValueKind == JsonValueKind.Array)
                        foreach (var r in list.EnumerateArray()) { var v =
                            Json.ReadInt(r); if (v.HasValue) reasons.Add(v.Value); }
                    var typeEl = Json.Find(payload, "type");
                    e = new WecomPS.Event.Feedback
                    {
                        FeedbackId = Json.Str(payload, "id"),
                        FeedbackType = typeEl.ValueKind == JsonValueKind.Undefined ? null : Json.ReadInt(typeEl),
                        FeedbackContent = Json.Str(payload, "content"),
                        InaccurateReasons = reasons,
                    };
                    break;
                default: e = new WecomPS.Event.Unknown(); break;
            }
            e.EventType = type;
            e.CorpId = Json.Str(body, "from.corpid");
            return e;
        }

        private static IReadOnlyList<CardSelection> ParseSelections(JsonElement holder)
        {
            var result = new List<CardSelection>();
            var list = Json.Find(holder, "selected_items.selected_item");
            if (list.ValueKind != JsonValueKind.Array) return result;
            foreach (var s in list.EnumerateArray())
            {
                var ids = new List<string>();
                var opts = Json.Find(s, "option_ids.option_id");
                if (opts.ValueKind == JsonValueKind.Array)
                    foreach (var o in opts.EnumerateArray()) if (o.ValueKind == JsonValueKind.String) ids.Add(
                        o.GetString());
                result.Add(new CardSelection { QuestionKey = Json.Str(s, "question_key"), OptionIds = ids });
            }
            return result;
        }
    }
}
