using System;
using System.Management.Automation;
using System.Threading;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Send, "WecomMessage", DefaultParameterSetName = ReplySet, SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WecomSendResult))]
    public sealed class SendWecomMessageCommand : WecomSessionCmdlet
    {
        private const string ChatSet = "Chat";
        private const string ReplySet = "Reply";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ChatSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ChatIdCompleter))]
        public string[] ChatId { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ChatSet, ValueFromPipeline = true)]
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [AllowEmptyString]
        [NotAMessage]
        [Alias("Text", "Markdown")]
        public string Content { get; set; }

        [Parameter(ParameterSetName = ChatSet)]
        [ValidateSet("single", "group")]
        public string ChatType { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        /// <summary>Each pipeline input is an update of one streaming reply; finish when the pipeline ends.</summary>
        [Parameter(ParameterSetName = ReplySet)] public SwitchParameter Stream { get; set; }

        /// <summary>
        /// When the reply is refused (window passed, already answered), send it to the same chat instead; with -Stream,
        /// what the refused stream could not show goes as one message at the end.
        /// </summary>
        [Parameter(ParameterSetName = ReplySet)] public SwitchParameter FallbackToSend { get; set; }

        [Parameter] [ValidateUtf8Length(1, 256)] public string Feedback { get; set; }

        [Parameter] [ValidateRange(1, 3600)] public int TimeoutSec { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        private StreamReply _stream;
        private WecomMessage _streamTarget;

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (ParameterSetName == ChatSet) { SendToChats(session); return; }
            if (Stream) { AppendToStream(session); return; }
            Reply(session);
        }

        private TimeSpan? Timeout => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;

        private void SendToChats(WecomSession session)
        {
            foreach (var chat in ChatId)
            {
                if (!ShouldProcess("chat " + chat, "Send markdown (" + ContentSplitter.ByteCount(Content)
                    + " bytes)")) continue;
                TryRun(() => Output(Await(MessageSender.SendMarkdownAsync(session, chat, Content,
                    MessageSender.ChatTypeCode(ChatType),
                    Feedback, StopToken, Timeout))), chat);
            }
        }

        private void Reply(WecomSession session)
        {
            var what = ReplyTo is WecomPS.Event.EnterChat ? "Send welcome reply" : "Reply";
            if (!ShouldProcess(Describe(ReplyTo), what + " (" + ContentSplitter.ByteCount(Content) + " bytes)")) return;
            TryRun(() => Output(Await(MessageSender.ReplyTextAsync(session, ReplyTo, Content, Feedback, StopToken,
                Timeout, FallbackToSend))),
                ReplyTo);
        }

        private void Output(System.Collections.Generic.IReadOnlyList<WecomSendResult> results)
        {
            if (PassThru) WriteObject(results, true);
        }

        private void AppendToStream(WecomSession session)
        {
            if (_stream == null)
            {
                if (!ShouldProcess(Describe(ReplyTo), "Stream a reply")) return;
                try
                {
                    _stream = new StreamReply(session, ReplyTo, Feedback, StopToken, timeout: Timeout,
                        fallbackToSend: FallbackToSend);
                    _streamTarget = ReplyTo;
                }
                catch (Exception e) { ThrowWecomError(e, ReplyTo); }
            }
            else if (!ReferenceEquals(ReplyTo, _streamTarget) && ReplyTo.ReqId != _streamTarget.ReqId)
            {
                WriteError(ErrorIds.StreamTargetChanged, ErrorCategory.InvalidArgument,
                    "-Stream sends one reply; a different -ReplyTo message arrived in the same pipeline and was "
                        + "ignored.", ReplyTo);
                return;
            }
            _stream.Append(Content ?? "");
            Drain();
        }

        protected override void EndProcessing()
        {
            var stream = Interlocked.Exchange(ref _stream, null);
            if (stream != null)
            {
                // The final frame must go out even if Ctrl+C comes now: it has its own bound, not the stop token.
                TryRun(() => Output(Await(stream.FinishAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30))
                    .Token))), _streamTarget);
                if (stream.Incomplete != null) WriteWecomError(stream.Incomplete, _streamTarget);
            }
            base.EndProcessing();
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            FinishStreamLeftOpen();
        }

        protected override void OnPipelineEnded() => FinishStreamLeftOpen();

        /// <summary>
        /// Ctrl+C or a failure upstream: close the stream so no bubble is left spinning. Bounded, and nothing is
        /// written to the pipeline from here (this may run on another thread).
        /// </summary>
        private void FinishStreamLeftOpen()
        {
            var stream = Interlocked.Exchange(ref _stream, null);
            if (stream == null) return;
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                try
                {
                    if (!stream.FinishAsync(cts.Token).Wait(TimeSpan.FromSeconds(6)))
                        stream.Session.Log.Warning("The stream reply could not be finished within 5 s after the "
                            + "pipeline stopped.");
                }
                catch (Exception e)
                {
                    stream.Session.Log.Warning("The stream reply could not be finished after the pipeline stopped: "
                        + (e.InnerException ?? e).Message);
                }
            }
        }

        private static string Describe(WecomMessage m) => "message " + m.MsgId + " from " + m.UserId + " in "
            + m.ChatId;
    }
}
