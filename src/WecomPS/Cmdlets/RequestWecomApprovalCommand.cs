using System;
using System.Management.Automation;
using WecomPS.Messages;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    /// <summary>
    /// Asks a chat for a decision with a button card and waits for it: the approval gate of a runbook.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Request, "WecomApproval", DefaultParameterSetName = ReplySet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Approval))]
    public sealed class RequestWecomApprovalCommand : WecomSessionCmdlet
    {
        private const string ChatSet = "Chat";
        private const string ReplySet = "Reply";

        /// <summary>The chat to ask: a userid (single chat) or a group's chatid.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ChatSet,
            ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ChatIdCompleter))]
        public string ChatId { get; set; }

        /// <summary>The message to answer with the card (its chat is asked).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        /// <summary>The question, the card's title (at most 128 UTF-8 bytes).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Title { get; set; }

        [Parameter] [ValidateNotNull] public string Description { get; set; }

        /// <summary>The buttons, in order (1 to 6). Default: Approve, Reject.</summary>
        [Parameter] [ValidateNotNull] public string[] Option { get; set; }

        /// <summary>Only these userids decide; a click by anyone else is answered and ignored.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string[] Approver { get; set; }

        /// <summary>Give up after this many seconds (WecomApprovalTimeout). Default: wait until Ctrl+C.</summary>
        [Parameter] [ValidateRange(1, 2000000)] public int TimeoutSec { get; set; }

        protected override void ProcessRecord()
        {
            ApprovalRequest request = null;
            try { request = ApprovalRequest.Create(Title, Description, Option, Approver); }
            catch (WecomException e) { ThrowWecomError(e, Title); }
            var target = ReplyTo != null ? "the chat of message " + ReplyTo.MsgId + " (" + ReplyTo.ChatId + ")"
                : "chat " + ChatId;
            if (!ShouldProcess(target, "Ask for approval of '" + Title + "' (" + string.Join(", ", request.Options)
                + ") and wait for the decision")) return;
            var session = ResolveSession();
            var timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;
            WriteVerbose("Approval request " + request.TaskId + ": '" + Title + "' to " + target + ".");
            Approval approval = null;
            try { approval = Await(request.RunAsync(session, ChatId, ReplyTo, timeout, StopToken)); }
            catch (PipelineStoppedException) { throw; }
            catch (Exception e) { ThrowWecomError(e, (object)ReplyTo ?? ChatId); }
            WriteObject(approval);
        }
    }
}
