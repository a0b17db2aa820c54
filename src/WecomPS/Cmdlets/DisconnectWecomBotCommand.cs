using System.Management.Automation;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Disconnect, "WecomBot", SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WecomSession))]
    public sealed class DisconnectWecomBotCommand : WecomCmdlet
    {
        /// <summary>The session to close (pipeline: Get-WecomSession | Disconnect-WecomBot). Default: the default
        /// session.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public WecomSession Session { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        private bool _any;

        protected override void ProcessRecord()
        {
            var session = Session ?? SessionStore.Default;
            if (session == null)
            {
                if (Session == null && !_any)
                    ThrowError(ErrorIds.NoSession, ErrorCategory.InvalidOperation,
                        "There is no WeCom session to disconnect. Run Connect-WecomBot first.", null);
                return;
            }
            _any = true;
            if (!ShouldProcess("session " + session.Name + " (bot " + session.BotId + ")", "Disconnect")) return;
            using (session.AttachLog(this))
            {
                SessionStore.Remove(session);
                Await(session.DisconnectAsync());
            }
            if (PassThru) WriteObject(session);
        }
    }
}
