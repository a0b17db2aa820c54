using System;
using System.Management.Automation;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    /// <summary>Starts a reply that shows progress: its content is replaced by Update-WecomReply, closed by
    /// Complete-WecomReply.</summary>
    [Cmdlet(VerbsLifecycle.Start, "WecomReply", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Reply))]
    public sealed class StartWecomReplyCommand : WecomSessionCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        [Parameter(Position = 1)]
        [AllowEmptyString]
        [Alias("Text", "Markdown")]
        public string Content { get; set; }

        [Parameter] [ValidateUtf8Length(1, 256)] public string Feedback { get; set; }

        [Parameter] [ValidateRange(1, 3600)] public int TimeoutSec { get; set; }

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            var content = Content ?? "";
            if (!ShouldProcess(Describe(ReplyTo), "Start a reply that shows progress ("
                + ContentSplitter.ByteCount(content) + " bytes)"))
                return;
            var timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;
            TryRun(() => WriteObject(Await(Reply.StartAsync(session, ReplyTo, content, Feedback, StopToken,
                timeout))), ReplyTo);
        }

        internal static string Describe(WecomMessage m) => "message " + m.MsgId + " from " + m.UserId + " in "
            + m.ChatId;
    }

    /// <summary>Replaces what a reply shows (coalesced: the latest content always goes out, one frame in
    /// flight).</summary>
    [Cmdlet(VerbsData.Update, "WecomReply", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(Reply))]
    public sealed class UpdateWecomReplyCommand : WecomCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Reply Reply { get; set; }

        [Parameter(Mandatory = true, Position = 1)]
        [AllowEmptyString]
        [Alias("Text", "Markdown")]
        public string Content { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (!ShouldProcess(Reply.ToString(), "Replace the shown content (" + ContentSplitter.ByteCount(Content)
                + " bytes)")) return;
            using (Reply.Session.AttachLog(this))
            {
                if (TryRun(() => Reply.Update(Content), Reply) && PassThru) WriteObject(Reply);
                Drain();
            }
        }
    }

    /// <summary>Sends a reply's final content with finish:true (as a normal message when the stream has
    /// expired).</summary>
    [Cmdlet(VerbsLifecycle.Complete, "WecomReply", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(Reply))]
    public sealed class CompleteWecomReplyCommand : WecomCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Reply Reply { get; set; }

        [Parameter(Position = 1)]
        [AllowEmptyString]
        [Alias("Text", "Markdown")]
        public string Content { get; set; }

        /// <summary>How long to wait for the final frame's acknowledgement.</summary>
        [Parameter] [ValidateRange(1, 3600)] public int TimeoutSec { get; set; } = 30;

        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var what = Content != null ? "Send the final content (" + ContentSplitter.ByteCount(Content) + " bytes)"
                : "Finish with the shown content";
            if (!ShouldProcess(Reply.ToString(), what)) return;
            using (Reply.Session.AttachLog(this))
            {
                // Not the stop token: after Ctrl+C the final frame still goes out, within its own bound.
                var completing = CompleteWithinAsync(Reply, Content, TimeoutSec);
                if (TryRun(() => Await(completing), Reply) && PassThru) WriteObject(Reply);
            }
        }

        /// <summary>The bound running out is a timeout (the final frame may have been written), not a
        /// cancellation.</summary>
        private static async System.Threading.Tasks.Task CompleteWithinAsync(Reply reply, string content,
            int timeoutSec)
        {
            using (var bound = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(timeoutSec)))
            {
                try { await reply.CompleteAsync(content, bound.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (bound.IsCancellationRequested)
                {
                    throw new WecomException(ErrorIds.AckTimeout, ErrorCategory.OperationTimeout,
                        "The final frame of reply " + reply.StreamId + " to " + reply.ChatId
                        + " got no acknowledgement within " + timeoutSec + " s: delivery is unknown. The reply stays "
                        + "open; completing it again may finish it twice.");
                }
            }
        }
    }
}
