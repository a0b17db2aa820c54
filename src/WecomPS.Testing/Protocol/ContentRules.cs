using System.Text.Json;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Checks the content object named after msgtype (docs/protocol.md §5.1 b, c, e).</summary>
    internal static class ContentRules
    {
        public const int MaxFeedbackIdBytes = 256;

        public static bool IsMedia(string msgType) => msgType == "file" || msgType == "image" || msgType == "voice"
            || msgType == "video";

        public static void CheckMarkdown(CommandContext context, JsonElement body)
        {
            var markdown = Fields.RequiredObject(body, "markdown", "body.markdown");
            var content = Fields.RequiredString(markdown, "content", "body.markdown.content");
            CheckContentLength(context, content, "markdown.content");
            CheckFeedback(markdown, "body.markdown");
        }

        public static void CheckTemplateCard(JsonElement body, string name = "template_card")
        {
            var card = Fields.RequiredObject(body, name, "body." + name);
            Fields.RequiredNonEmptyString(card, "card_type", "body." + name + ".card_type");
            CheckFeedback(card, "body." + name);
        }

        public static void CheckMedia(CommandContext context, JsonElement body, string msgType)
        {
            var media = Fields.RequiredObject(body, msgType, "body." + msgType);
            var mediaId = Fields.RequiredString(media, "media_id", "body." + msgType + ".media_id");
            if (msgType == "video")
            {
                Fields.OptionalString(media, "title", "body.video.title");
                Fields.OptionalString(media, "description", "body.video.description");
            }
            UploadedMedia uploaded;
            lock (context.State.Sync) context.State.MediaById.TryGetValue(mediaId, out uploaded);
            if (uploaded == null) throw RuleBrokenException.Refused(ErrorCodes.InvalidMediaId,
                "no finished upload has media_id '" + mediaId + "'");
            if (uploaded.Type != msgType)
                throw RuleBrokenException.Refused(ErrorCodes.InvalidMediaId, "media_id was uploaded as "
                    + uploaded.Type + ", sent as " + msgType);
        }

        public static void CheckContentLength(CommandContext context, string content, string path)
        {
            var bytes = Fields.Utf8Length(content);
            if (bytes > context.Options.MaxContentBytes)
                throw RuleBrokenException.Refused(ErrorCodes.ContentTooLong, path + " is " + bytes + " bytes, limit "
                    + context.Options.MaxContentBytes);
        }

        public static void CheckFeedback(JsonElement parent, string path)
        {
            if (!Fields.TryGet(parent, "feedback", out var feedback)
                || feedback.ValueKind == JsonValueKind.Null) return;
            if (feedback.ValueKind != JsonValueKind.Object) throw RuleBrokenException.Shape(ErrorCodes.InvalidField,
                path + ".feedback must be an object");
            var id = Fields.RequiredString(feedback, "id", path + ".feedback.id");
            if (Fields.Utf8Length(id) > MaxFeedbackIdBytes)
                throw RuleBrokenException.Refused(ErrorCodes.FeedbackIdTooLong, "limit " + MaxFeedbackIdBytes
                    + " bytes");
        }
    }
}
