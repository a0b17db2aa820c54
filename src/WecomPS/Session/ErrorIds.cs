namespace WecomPS.Session
{
    /// <summary>
    /// Every FullyQualifiedErrorId the module reports, in one place (about_WecomPS lists them for users; the help test
    /// checks that each one is documented). Ids are part of the contract: scripts catch by them.
    /// </summary>
    public static class ErrorIds
    {
        public const string AckTimeout = "WecomAckTimeout";
        public const string AlreadyResponded = "WecomAlreadyResponded";
        public const string ApprovalTimeout = "WecomApprovalTimeout";
        public const string AuthFailed = "WecomAuthFailed";
        public const string CardUpdateWindowPassed = "WecomCardUpdateWindowPassed";
        public const string CertificateRejected = "WecomCertificateRejected";
        public const string CommandFailed = "WecomCommandFailed";
        public const string ConnectFailed = "WecomConnectFailed";
        public const string ConnectTimeout = "WecomConnectTimeout";
        public const string DeliveryUnknown = "WecomDeliveryUnknown";
        public const string Error = "WecomError";
        public const string FileEmpty = "WecomFileEmpty";
        public const string FileNotFound = "WecomFileNotFound";
        public const string FileTooLarge = "WecomFileTooLarge";
        public const string FileTooSmall = "WecomFileTooSmall";
        public const string InvalidApproval = "WecomInvalidApproval";
        public const string InvalidCard = "WecomInvalidCard";
        public const string InvalidCertificate = "WecomInvalidCertificate";
        public const string InvalidChatId = "WecomInvalidChatId";
        public const string InvalidEndpoint = "WecomInvalidEndpoint";
        public const string InvalidPath = "WecomInvalidPath";
        public const string InvalidPattern = "WecomInvalidPattern";
        public const string InvalidReqId = "WecomInvalidReqId";
        public const string MediaBadKey = "WecomMediaBadKey";
        public const string MediaBadPadding = "WecomMediaBadPadding";
        public const string MediaCorrupt = "WecomMediaCorrupt";
        public const string MediaDownloadFailed = "WecomMediaDownloadFailed";
        public const string MediaDownloadTimeout = "WecomMediaDownloadTimeout";
        public const string MediaExpired = "WecomMediaExpired";
        public const string MediaFromOtherBot = "WecomMediaFromOtherBot";
        public const string MediaIdExpired = "WecomMediaIdExpired";
        public const string MediaNoUrl = "WecomMediaNoUrl";
        public const string MediaRedirectRefused = "WecomMediaRedirectRefused";
        public const string MediaTooLarge = "WecomMediaTooLarge";
        public const string MissingCredentials = "WecomMissingCredentials";
        public const string NoSession = "WecomNoSession";
        public const string NotConnected = "WecomNotConnected";
        public const string NotReplyable = "WecomNotReplyable";
        public const string NotSubscribed = "WecomNotSubscribed";
        public const string ParameterNotApplicable = "WecomParameterNotApplicable";
        public const string PathIsDirectory = "WecomPathIsDirectory";
        public const string RateLimited = "WecomRateLimited";
        public const string ReconnectExhausted = "WecomReconnectExhausted";
        public const string ReconnectFailed = "WecomReconnectFailed";
        public const string ReplyClosed = "WecomReplyClosed";
        public const string ReplyContentTooLong = "WecomReplyContentTooLong";
        public const string ReplyExpired = "WecomReplyExpired";
        public const string SessionClosed = "WecomSessionClosed";
        public const string SessionFailed = "WecomSessionFailed";
        public const string SessionNotFound = "WecomSessionNotFound";
        public const string SessionSuperseded = "WecomSessionSuperseded";
        public const string StreamExpired = "WecomStreamExpired";
        public const string StreamIncomplete = "WecomStreamIncomplete";
        public const string StreamTargetChanged = "WecomStreamTargetChanged";
        public const string UnsupportedFormat = "WecomUnsupportedFormat";
        public const string UploadFailed = "WecomUploadFailed";
        public const string WelcomeWindowPassed = "WecomWelcomeWindowPassed";
    }
}
