namespace WecomPS.Testing.Protocol
{
    /// <summary>
    /// Error codes the double answers with. Codes from docs/protocol.md §9 are real; the 49xxx codes are
    /// invented by the double (the real server's codes for these cases are undocumented) and listed in README.md.
    /// </summary>
    public static class ErrorCodes
    {
        public const int Ok = 0;
        public const int SystemError = -1;

        // Real (docs/protocol.md §9 and the WeCom general code table).
        public const int InvalidCredentials = 853000;
        public const int RequestExpired = 846604;
        public const int InvalidReqId = 846605;
        public const int AlreadyResponded = 846606;
        public const int RateLimited = 846607;
        public const int StreamExpired = 846608;
        public const int NotSubscribed = 846609;
        public const int InvalidMediaId = 40007;
        public const int InvalidMessageType = 40008;
        public const int ContentTooLong = 40058;

        // Invented: frame shape and fields.
        public const int InvalidFrame = 49001;
        public const int UnknownCommand = 49002;
        public const int InvalidField = 49003;
        public const int InvalidChatType = 49004;
        public const int FeedbackIdTooLong = 49005;
        public const int StreamFinished = 49010;
        public const int InvalidResponseType = 49011;
        public const int InjectedFailure = 49099;

        // Invented: uploads.
        public const int InvalidUploadType = 49020;
        public const int InvalidFileName = 49021;
        public const int FileTooSmall = 49022;
        public const int FileTooLarge = 49023;
        public const int UnsupportedFormat = 49024;
        public const int InvalidTotalChunks = 49025;
        public const int InvalidMd5Format = 49026;
        public const int InvalidUploadId = 49027;
        public const int ChunkIndexOutOfRange = 49028;
        public const int InvalidBase64 = 49029;
        public const int InvalidChunkSize = 49030;
        public const int UploadIncomplete = 49031;
        public const int SizeMismatch = 49032;
        public const int Md5Mismatch = 49033;
        public const int UploadAlreadyFinished = 49034;
        public const int UploadExpired = 49035;

        /// <summary>The errmsg text (before the ", hint: ..." suffix) for a code.</summary>
        public static string DefaultMessage(int code)
        {
            switch (code)
            {
                case Ok: return "ok";
                case SystemError: return "system error";
                case InvalidCredentials: return "invalid bot_id or secret";
                case RequestExpired: return "websocket request expired, response is invalid";
                case InvalidReqId: return "invalid req_id";
                case AlreadyResponded: return "request already responded, cannot respond again";
                case RateLimited: return "aibot send msg frequency limit exceeded";
                case StreamExpired: return "stream message update expired";
                case NotSubscribed: return "aibot websocket not subscribed";
                case InvalidMediaId: return "invalid media_id";
                case InvalidMessageType: return "invalid message type";
                case ContentTooLong: return "content exceed max length";
                case InvalidFrame: return "invalid frame";
                case UnknownCommand: return "unknown cmd";
                case InvalidField: return "invalid parameter";
                case InvalidChatType: return "invalid chat_type";
                case FeedbackIdTooLong: return "feedback.id exceed max length";
                case StreamFinished: return "stream already finished";
                case InvalidResponseType: return "invalid response_type";
                case InvalidUploadType: return "invalid media type";
                case InvalidFileName: return "invalid filename";
                case FileTooSmall: return "file size too small";
                case FileTooLarge: return "file size exceed limit";
                case UnsupportedFormat: return "unsupported file format";
                case InvalidTotalChunks: return "invalid total_chunks";
                case InvalidMd5Format: return "invalid md5";
                case InvalidUploadId: return "invalid upload_id";
                case ChunkIndexOutOfRange: return "chunk_index out of range";
                case InvalidBase64: return "invalid base64_data";
                case InvalidChunkSize: return "invalid chunk size";
                case UploadIncomplete: return "upload incomplete, missing chunks";
                case SizeMismatch: return "file size mismatch";
                case Md5Mismatch: return "md5 mismatch";
                case UploadAlreadyFinished: return "upload already finished";
                case UploadExpired: return "upload session expired";
                default: return "injected failure";
            }
        }
    }
}
