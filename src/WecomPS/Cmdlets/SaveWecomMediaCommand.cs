using System;
using System.IO;
using System.Management.Automation;
using WecomPS.Media;
using WecomPS.Messages;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsData.Save, "WecomMedia", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveWecomMediaCommand : WecomCmdlet
    {
        /// <summary>Inbound image, file, video or mixed messages (from Receive-WecomMessage).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage Message { get; set; }

        /// <summary>The folder to save into. Default: the current location.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; }

        /// <summary>Overwrite an existing file of the same name instead of choosing "name (1).ext".</summary>
        [Parameter] public SwitchParameter Force { get; set; }

        /// <summary>Also save the media of a quoted message.</summary>
        [Parameter] public SwitchParameter IncludeQuote { get; set; }

        [Parameter] [ValidateRange(1, 3600)] public int TimeoutSec { get; set; } = 60;

        /// <summary>The session whose proxy and certificate options to use. Default: the message's session.</summary>
        [Parameter]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public WecomSession Session { get; set; }

        protected override void ProcessRecord()
        {
            var refs = MessageMedia.Of(Message, IncludeQuote);
            if (refs.Count == 0)
            {
                WriteVerbose("Message " + Message.MsgId + " (" + Message.MsgType + ") carries no media to save.");
                return;
            }
            string folder = Destination != null ? GetUnresolvedProviderPathFromPSPath(Destination)
                : SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            var session = Session ?? (Message.SessionName != null ? SessionStore.Get(Message.SessionName) : null)
                ?? SessionStore.Default;
            using (var downloader = new MediaDownloader(session?.Options, TimeSpan.FromSeconds(TimeoutSec),
                session?.Log))
            using (session != null ? session.AttachLog(this) : null)
            {
                foreach (var media in refs)
                {
                    if (!ShouldProcess(folder, "Save the " + media.MsgType + " of message " + Message.MsgId + " from "
                        + Message.UserId)) continue;
                    TryRun(() => WriteObject(Await(downloader.SaveAsync(media, folder, Force, StopToken))), Message);
                }
            }
        }
    }
}
