using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>Proactive sends and replies, each acked before the next; the rules of docs/protocol.md §5 live
    /// here.</summary>
    public static class MessageSender
    {
        public static readonly TimeSpan WelcomeWindow = TimeSpan.FromSeconds(5);
        public static readonly TimeSpan UpdateWindow = TimeSpan.FromSeconds(5);

        /// <summary>aibot_send_msg markdown; content over the byte limit goes as several messages.</summary>
        public static async Task<IReadOnlyList<WecomSendResult>> SendMarkdownAsync(WecomSession session, string chatId,
            string content, int? chatType, string feedbackId, CancellationToken ct, TimeSpan? timeout = null)
        {
            var results = new List<WecomSendResult>();
            int part = 0;
            foreach (var piece in ContentSplitter.Split(content))
            {
                bool first = part++ == 0;
                var ack = await session.SendCommandAsync(new CommandRequest
                {
                    Cmd = WecomCommands.SendMessage,
                    Conversation = chatId,
                    Timeout = timeout,
                    Describe = "markdown to " + chatId,
                    SizeHint = piece.Length * 3 + 256,
                    WriteBody = w =>
                    {
                        w.WriteString("chatid", chatId);
                        if (chatType.HasValue) w.WriteNumber("chat_type", chatType.Value);
                        w.WriteString("msgtype", "markdown");
                        w.WriteStartObject("markdown");
                        w.WriteString("content", piece);
                        if (first && feedbackId != null) { w.WriteStartObject("feedback"); w.WriteString("id",
                            feedbackId); w.WriteEndObject(); }
                        w.WriteEndObject();
                    },
                }, ct).ConfigureAwait(false);
                results.Add(new WecomSendResult { Cmd = WecomCommands.SendMessage, ReqId = ack.ReqId, ChatId = chatId,
                    MsgType = "markdown", Bytes = ContentSplitter.ByteCount(piece), Part = part });
            }
            return results;
        }

        /// <summary>aibot_send_msg with an uploaded media_id.</summary>
        public static async Task<WecomSendResult> SendMediaAsync(WecomSession session, string chatId, int? chatType,
            string mediaType, string mediaId, CancellationToken ct, string title = null, string description = null)
        {
            var ack = await session.SendCommandAsync(new CommandRequest
            {
                Cmd = WecomCommands.SendMessage,
                Conversation = chatId,
                Describe = mediaType + " " + mediaId + " to " + chatId,
                WriteBody = w =>
                {
                    w.WriteString("chatid", chatId);
                    if (chatType.HasValue) w.WriteNumber("chat_type", chatType.Value);
                    WriteMedia(w, mediaType, mediaId, title, description);
                },
            }, ct).ConfigureAwait(false);
            return new WecomSendResult { Cmd = WecomCommands.SendMessage, ReqId = ack.ReqId, ChatId = chatId,
                MsgType = mediaType, MediaId = mediaId };
        }

        /// <summary>aibot_respond_msg with a media_id, under the message's req_id.</summary>
        public static async Task<WecomSendResult> ReplyMediaAsync(WecomSession session, WecomMessage replyTo,
            string mediaType, string mediaId, CancellationToken ct, string title = null, string description = null)
        {
            EnsureReplyable(replyTo);
            var ack = await session.SendCommandAsync(new CommandRequest
            {
                Cmd = WecomCommands.RespondMessage,
                ReqId = replyTo.ReqId,
                Lane = replyTo.ReqId,
                Conversation = replyTo.ChatId,
                Describe = "reply " + mediaType + " " + mediaId,
                WriteBody = w => WriteMedia(w, mediaType, mediaId, title, description),
            }, ct).ConfigureAwait(false);
            return new WecomSendResult
            {
                Cmd = WecomCommands.RespondMessage, ReqId = ack.ReqId, ChatId = replyTo.ChatId, MsgType = mediaType,
                    MediaId = mediaId,
            };
        }

        /// <summary>
        /// A one-shot text reply: a stream with a fresh id and <c>finish:true</c> (several streams when the content is
        /// over the byte limit); a welcome text for an enter_chat event. With <paramref name="fallbackToSend"/>, a
        /// reply the server refuses (window passed, req_id unknown, already answered) goes to the same chat as a
        /// proactive markdown message instead, with a warning; parts already delivered are not sent again.
        /// </summary>
        public static async Task<IReadOnlyList<WecomSendResult>> ReplyTextAsync(WecomSession session,
            WecomMessage replyTo, string content,
            string feedbackId, CancellationToken ct, TimeSpan? timeout = null, bool fallbackToSend = false)
        {
            if (replyTo is WecomPS.Event.EnterChat)
            {
                if (feedbackId != null)
                    throw new WecomException(ErrorIds.ParameterNotApplicable, ErrorCategory.InvalidArgument,
                        "A welcome text cannot carry -Feedback (aibot_respond_welcome_msg has no feedback field).");
                return new[] { await WelcomeAsync(session, replyTo, content, ct, timeout).ConfigureAwait(false) };
            }
            EnsureReplyable(replyTo);
            var results = new List<WecomSendResult>();
            var pieces = ContentSplitter.Split(content);
            for (int part = 0; part < pieces.Count; part++)
            {
                WecomSendResult r;
                try
                {
                    r = await SendStreamFrameAsync(session, replyTo, ReqIds.New("stream"), pieces[part], true,
                        part == 0 ? feedbackId : null, ct, timeout: timeout).ConfigureAwait(false);
                }
                catch (WecomCommandException e) when (fallbackToSend && StreamReply.IsReplyRefusal(e.ErrCode))
                {
                    session.Log.Warning("The reply was refused (" + e.ErrorId + ", errcode " + e.ErrCode
                        + "); sending it to "
                        + replyTo.ChatId + " as a new message instead.");
                    var rest = string.Concat(pieces.Skip(part));
                    results.AddRange(await SendMarkdownAsync(session, replyTo.ChatId, rest,
                        ChatTypeCode(replyTo.ChatType),
                        part == 0 ? feedbackId : null, ct, timeout).ConfigureAwait(false));
                    return results;
                }
                r.Part = part + 1;
                results.Add(r);
            }
            return results;
        }

        /// <summary>
        /// One frame of a stream reply, on the lane of the callback's req_id. The first frame of a stream counts
        /// against the conversation's rate limit (a new reply); refreshes of the same stream do not
        /// (docs/protocol.md §8).
        /// </summary>
        internal static async Task<WecomSendResult> SendStreamFrameAsync(WecomSession session, WecomMessage replyTo,
            string streamId,
            string content, bool finish, string feedbackId, CancellationToken ct, bool firstFrame = true,
                TimeSpan? timeout = null)
        {
            var ack = await session.SendCommandAsync(new CommandRequest
            {
                Cmd = WecomCommands.RespondMessage,
                ReqId = replyTo.ReqId,
                Lane = replyTo.ReqId,
                Conversation = firstFrame ? replyTo.ChatId : null,
                Timeout = timeout,
                Describe = "stream " + streamId + (finish ? " finish" : "") + " (" + ContentSplitter.ByteCount(content)
                    + " bytes)",
                SizeHint = content.Length * 3 + 256,
                WriteBody = w =>
                {
                    w.WriteString("msgtype", "stream");
                    w.WriteStartObject("stream");
                    w.WriteString("id", streamId);
                    w.WriteBoolean("finish", finish);
                    w.WriteString("content", content);
                    if (feedbackId != null) { w.WriteStartObject("feedback"); w.WriteString("id",
                        feedbackId); w.WriteEndObject(); }
                    w.WriteEndObject();
                },
            }, ct).ConfigureAwait(false);
            return new WecomSendResult
            {
                Cmd = WecomCommands.RespondMessage, ReqId = ack.ReqId, ChatId = replyTo.ChatId, MsgType = "stream",
                StreamId = streamId, Bytes = ContentSplitter.ByteCount(content),
            };
        }

        /// <summary>aibot_respond_welcome_msg (text) to an enter_chat event, within its 5-second window.</summary>
        public static async Task<WecomSendResult> WelcomeAsync(WecomSession session, WecomMessage enterChat,
            string content, CancellationToken ct,
            TimeSpan? timeout = null)
        {
            CheckWindow(enterChat, WelcomeWindow, "welcome reply", ErrorIds.WelcomeWindowPassed);
            try
            {
                var ack = await session.SendCommandAsync(new CommandRequest
                {
                    Cmd = WecomCommands.RespondWelcome,
                    ReqId = enterChat.ReqId,
                    Lane = enterChat.ReqId,
                    Timeout = timeout,
                    Conversation = enterChat.ChatId,
                    Describe = "welcome text",
                    WriteBody = w =>
                    {
                        w.WriteString("msgtype", "text");
                        w.WriteStartObject("text");
                        w.WriteString("content", content);
                        w.WriteEndObject();
                    },
                }, ct).ConfigureAwait(false);
                return new WecomSendResult { Cmd = WecomCommands.RespondWelcome, ReqId = ack.ReqId,
                    ChatId = enterChat.ChatId, MsgType = "text", Bytes = ContentSplitter.ByteCount(content) };
            }
            catch (WecomCommandException e) when (e.ErrCode == WecomErrorCodes.ReplyExpired
                || e.ErrCode == WecomErrorCodes.InvalidReqId)
            {
                throw new WecomException(ErrorIds.WelcomeWindowPassed, ErrorCategory.OperationStopped,
                    "The welcome reply was refused (errcode " + e.ErrCode
                        + "): a welcome must be sent within 5 seconds of the enter_chat event.", e);
            }
        }

        internal static void CheckWindow(WecomMessage m, TimeSpan window, string what, string errorId)
        {
            var age = DateTimeOffset.Now - m.ReceivedAt;
            if (age > window)
                throw new WecomException(errorId, ErrorCategory.OperationStopped,
                    "Too late for the " + what + ": the event arrived " + age.TotalSeconds.ToString("0.0")
                        + " s ago and the server accepts it only within " + window.TotalSeconds + " seconds.");
        }

        internal static void EnsureReplyable(WecomMessage m)
        {
            if (m == null) throw new ArgumentNullException(nameof(m));
            if (string.IsNullOrEmpty(m.ReqId))
                throw new WecomException(ErrorIds.NotReplyable, ErrorCategory.InvalidArgument,
                    "The message has no req_id to reply under.");
            if (m is WecomPS.Event.TemplateCard)
                throw new WecomException(ErrorIds.NotReplyable, ErrorCategory.InvalidArgument,
                    "A template card event is answered by updating the card: use Send-WecomCard -UpdateFor within 5 "
                        + "seconds.");
            if (m is WecomEvent ev && !(m is WecomPS.Event.EnterChat))
                throw new WecomException(ErrorIds.NotReplyable, ErrorCategory.InvalidArgument,
                    "A " + ev.EventType + " event cannot be replied to; use Send-WecomMessage -ChatId to send a "
                        + "message.");
        }

        internal static int? ChatTypeCode(string chatType) => chatType == "single" ? 1 : chatType == "group" ? 2
            : (int?)null;

        private static void WriteMedia(System.Text.Json.Utf8JsonWriter w, string mediaType, string mediaId,
            string title, string description)
        {
            w.WriteString("msgtype", mediaType);
            w.WriteStartObject(mediaType);
            w.WriteString("media_id", mediaId);
            if (mediaType == "video")
            {
                if (title != null) w.WriteString("title", title);
                if (description != null) w.WriteString("description", description);
            }
            w.WriteEndObject();
        }
    }
}
