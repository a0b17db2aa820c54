using System.Text.Json;

namespace WecomPS.Testing.Protocol
{
    /// <summary>aibot_send_msg and the three reply commands (docs/protocol.md §5).</summary>
    internal static class MessageCommands
    {
        public static CommandResult SendMessage(CommandContext context)
        {
            var body = context.RequiredBody();
            var chatId = Fields.RequiredNonEmptyString(body, "chatid", "body.chatid");
            if (Fields.TryGet(body, "chat_type", out var chatType) && chatType.ValueKind != JsonValueKind.Null)
            {
                if (chatType.ValueKind != JsonValueKind.Number || !chatType.TryGetInt32(out var value))
                    throw RuleBrokenException.Shape(ErrorCodes.InvalidChatType, "chat_type must be an integer");
                if (value < 0 || value > 2) throw RuleBrokenException.Refused(ErrorCodes.InvalidChatType,
                    "chat_type must be 0, 1 or 2");
            }
            var msgType = Fields.RequiredString(body, "msgtype", "body.msgtype");
            if (msgType == "markdown") ContentRules.CheckMarkdown(context, body);
            else if (msgType == "template_card") ContentRules.CheckTemplateCard(body);
            else if (ContentRules.IsMedia(msgType)) ContentRules.CheckMedia(context, body, msgType);
            else throw RuleBrokenException.Refused(ErrorCodes.InvalidMessageType,
                "aibot_send_msg does not take msgtype '" + msgType + "'");

            TakeRate(context, chatId);
            return CommandResult.Ok();
        }

        public static CommandResult Respond(CommandContext context)
        {
            var body = context.RequiredBody();
            var callback = FindCallback(context, c => c.IsMessage, context.Options.ReplyWindow);
            var msgType = Fields.RequiredString(body, "msgtype", "body.msgtype");
            if (msgType == "stream") return RespondStream(context, body, callback);

            if (msgType == "markdown") ContentRules.CheckMarkdown(context, body);
            else if (msgType == "template_card") ContentRules.CheckTemplateCard(body);
            else if (ContentRules.IsMedia(msgType)) ContentRules.CheckMedia(context, body, msgType);
            else throw RuleBrokenException.Refused(ErrorCodes.InvalidMessageType,
                "aibot_respond_msg does not take msgtype '" + msgType + "' on the long connection");
            return UseOneShot(context, callback);
        }

        public static CommandResult RespondWelcome(CommandContext context)
        {
            var body = context.RequiredBody();
            var callback = FindCallback(context, c => c.EventType == "enter_chat", context.Options.WelcomeWindow);
            var msgType = Fields.RequiredString(body, "msgtype", "body.msgtype");
            if (msgType == "text")
            {
                var text = Fields.RequiredObject(body, "text", "body.text");
                var content = Fields.RequiredString(text, "content", "body.text.content");
                ContentRules.CheckContentLength(context, content, "text.content");
            }
            else if (msgType == "template_card") ContentRules.CheckTemplateCard(body);
            else throw RuleBrokenException.Refused(ErrorCodes.InvalidMessageType,
                "welcome replies take text or template_card, not '" + msgType + "'");
            return UseOneShot(context, callback);
        }

        public static CommandResult RespondUpdate(CommandContext context)
        {
            var body = context.RequiredBody();
            FindCallback(context, c => c.EventType == "template_card_event", context.Options.UpdateWindow);
            var responseType = Fields.RequiredString(body, "response_type", "body.response_type");
            if (responseType != "update_template_card")
                throw RuleBrokenException.Refused(ErrorCodes.InvalidResponseType,
                    "expected update_template_card, got '" + responseType + "'");
            ContentRules.CheckTemplateCard(body);
            if (Fields.TryGet(body, "userids", out var userIds) && userIds.ValueKind != JsonValueKind.Null)
            {
                if (userIds.ValueKind != JsonValueKind.Array) throw RuleBrokenException.Shape(ErrorCodes.InvalidField,
                    "body.userids must be an array of strings");
                foreach (var item in userIds.EnumerateArray())
                    if (item.ValueKind != JsonValueKind.String) throw RuleBrokenException.Shape(
                        ErrorCodes.InvalidField, "body.userids must be an array of strings");
            }
            return CommandResult.Ok();
        }

        private static CommandResult RespondStream(CommandContext context, JsonElement body, PushedCallback callback)
        {
            var stream = Fields.RequiredObject(body, "stream", "body.stream");
            var id = Fields.RequiredNonEmptyString(stream, "id", "body.stream.id");
            var content = Fields.RequiredString(stream, "content", "body.stream.content");
            var finish = Fields.OptionalBool(stream, "finish", "body.stream.finish") ?? false;
            ContentRules.CheckContentLength(context, content, "stream.content");
            ContentRules.CheckFeedback(stream, "body.stream");
            string violation = null;
            if (Fields.TryGet(stream, "msg_item", out _))
                violation = "stream.msg_item is not supported on the long connection (docs/protocol.md §5.1a)";

            lock (context.State.Sync)
            {
                if (callback.Streams.TryGetValue(id, out var existing))
                {
                    if (existing.Finished) throw RuleBrokenException.Refused(ErrorCodes.StreamFinished, "stream '" + id
                        + "' already got finish:true");
                    if (context.Now - existing.FirstFrameAt > context.Options.StreamLifetime)
                        throw RuleBrokenException.Refused(ErrorCodes.StreamExpired);
                }
                else
                {
                    // Only a stream's first frame counts against the rate limit (refreshes probably do not:
                    // docs/protocol.md §8).
                    TakeRate(context, callback.ConversationKey);
                    callback.Streams[id] = existing = new StreamState(context.Now);
                }
                existing.FrameCount++;
                existing.LastContent = content;
                existing.Finished = finish;
            }
            var result = CommandResult.Ok();
            return violation == null ? result : result.WithViolation(violation);
        }

        /// <summary>Finds the pushed callback the req_id names, checking kind and age.</summary>
        private static PushedCallback FindCallback(CommandContext context, System.Func<PushedCallback, bool> rightKind,
            System.TimeSpan window)
        {
            PushedCallback callback;
            lock (context.State.Sync) context.State.Callbacks.TryGetValue(context.ReqId, out callback);
            if (callback == null || (callback.BotId != null && callback.BotId != context.Connection.BotId))
                throw RuleBrokenException.Refused(ErrorCodes.InvalidReqId,
                    "req_id is not a callback the server pushed to this bot");
            if (!rightKind(callback))
                throw RuleBrokenException.Refused(ErrorCodes.InvalidReqId, context.Cmd + " cannot answer "
                    + (callback.EventType ?? callback.Cmd));
            if (context.Now - callback.PushedAt > window) throw RuleBrokenException.Refused(ErrorCodes.RequestExpired);
            return callback;
        }

        private static CommandResult UseOneShot(CommandContext context, PushedCallback callback)
        {
            lock (context.State.Sync)
            {
                if (callback.OneShotUsed) throw RuleBrokenException.Refused(ErrorCodes.AlreadyResponded);
                TakeRate(context, callback.ConversationKey);
                callback.OneShotUsed = true;
            }
            return CommandResult.Ok();
        }

        private static void TakeRate(CommandContext context, string conversation)
        {
            lock (context.State.Sync)
            {
                if (!context.State.Rates.TryTake(conversation, context.Now, context.Options.RateLimitPerMinute))
                    throw RuleBrokenException.Refused(ErrorCodes.RateLimited);
            }
        }
    }
}
