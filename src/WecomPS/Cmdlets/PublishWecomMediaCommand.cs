using System.Management.Automation;
using WecomPS.Media;

namespace WecomPS.Cmdlets
{
    /// <summary>
    /// Uploads files without sending them and writes one WecomPS.Media per file, to send later and many times with
    /// Send-WecomFile -Media. The same checks, window, retries and progress as Send-WecomFile.
    /// </summary>
    [Cmdlet(VerbsData.Publish, "WecomMedia", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WecomMedia))]
    public sealed class PublishWecomMediaCommand : WecomUploadCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; }

        /// <summary>file, image, voice or video. Default: from the extension.</summary>
        [Parameter]
        [ValidateSet("file", "image", "voice", "video")]
        public string MediaType { get; set; }

        /// <summary>The name shown in the chat. Default: the file's name.</summary>
        [Parameter]
        [ValidateUtf8Length(1, 256)]
        public string FileName { get; set; }

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            foreach (var (file, type) in ResolveCheckedFiles(Path, MediaType))
            {
                if (!ShouldProcess(file.FullName + " (" + type + ", " + file.Length + " bytes)",
                    "Upload to bot " + session.BotId + " (session " + session.Name + ")")) continue;
                TryRun(() => WriteObject(WecomMedia.From(Upload(session, file, type, FileName), session)),
                    file.FullName);
            }
        }
    }
}
