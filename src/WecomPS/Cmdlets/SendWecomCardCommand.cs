using System;
using System.Management.Automation;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Send, "WecomCard", DefaultParameterSetName = ReplySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
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

        /// <summary>The card: a hashtable, a PSCustomObject or a JSON string, with card_type and its required fields.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNull]
        public object Card { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        /// <summary>The template_card_event of the click to answer; a card event piped to -ReplyTo is treated the same way.</summary>
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
        [ValidateLength(1, 256)]
        public string Feedback { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            TemplateCardBody card = null;
            try { card = TemplateCardBody.From(Card); }
            catch (WecomException e) { ThrowWecomError(e, Card); }
            var session = ResolveSession();
            var update = UpdateFor ?? ReplyTo as WecomPS.Event.TemplateCard;
            try
            {
                switch (update != null ? UpdateSet : ParameterSetName)
                {
                    case UpdateSet:
                        if (!ShouldProcess("card " + update.TaskId + " clicked by " + update.UserId, "Update with a " + card.CardType + " card")) return;
                        Emit(Await(CardSender.UpdateAsync(session, update, card, UserId, StopToken)));
                        break;
                    case ReplySet:
                        if (!ShouldProcess("message " + ReplyTo.MsgId + " from " + ReplyTo.UserId, "Reply with a " + card.CardType + " card")) return;
                        Emit(Await(CardSender.ReplyAsync(session, ReplyTo, card, Feedback, StopToken)));
                        break;
                    default:
                        foreach (var chat in ChatId)
                        {
                            if (!ShouldProcess("chat " + chat, "Send a " + card.CardType + " card")) continue;
                            try { Emit(Await(CardSender.SendAsync(session, chat, MessageSender.ChatTypeCode(ChatType), card, Feedback, StopToken))); }
                            catch (PipelineStoppedException) { throw; }
                            catch (Exception e) { WriteWecomError(e, chat); }
                        }
                        break;
                }
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception e) { WriteWecomError(e, (object)UpdateFor ?? ReplyTo); }
        }

        private void Emit(WecomSendResult r) { if (PassThru) WriteObject(r); }
    }
}
