using System;
using System.Management.Automation;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Send, "WecomCard", DefaultParameterSetName = ReplySet, SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WecomSendResult))]
    public sealed class SendWecomCardCommand : WecomSessionCmdlet
    {
        private const string ChatSet = "Chat";
        private const string ReplySet = "Reply";
        private const string UpdateSet = "Update";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ChatSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ChatIdCompleter))]
        public string[] ChatId { get; set; }

        /// <summary>The card: a hashtable, a PSCustomObject or a JSON string, with card_type and its required
        /// fields.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNull]
        public object Card { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        /// <summary>The template_card_event of the click to answer; a card event piped to -ReplyTo is treated the same
        /// way.</summary>
        [Parameter(Mandatory = true, ParameterSetName = UpdateSet)]
        [ValidateNotNull]
        public WecomPS.Event.TemplateCard UpdateFor { get; set; }

        /// <summary>With -UpdateFor: replace the card only for these users (default: everyone involved).</summary>
        [Parameter(ParameterSetName = UpdateSet)]
        [Parameter(ParameterSetName = ReplySet)]
        public string[] UserId { get; set; }

        [Parameter(ParameterSetName = ChatSet)]
        [ValidateSet("single", "group")]
        public string ChatType { get; set; }

        [Parameter(ParameterSetName = ChatSet)]
        [Parameter(ParameterSetName = ReplySet)]
        [ValidateUtf8Length(1, 256)]
        public string Feedback { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            TemplateCardBody card = null;
            try { card = TemplateCardBody.From(Card); }
            catch (WecomException e) { ThrowWecomError(e, Card); }
            var session = ResolveSession();
            if (ParameterSetName == ChatSet)
            {
                foreach (var chat in ChatId)
                {
                    if (!ShouldProcess("chat " + chat, "Send a " + card.CardType + " card")) continue;
                    TryRun(() => Emit(Await(CardSender.SendAsync(session, chat, MessageSender.ChatTypeCode(ChatType),
                        card, Feedback, StopToken))), chat);
                }
                return;
            }
            var answered = (WecomMessage)UpdateFor ?? ReplyTo;
            var action = answered is WecomPS.Event.TemplateCard ? "Update with a " : "Reply with a ";
            if (!ShouldProcess(Describe(answered), action + card.CardType + " card")) return;
            TryRun(() => Emit(Await(CardSender.AnswerAsync(session, answered, card, Feedback, UserId, StopToken))),
                answered);
        }

        private static string Describe(WecomMessage m) => m is WecomPS.Event.TemplateCard c
            ? "card " + c.TaskId + " clicked by " + c.UserId
            : "message " + m.MsgId + " from " + m.UserId;

        private void Emit(WecomSendResult r) { if (PassThru) WriteObject(r); }
    }
}
