using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using WecomPS.Testing.Protocol;
using WecomPS.Testing.Server;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private readonly List<PushedFrame> _pushes = new List<PushedFrame>();

        /// <summary>Every frame pushed so far.</summary>
        public IReadOnlyList<PushedFrame> Pushes
        {
            get { lock (_state.Sync) return _pushes.ToArray(); }
        }

        public string LastPushReqId
        {
            get { lock (_state.Sync) return _pushes.Count == 0 ? null : _pushes[_pushes.Count - 1].ReqId; }
        }

        /// <summary>A text message; chatId null or "" = single chat with userId. msgId: reuse one to push a
        /// duplicate.</summary>
        public PushedFrame PushText(string content, string userId = "zhangsan", string chatId = null,
            string msgId = null, string reqId = null, int? connectionId = null) =>
            PushMessage("text", new JsonObject { ["content"] = content }, userId, chatId, null, msgId, reqId,
                connectionId);

        /// <summary>Registers encrypted media and pushes an image callback with its url and aeskey (single
        /// chat).</summary>
        public PushedFrame PushImage(byte[] plainImage, string userId = "zhangsan", string fileName = "image.png",
            int? connectionId = null) =>
            PushMediaMessage("image", plainImage, fileName, userId, connectionId);

        public PushedFrame PushFile(byte[] plain, string fileName, string userId = "zhangsan",
            int? connectionId = null) =>
            PushMediaMessage("file", plain, fileName, userId, connectionId);

        public PushedFrame PushVideo(byte[] plain, string fileName = "video.mp4", string userId = "zhangsan",
            int? connectionId = null) =>
            PushMediaMessage("video", plain, fileName, userId, connectionId);

        /// <summary>Voice arrives already transcribed; it has no media URL.</summary>
        public PushedFrame PushVoice(string transcript, string userId = "zhangsan", int? connectionId = null) =>
            PushMessage("voice", new JsonObject { ["content"] = transcript }, userId, null, null, null, null,
                connectionId);

        /// <summary>
        /// A mixed message in a single chat with "zhangsan": a string is a text item, a byte[] an image item
        /// (registered as image.png),
        /// a <see cref="RegisteredMedia"/> an image item using that media.
        /// </summary>
        public PushedFrame PushMixed(params object[] items) => PushMixedIn(null, "zhangsan", items);

        /// <summary>A mixed message in a group (chatId non-null) or single chat.</summary>
        public PushedFrame PushMixedIn(string chatId, string userId, params object[] items) =>
            PushMixedMessage(items, userId, chatId);

        /// <summary>
        /// An aibot_msg_callback with <c>body.msgtype = msgType</c> and <c>body[msgType] = content</c>
        /// (anonymous object, dictionary, JsonElement or JsonNode). chatId null = single chat.
        /// </summary>
        public PushedFrame PushMessage(string msgType, object content, string userId = "zhangsan",
            string chatId = null, object quote = null,
            string msgId = null, string reqId = null, int? connectionId = null) =>
            PushMessage(msgType, content, userId, chatId, quote, msgId, reqId, connectionId, null);

        /// <summary>
        /// An aibot_event_callback: enter_chat, template_card_event, feedback_event, disconnected_event or any other
        /// type; payload goes under event.&lt;eventType&gt;. disconnected_event has no from/chattype/chatid.
        /// </summary>
        public PushedFrame PushEvent(string eventType, object payload = null, string userId = "zhangsan",
            string chatId = null,
            string msgId = null, string reqId = null, int? connectionId = null)
        {
            var botId = BotOf(connectionId);
            var json = BuildEvent(botId, eventType, payload, userId, chatId, msgId, reqId, out var usedReqId,
                out var usedMsgId);
            var callback = new PushedCallback(usedReqId, "aibot_event_callback", eventType, userId, chatId, Now, botId);
            return Push(json, usedReqId, usedMsgId, callback, connectionId, null);
        }

        /// <summary>Exactly these characters as one text frame (malformed JSON, raw control characters, unknown
        /// cmds...).</summary>
        public PushedFrame PushRaw(string rawText, int? connectionId = null) => Push(rawText, null, null, null,
            connectionId, null);

        /// <summary>
        /// Exactly these bytes as one text frame: invalid UTF-8, frames of any size. The push record keeps only a
        /// summary (the size), so a test can push megabytes without the double holding on to them.
        /// </summary>
        public PushedFrame PushRawBytes(byte[] utf8, int? connectionId = null)
        {
            if (utf8 == null) throw new ArgumentNullException(nameof(utf8));
            int sent = SendToTargets(utf8, null, connectionId);
            return Remember(new PushedFrame(null, null, "(" + utf8.Length + " raw bytes)", sent, null));
        }

        /// <summary>
        /// Sends an earlier push again, byte for byte (same req_id and msgid), like a server redelivering a callback.
        /// A client that de-duplicates by msgid shows it once.
        /// </summary>
        public PushedFrame Repush(PushedFrame pushed, int? connectionId = null)
        {
            if (pushed == null) throw new ArgumentNullException(nameof(pushed));
            return Push(pushed.RawJson, pushed.ReqId, pushed.MsgId, null, connectionId, pushed.Media);
        }

        /// <summary>Pushes disconnected_event to every open connection without closing any.</summary>
        public PushedFrame SendDisconnectedEvent()
        {
            var json = BuildEvent(Options.BotId, "disconnected_event", null, null, null, null, null, out var reqId,
                out var msgId);
            var bytes = Encoding.UTF8.GetBytes(json);
            int sent = 0;
            if (!_silent)
                foreach (var connection in LiveConnections())
                    if (connection.SendAsync(bytes).GetAwaiter().GetResult()) sent++;
            return Remember(new PushedFrame(reqId, msgId, json, sent, null));
        }

        /// <summary>
        /// Registers encrypted media and pushes an image, file or video callback with its url and aeskey, in any
        /// conversation (chatId null or "" = single chat with userId). msgId: reuse one to push a duplicate.
        /// </summary>
        public PushedFrame PushMedia(string msgType, byte[] plain, string fileName, string userId = "zhangsan",
            string chatId = null,
            object quote = null, string msgId = null, string reqId = null, int? connectionId = null)
        {
            if (msgType != "image" && msgType != "file" && msgType != "video")
                throw new ArgumentException("msgType is image, file or video, not '" + msgType + "'.", nameof(msgType));
            if (plain == null) throw new ArgumentNullException(nameof(plain));
            var media = RegisterMedia(plain, string.IsNullOrEmpty(fileName) ? DefaultFileName(msgType) : fileName);
            var content = new JsonObject { ["url"] = media.Url, ["aeskey"] = media.AesKey };
            return PushMessage(msgType, content, userId, chatId, quote, msgId, reqId, connectionId, new[] { media });
        }

        /// <summary>
        /// A mixed message in any conversation: a string is a text item, a byte[] an image item (registered as
        /// image.png), a <see cref="RegisteredMedia"/> an image item using that media.
        /// </summary>
        public PushedFrame PushMixedMessage(IEnumerable<object> items, string userId = "zhangsan",
            string chatId = null, object quote = null,
            string msgId = null, string reqId = null, int? connectionId = null)
        {
            if (items == null) throw new ArgumentNullException(nameof(items));
            var media = new List<RegisteredMedia>();
            var list = new JsonArray();
            foreach (var item in items)
            {
                switch (item)
                {
                    case string text:
                        list.Add(new JsonObject { ["msgtype"] = "text",
                            ["text"] = new JsonObject { ["content"] = text } });
                        break;
                    case byte[] image:
                        var registered = RegisterMedia(image, "image.png");
                        media.Add(registered);
                        list.Add(ImageItem(registered));
                        break;
                    case RegisteredMedia existing:
                        media.Add(existing);
                        list.Add(ImageItem(existing));
                        break;
                    default:
                        throw new ArgumentException("mixed items are strings (text), byte[] (image) or "
                            + "RegisteredMedia, not " + (item?.GetType().Name ?? "null"));
                }
            }
            return PushMessage("mixed", new JsonObject { ["msg_item"] = list }, userId, chatId, quote, msgId, reqId,
                connectionId, media);
        }

        private static string DefaultFileName(string msgType) =>
            msgType == "image" ? "image.png" : msgType == "video" ? "video.mp4" : "file.bin";

        private PushedFrame PushMediaMessage(string msgType, byte[] plain, string fileName, string userId,
            int? connectionId) =>
            PushMedia(msgType, plain, fileName, userId, null, null, null, null, connectionId);

        /// <summary>PowerShell passes $null to a .NET string parameter as "": both mean "not given".</summary>
        private static string Given(string value) => string.IsNullOrEmpty(value) ? null : value;

        private PushedFrame PushMessage(string msgType, object content, string userId, string chatId, object quote,
            string msgId, string reqId, int? connectionId, IReadOnlyList<RegisteredMedia> media)
        {
            chatId = Given(chatId);
            reqId = Given(reqId) ?? Ids.CallbackReqId();
            msgId = Given(msgId) ?? Ids.MsgId();
            var now = Now;
            var botId = BotOf(connectionId);
            var json = PushBuilder.Message(reqId, msgId, botId, userId, chatId, msgType,
                PushBuilder.ToNode(content),
                PushBuilder.ToNode(quote), now.ToUnixTimeSeconds(), ResponseUrl());
            var callback = new PushedCallback(reqId, "aibot_msg_callback", null, userId, chatId, now, botId);
            return Push(json, reqId, msgId, callback, connectionId, media);
        }

        /// <summary>The bot a push is for: that of the connection it targets, else <see cref="BotId"/>.</summary>
        private string BotOf(int? connectionId)
        {
            if (!connectionId.HasValue) return Options.BotId;
            lock (_state.Sync)
                return _connections.TryGetValue(connectionId.Value, out var c) && c.BotId != null
                    ? c.BotId : Options.BotId;
        }

        private string BuildEvent(string botId, string eventType, object payload, string userId, string chatId,
            string msgId, string reqId, out string usedReqId, out string usedMsgId)
        {
            chatId = Given(chatId);
            usedReqId = Given(reqId) ?? Ids.CallbackReqId();
            usedMsgId = Given(msgId) ?? Ids.MsgId();
            var responseUrl = eventType == "template_card_event" ? ResponseUrl() : null;
            return PushBuilder.Event(usedReqId, usedMsgId, botId, eventType, PushBuilder.ToNode(payload),
                userId, chatId,
                Now.ToUnixTimeSeconds(), responseUrl);
        }

        /// <summary>Points at the double, which answers 404: a client must not depend on response_url.</summary>
        private string ResponseUrl() => new Uri(HttpBase, "cgi-bin/aibot/response?response_code="
            + Ids.UrlSafe(24)).ToString();

        private PushedFrame Push(string json, string reqId, string msgId, PushedCallback callback, int? connectionId,
            IReadOnlyList<RegisteredMedia> media)
        {
            int sent = SendToTargets(Encoding.UTF8.GetBytes(json), callback, connectionId);
            return Remember(new PushedFrame(reqId, msgId, json, sent, media));
        }

        private int SendToTargets(byte[] bytes, PushedCallback callback, int? connectionId)
        {
            MockConnection[] targets;
            lock (_state.Sync)
            {
                targets = connectionId.HasValue
                    ? _connections.Values.Where(c => c.Id == connectionId.Value && !c.IsClosed).ToArray()
                    : PushTargets().ToArray();
                // Registered before sending, so an immediate reply finds its req_id.
                if (callback != null) _state.Callbacks[callback.ReqId] = callback;
            }
            if (targets.Length == 0 && !_silent)
                throw new InvalidOperationException(connectionId.HasValue
                    ? "Connection " + connectionId + " is not open."
                    : "No subscribed connection to push to (open connections: " + ActiveConnectionCount + ").");

            int sent = 0;
            if (!_silent)
                foreach (var connection in targets)
                    if (connection.SendAsync(bytes).GetAwaiter().GetResult()) sent++;
            return sent;
        }

        private PushedFrame Remember(PushedFrame pushed)
        {
            lock (_state.Sync) _pushes.Add(pushed);
            _state.Changed.Notify();
            return pushed;
        }

        private static JsonObject ImageItem(RegisteredMedia media) => new JsonObject
        {
            ["msgtype"] = "image",
            ["image"] = new JsonObject { ["url"] = media.Url, ["aeskey"] = media.AesKey },
        };
    }
}
