namespace WecomPS.Protocol
{
    /// <summary>The <c>cmd</c> values of the long-connection protocol (docs/protocol.md §1–§6).</summary>
    public static class WecomCommands
    {
        public const string Subscribe = "aibot_subscribe";
        public const string Ping = "ping";
        public const string MessageCallback = "aibot_msg_callback";
        public const string LegacyCallback = "aibot_callback";
        public const string EventCallback = "aibot_event_callback";
        public const string RespondMessage = "aibot_respond_msg";
        public const string RespondWelcome = "aibot_respond_welcome_msg";
        public const string RespondUpdate = "aibot_respond_update_msg";
        public const string SendMessage = "aibot_send_msg";
        public const string UploadInit = "aibot_upload_media_init";
        public const string UploadChunk = "aibot_upload_media_chunk";
        public const string UploadFinish = "aibot_upload_media_finish";
    }

    /// <summary>Error codes with a documented meaning (docs/protocol.md §9).</summary>
    public static class WecomErrorCodes
    {
        public const int Ok = 0;
        public const int SystemError = -1;
        public const int InvalidCredentials = 853000;
        public const int ReplyExpired = 846604;
        public const int InvalidReqId = 846605;
        public const int AlreadyResponded = 846606;
        public const int RateLimited = 846607;
        public const int StreamExpired = 846608;
        public const int NotSubscribed = 846609;
        public const int InvalidChatId = 93006;
    }
}
