using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Builds aibot_msg_callback / aibot_event_callback frames (docs/protocol.md §4).</summary>
    internal static class PushBuilder
    {
        // Raw UTF-8 (not \uXXXX) for non-ASCII text, like the real server's frames.
        private static readonly JsonSerializerOptions Output = new JsonSerializerOptions { Encoder =
            JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static string Message(string reqId, string msgId, string botId, string userId, string chatId,
            string msgType,
            JsonNode content, JsonNode quote, long createTime, string responseUrl)
        {
            var body = new JsonObject
            {
                ["msgid"] = msgId,
                ["aibotid"] = botId,
            };
            if (chatId != null) body["chatid"] = chatId;
            body["chattype"] = chatId != null ? "group" : "single";
            body["from"] = new JsonObject { ["userid"] = userId };
            body["create_time"] = createTime;
            body["response_url"] = responseUrl;
            body["msgtype"] = msgType;
            body[msgType] = content;
            if (quote != null) body["quote"] = quote;
            return Frame("aibot_msg_callback", reqId, body);
        }

        public static string Event(string reqId, string msgId, string botId, string eventType, JsonNode payload,
            string userId, string chatId, long createTime, string responseUrl)
        {
            var body = new JsonObject
            {
                ["msgid"] = msgId,
                ["create_time"] = createTime,
                ["aibotid"] = botId,
            };
            // disconnected_event carries no conversation (docs/protocol.md §4.2).
            if (eventType != "disconnected_event")
            {
                if (chatId != null) body["chatid"] = chatId;
                body["chattype"] = chatId != null ? "group" : "single";
                body["from"] = new JsonObject { ["userid"] = userId };
            }
            if (responseUrl != null) body["response_url"] = responseUrl;
            body["msgtype"] = "event";
            var evt = new JsonObject { ["eventtype"] = eventType };
            if (payload != null) evt[eventType] = payload;
            body["event"] = evt;
            return Frame("aibot_event_callback", reqId, body);
        }

        /// <summary>Anonymous objects, dictionaries, JsonElement, JsonNode or JSON-serializable values.</summary>
        public static JsonNode ToNode(object value)
        {
            switch (value)
            {
                case null: return null;
                case JsonNode node: return node.DeepClone();
                case JsonElement element: return element.ValueKind == JsonValueKind.Undefined ? null
                    : JsonNode.Parse(element.GetRawText());
                default: return JsonSerializer.SerializeToNode(value, value.GetType());
            }
        }

        private static string Frame(string cmd, string reqId, JsonObject body)
        {
            var frame = new JsonObject
            {
                ["cmd"] = cmd,
                ["headers"] = new JsonObject { ["req_id"] = reqId },
                ["body"] = body,
            };
            return frame.ToJsonString(Output);
        }
    }
}
