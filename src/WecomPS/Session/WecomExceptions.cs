using System;
using System.Management.Automation;

namespace WecomPS.Session
{
    /// <summary>
    /// Every failure the core reports carries what a PowerShell ErrorRecord needs: a stable id (listed in
    /// about_WecomPS) and a category. Cmdlets turn these into ErrorRecords without re-deciding anything.
    /// </summary>
    public class WecomException : Exception
    {
        public string ErrorId { get; }
        public ErrorCategory Category { get; }

        public WecomException(string errorId, ErrorCategory category, string message, Exception inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
        }
    }

    /// <summary>The server answered a command with a non-zero errcode.</summary>
    public class WecomCommandException : WecomException
    {
        public int ErrCode { get; }
        public string ErrMsg { get; }
        public string Cmd { get; }
        public string ReqId { get; }

        public WecomCommandException(string cmd, string reqId, int errCode, string errMsg, string context = null)
            : base(IdFor(errCode), CategoryFor(errCode), Describe(cmd, errCode, errMsg, context))
        {
            Cmd = cmd; ReqId = reqId; ErrCode = errCode; ErrMsg = errMsg;
        }

        internal static string IdFor(int errCode)
        {
            switch (errCode)
            {
                case Protocol.WecomErrorCodes.InvalidCredentials: return ErrorIds.AuthFailed;
                case Protocol.WecomErrorCodes.ReplyExpired: return ErrorIds.ReplyExpired;
                case Protocol.WecomErrorCodes.InvalidReqId: return ErrorIds.InvalidReqId;
                case Protocol.WecomErrorCodes.AlreadyResponded: return ErrorIds.AlreadyResponded;
                case Protocol.WecomErrorCodes.RateLimited: return ErrorIds.RateLimited;
                case Protocol.WecomErrorCodes.StreamExpired: return ErrorIds.StreamExpired;
                case Protocol.WecomErrorCodes.NotSubscribed: return ErrorIds.NotSubscribed;
                case Protocol.WecomErrorCodes.InvalidChatId: return ErrorIds.InvalidChatId;
                default: return ErrorIds.CommandFailed;
            }
        }

        private static ErrorCategory CategoryFor(int errCode)
        {
            switch (errCode)
            {
                case Protocol.WecomErrorCodes.InvalidCredentials: return ErrorCategory.AuthenticationError;
                case Protocol.WecomErrorCodes.RateLimited: return ErrorCategory.LimitsExceeded;
                case Protocol.WecomErrorCodes.ReplyExpired:
                case Protocol.WecomErrorCodes.StreamExpired: return ErrorCategory.OperationStopped;
                case Protocol.WecomErrorCodes.AlreadyResponded: return ErrorCategory.InvalidOperation;
                case Protocol.WecomErrorCodes.InvalidReqId:
                case Protocol.WecomErrorCodes.InvalidChatId: return ErrorCategory.InvalidArgument;
                case Protocol.WecomErrorCodes.NotSubscribed: return ErrorCategory.ConnectionError;
                default: return ErrorCategory.InvalidResult;
            }
        }

        private static string Describe(string cmd, int errCode, string errMsg, string context)
        {
            string why;
            switch (errCode)
            {
                case Protocol.WecomErrorCodes.ReplyExpired: why = "the reply window of this message has passed"; break;
                case Protocol.WecomErrorCodes.InvalidReqId: why =
                    "the server does not accept this command for that message (wrong reply type, or the req_id is "
                        + "unknown)"; break;
                case Protocol.WecomErrorCodes.AlreadyResponded: why =
                    "this message was already answered with a one-shot reply"; break;
                case Protocol.WecomErrorCodes.RateLimited: why = "the per-conversation rate limit was exceeded"; break;
                case Protocol.WecomErrorCodes.StreamExpired: why = "the stream outlived its server lifetime"; break;
                case Protocol.WecomErrorCodes.NotSubscribed: why = "the connection is not subscribed"; break;
                case Protocol.WecomErrorCodes.InvalidChatId: why =
                    "the chat id is not valid for this bot (it is case-sensitive)"; break;
                default: why = null; break;
            }
            return cmd + " failed with errcode " + errCode + " (" + Protocol.FrameRedactor.RedactText(errMsg
                ?? "", 300) + ")" +
                   (why != null ? ": " + why : "") + (context != null ? " [" + context + "]" : "") + ".";
        }
    }

    /// <summary>The frame was written but the connection died before its ack: the server may or may not have
    /// it.</summary>
    public sealed class WecomDeliveryUnknownException : WecomException
    {
        public WecomDeliveryUnknownException(string cmd, string reqId, string reason, Exception inner = null)
            : base(ErrorIds.DeliveryUnknown, ErrorCategory.ConnectionError,
                   cmd + " " + reqId + " was sent but the connection was lost before its ack (" + reason
                       + "): delivery is unknown, and it was not resent.", inner) { }
    }

    internal sealed class ConnectionLostException : Exception
    {
        public ConnectionLostException(string reason, Exception inner = null,
            bool nothingWritten = false) : base(reason, inner)
        {
            NothingWritten = nothingWritten;
        }

        /// <summary>True when the frame was never handed to the socket: sending it again cannot duplicate it.</summary>
        public bool NothingWritten { get; }
    }
}
