using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using WecomPS.Messages;
using WecomPS.Protocol;
using PJson = WecomPS.Protocol.Json;

namespace WecomPS.Tests
{
    /// <summary>
    /// The oracle of MessageParserEquivalenceTests: MessageParser as it was before the one-pass body reader (issue
    /// 14), every field looked up in a parsed document. Kept verbatim but for the body assignment.
    /// </summary>
    internal static class ReferenceMessageParser
    {
        public static WecomMessage Parse(InboundFrame frame, DateTimeOffset receivedAt)
        {
            var body = frame.HasBody ? frame.Body : default;
            if (body.ValueKind != JsonValueKind.Object) throw new FormatException("callback without a body object");

            string msgType = PJson.Str(body, "msgtype");
            bool isEvent = frame.Cmd == WecomCommands.EventCallback || msgType == "event"
                || PJson.Find(body, "event").ValueKind == JsonValueKind.Object;
            WecomMessage m = isEvent ? ParseEvent(body) : ParseMessage(body, msgType);

            m.Cmd = frame.Cmd;
            m.ReqId = frame.ReqId;
            m.MsgId = PJson.Str(body, "msgid");
            m.MsgType = isEvent ? "event" : msgType;
            m.AibotId = PJson.Str(body, "aibotid");
            m.ChatType = PJson.Str(body, "chattype");
            m.UserId = PJson.Str(body, "from.userid");
            // In a single chat there is no chatid: the conversation is addressed by the sender's userid.
            m.ChatId = PJson.Str(body, "chatid") ?? (m.ChatType == "group" ? null : m.UserId);
            m.ResponseUrl = PJson.Str(body, "response_url");
            // Ids are keys of the dedup and chat tables: a frame with an absurd one is not a message to keep.
            CheckId("msgid", m.MsgId); CheckId("chatid", m.ChatId); CheckId("from.userid", m.UserId);
            CheckId("headers.req_id", m.ReqId); CheckId("aibotid", m.AibotId); CheckId("chattype", m.ChatType);
            m.CreateTime = PJson.UnixTime(body, "create_time") ?? PJson.UnixTime(body, "created_at");
            m.ReceivedAt = receivedAt;
            if (body.TryGetProperty("quote", out var quote)
                && quote.ValueKind == JsonValueKind.Object) m.Quote = ParseQuote(quote);
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

        private static WecomMessage ParseMessage(JsonElement body, string msgType)
        {
            var content = PJson.Find(body, msgType ?? "");
            switch (msgType)
            {
                case "text": return new WecomPS.Message.Text { Content = PJson.Str(content, "content") };
                case "voice": return new WecomPS.Message.Voice { Content = PJson.Str(content, "content") };
                case "image": return FillMedia(new WecomPS.Message.Image(), content);
                case "file": return FillMedia(new WecomPS.Message.File(), content);
                case "video": return FillMedia(new WecomPS.Message.Video(), content);
                case "mixed":
                    var items = ParseItems(content);
                    return new WecomPS.Message.Mixed { Items = items, Content = JoinText(items) };
                default:
                    return new WecomPS.Message.Unknown { Content = PJson.Str(content, "content") };
            }
        }

        private static MediaMessage FillMedia(MediaMessage m, JsonElement content)
        {
            m.Url = PJson.Str(content, "url");
            m.AesKey = PJson.Str(content, "aeskey");
            m.FileName = PJson.Str(content, "filename") ?? PJson.Str(content, "file_name");
            var size = PJson.Find(content, "file_size");
            if (size.ValueKind == JsonValueKind.Undefined) size = PJson.Find(content, "size");
            if (size.ValueKind != JsonValueKind.Undefined) m.FileSize = PJson.ReadLong(size);
            return m;
        }

        private static List<MixedItem> ParseItems(JsonElement mixed)
        {
            var items = new List<MixedItem>();
            var list = PJson.Find(mixed, "msg_item");
            if (list.ValueKind != JsonValueKind.Array) return items;
            foreach (var item in list.EnumerateArray())
            {
                var type = PJson.Str(item, "msgtype");
                var inner = PJson.Find(item, type ?? "");
                items.Add(new MixedItem
                {
                    MsgType = type,
                    Content = PJson.Str(inner, "content"),
                    Url = PJson.Str(inner, "url"),
                    AesKey = PJson.Str(inner, "aeskey"),
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
            var type = PJson.Str(quote, "msgtype");
            var inner = PJson.Find(quote, type ?? "");
            var q = new QuotedMessage { MsgType = type, Content = PJson.Str(inner, "content"), Url = PJson.Str(inner,
                "url"), AesKey = PJson.Str(inner, "aeskey") };
            if (type == "mixed") { var items = ParseItems(inner); q.Items = items; q.Content = JoinText(items); }
            return q;
        }

        private static WecomEvent ParseEvent(JsonElement body)
        {
            var ev = PJson.Find(body, "event");
            string type = PJson.Str(ev, "eventtype") ?? PJson.Str(body, "eventtype");
            // The payload is nested under event.<eventtype> (doc, real frames); the SDK's typings put it flat on event.
            var payload = PJson.Find(ev, type ?? "");
            if (payload.ValueKind != JsonValueKind.Object) payload = ev;
            WecomEvent e;
            switch (type)
            {
                case "enter_chat": e = new WecomPS.Event.EnterChat(); break;
                case "disconnected_event": e = new WecomPS.Event.Disconnected(); break;
                case "template_card_event":
                    e = new WecomPS.Event.TemplateCard
                    {
                        CardType = PJson.Str(payload, "card_type") ?? PJson.Str(ev, "card_type"),
                        EventKey = PJson.Str(payload, "event_key") ?? PJson.Str(ev, "event_key"),
                        TaskId = PJson.Str(payload, "task_id") ?? PJson.Str(ev, "task_id"),
                        SelectedItems = ParseSelections(payload.ValueKind == JsonValueKind.Object
                            && payload.TryGetProperty("selected_items", out _) ? payload : ev),
                    };
                    break;
                case "feedback_event":
                    var reasons = new List<int>();
                    var list = PJson.Find(payload, "inaccurate_reason_list");
                    if (list.ValueKind == JsonValueKind.Array)
                        foreach (var r in list.EnumerateArray()) { var v =
                            PJson.ReadInt(r); if (v.HasValue) reasons.Add(v.Value); }
                    var typeEl = PJson.Find(payload, "type");
                    e = new WecomPS.Event.Feedback
                    {
                        FeedbackId = PJson.Str(payload, "id"),
                        FeedbackType = typeEl.ValueKind == JsonValueKind.Undefined ? null : PJson.ReadInt(typeEl),
                        FeedbackContent = PJson.Str(payload, "content"),
                        InaccurateReasons = reasons,
                    };
                    break;
                default: e = new WecomPS.Event.Unknown(); break;
            }
            e.EventType = type;
            e.CorpId = PJson.Str(body, "from.corpid");
            return e;
        }

        private static IReadOnlyList<CardSelection> ParseSelections(JsonElement holder)
        {
            var result = new List<CardSelection>();
            var list = PJson.Find(holder, "selected_items.selected_item");
            if (list.ValueKind != JsonValueKind.Array) return result;
            foreach (var s in list.EnumerateArray())
            {
                var ids = new List<string>();
                var opts = PJson.Find(s, "option_ids.option_id");
                if (opts.ValueKind == JsonValueKind.Array)
                    foreach (var o in opts.EnumerateArray()) if (o.ValueKind == JsonValueKind.String) ids.Add(
                        o.GetString());
                result.Add(new CardSelection { QuestionKey = PJson.Str(s, "question_key"), OptionIds = ids });
            }
            return result;
        }
    }
}
