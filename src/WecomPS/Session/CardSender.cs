using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>Template cards: proactive sends, replies, welcome cards and updates of a clicked card
    /// (docs/protocol.md §5).</summary>
    public static class CardSender
    {
        public static async Task<WecomSendResult> SendAsync(WecomSession session, string chatId, int? chatType,
            TemplateCardBody card, string feedbackId, CancellationToken ct)
        {
            var ack = await session.SendCommandAsync(new CommandRequest
            {
                Cmd = WecomCommands.SendMessage,
                Conversation = chatId,
                Describe = card.CardType + " card to " + chatId,
                WriteBody = w =>
                {
                    w.WriteString("chatid", chatId);
                    if (chatType.HasValue) w.WriteNumber("chat_type", chatType.Value);
                    w.WriteString("msgtype", "template_card");
                    w.WritePropertyName("template_card");
                    card.WriteTo(w, feedbackId);
                },
            }, ct).ConfigureAwait(false);
            return Result(WecomCommands.SendMessage, ack.ReqId, chatId);
        }

        /// <summary>
        /// A card in answer to an inbound message: the update of the card a user clicked (a template_card_event),
        /// the welcome of an enter_chat event, or a reply. Options that the chosen command cannot carry are refused
        /// before anything is sent: -UserId only narrows an update, -Feedback cannot go on an update.
        /// </summary>
        public static Task<WecomSendResult> AnswerAsync(WecomSession session, WecomMessage message,
            TemplateCardBody card, string feedbackId,
            string[] userIds, CancellationToken ct)
        {
            if (message is WecomPS.Event.TemplateCard clicked)
            {
                if (feedbackId != null)
                    throw new WecomException(ErrorIds.ParameterNotApplicable, ErrorCategory.InvalidArgument,
                        "-Feedback cannot go on a card update (aibot_respond_update_msg has no feedback); it "
                            + "applies to new cards only.");
                return UpdateAsync(session, clicked, card, userIds, ct);
            }
            if (userIds != null && userIds.Length > 0)
                throw new WecomException(ErrorIds.ParameterNotApplicable, ErrorCategory.InvalidArgument,
                    "-UserId narrows the update of a clicked card (a template_card_event); this is a "
                    + (message is WecomEvent ev ? ev.EventType + " event" : message.MsgType + " message") + ".");
            return ReplyAsync(session, message, card, feedbackId, ct);
        }

        /// <summary>A card as the reply to a message, or as the welcome of an enter_chat event.</summary>
        public static Task<WecomSendResult> ReplyAsync(WecomSession session, WecomMessage replyTo,
            TemplateCardBody card, string feedbackId, CancellationToken ct)
        {
            bool welcome = replyTo is WecomPS.Event.EnterChat;
            if (welcome) MessageSender.CheckWindow(replyTo, MessageSender.WelcomeWindow, "welcome card",
                ErrorIds.WelcomeWindowPassed);
            else MessageSender.EnsureReplyable(replyTo);
            return SendReplyCardAsync(session, replyTo, card, feedbackId, welcome, ct);
        }

        private static async Task<WecomSendResult> SendReplyCardAsync(WecomSession session, WecomMessage replyTo,
            TemplateCardBody card,
            string feedbackId, bool welcome, CancellationToken ct)
        {
            string cmd = welcome ? WecomCommands.RespondWelcome : WecomCommands.RespondMessage;
            var ack = await session.SendCommandAsync(new CommandRequest
            {
                Cmd = cmd,
                ReqId = replyTo.ReqId,
                Lane = replyTo.ReqId,
                Conversation = replyTo.ChatId,
                Describe = card.CardType + " card" + (welcome ? " (welcome)" : ""),
                WriteBody = w =>
                {
                    w.WriteString("msgtype", "template_card");
                    w.WritePropertyName("template_card");
                    card.WriteTo(w, feedbackId);
                },
            }, ct).ConfigureAwait(false);
            return Result(cmd, ack.ReqId, replyTo.ChatId);
        }

        /// <summary>aibot_respond_update_msg: replaces the card the user clicked, within 5 seconds of the
        /// event.</summary>
        public static Task<WecomSendResult> UpdateAsync(WecomSession session, WecomPS.Event.TemplateCard clicked,
            TemplateCardBody card, string[] userIds, CancellationToken ct)
        {
            MessageSender.CheckWindow(clicked, MessageSender.UpdateWindow, "card update",
                ErrorIds.CardUpdateWindowPassed);
            return SendUpdateAsync(session, clicked, card, userIds, ct);
        }

        private static async Task<WecomSendResult> SendUpdateAsync(WecomSession session,
            WecomPS.Event.TemplateCard clicked,
            TemplateCardBody card, string[] userIds, CancellationToken ct)
        {
            try
            {
                var ack = await session.SendCommandAsync(new CommandRequest
                {
                    Cmd = WecomCommands.RespondUpdate,
                    ReqId = clicked.ReqId,
                    Lane = clicked.ReqId,
                    Describe = "update of card " + clicked.TaskId,
                    WriteBody = w =>
                    {
                        w.WriteString("response_type", "update_template_card");
                        if (userIds != null && userIds.Length > 0)
                        {
                            w.WriteStartArray("userids");
                            foreach (var u in userIds) w.WriteStringValue(u);
                            w.WriteEndArray();
                        }
                        w.WritePropertyName("template_card");
                        // The update keeps the clicked card's task_id unless the new card names one.
                        card.WriteTo(w, null, clicked.TaskId);
                    },
                }, ct).ConfigureAwait(false);
                return Result(WecomCommands.RespondUpdate, ack.ReqId, clicked.ChatId);
            }
            catch (WecomCommandException e) when (e.ErrCode == WecomErrorCodes.ReplyExpired
                || e.ErrCode == WecomErrorCodes.InvalidReqId)
            {
                throw new WecomException(ErrorIds.CardUpdateWindowPassed, ErrorCategory.OperationStopped,
                    "The card update was refused (errcode " + e.ErrCode
                        + "): a card can be updated only within 5 seconds of the click.", e);
            }
        }

        private static WecomSendResult Result(string cmd, string reqId, string chatId) =>
            new WecomSendResult { Cmd = cmd, ReqId = reqId, ChatId = chatId, MsgType = "template_card" };
    }
}
