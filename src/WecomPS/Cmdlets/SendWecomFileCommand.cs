using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using WecomPS.Media;
using WecomPS.Messages;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Send, "WecomFile", DefaultParameterSetName = ChatSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WecomSendResult))]
    public sealed class SendWecomFileCommand : WecomSessionCmdlet
    {
        private const string ChatSet = "Chat";
        private const string ReplySet = "Reply";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ChatSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ChatIdCompleter))]
        public string[] ChatId { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ChatSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ReplySet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [NotAMessage]
        public string[] Path { get; set; }

        /// <summary>The message to answer; a received message piped in binds here ($msg | Send-WecomFile -Path x).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        /// <summary>file, image, voice or video. Default: from the extension (png/jpg/gif image, amr voice, mp4 video, else file).</summary>
        [Parameter]
        [ValidateSet("file", "image", "voice", "video")]
        public string MediaType { get; set; }

        [Parameter(ParameterSetName = ChatSet)]
        [ValidateSet("single", "group")]
        public string ChatType { get; set; }

        /// <summary>The name shown in the chat. Default: the file's name.</summary>
        [Parameter] [ValidateUtf8Length(1, 256)] public string FileName { get; set; }

        [Parameter] [ValidateUtf8Length(1, 128)] public string Title { get; set; }

        [Parameter] [ValidateUtf8Length(1, 512)] public string Description { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        private int _activityId = 1;

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            foreach (var file in ResolveFiles())
            {
                string type = MediaType ?? MediaLimits.TypeFromExtension(file.FullName);
                try { MediaLimits.Validate(file, type); }
                catch (WecomException e) { WriteWecomError(e, file.FullName); continue; }
                if (type != "video" && (Title != null || Description != null))
                {
                    WriteError(ErrorIds.ParameterNotApplicable, ErrorCategory.InvalidArgument, "-Title and -Description are"
                        + " shown for a video only; '" + file.Name + "' would be sent as " + type + ". Nothing was sent.",
                        file.FullName);
                    continue;
                }

                string to = ParameterSetName == ReplySet ? "a reply to " + ReplyTo.MsgId + " in " + ReplyTo.ChatId : "chat(s) " + string.Join(", ", ChatId);
                if (!ShouldProcess(file.FullName + " (" + type + ", " + file.Length + " bytes)", "Upload and send to " + to)) continue;
                try
                {
                    var media = Upload(session, file, type);
                    foreach (var result in SendMedia(session, media)) if (PassThru) WriteObject(result);
                }
                catch (PipelineStoppedException) { throw; }
                catch (Exception e) { WriteWecomError(e, file.FullName); }
            }
        }

        private UploadedMedia Upload(WecomSession session, FileInfo file, string type)
        {
            var uploader = new MediaUploader(session);
            var clock = Stopwatch.StartNew();
            int activity = _activityId++;
            bool shown = false;
            uploader.Progress = (done, total) =>
            {
                // Only uploads longer than a moment get a progress bar.
                if (clock.ElapsedMilliseconds < 300 && done < total) return;
                shown = true;
                double rate = done / 1048576.0 / Math.Max(0.001, clock.Elapsed.TotalSeconds);
                PostProgress(new ProgressRecord(activity, "Uploading " + file.Name, (done / 1048576.0).ToString("0.0") + " of " + (total / 1048576.0).ToString("0.0") + " MB at " + rate.ToString("0.0") + " MB/s")
                {
                    PercentComplete = (int)(done * 100 / Math.Max(1, total)),
                });
            };
            try
            {
                var media = Await(uploader.UploadAsync(file.FullName, type, FileName, StopToken));
                WriteVerbose("Uploaded '" + media.FileName + "' (" + media.Size + " bytes, " + media.Chunks + " chunks) in " + media.Elapsed.TotalSeconds.ToString("0.00") + " s: media_id " + media.MediaId + ".");
                return media;
            }
            finally
            {
                if (shown) WriteProgress(new ProgressRecord(activity, "Uploading " + file.Name, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private IEnumerable<WecomSendResult> SendMedia(WecomSession session, UploadedMedia media)
        {
            var results = new List<WecomSendResult>();
            if (ParameterSetName == ReplySet)
            {
                var r = Await(MessageSender.ReplyMediaAsync(session, ReplyTo, media.MediaType, media.MediaId, StopToken, Title, Description));
                r.Path = media.Path;
                results.Add(r);
                return results;
            }
            // One upload, sent to every chat: a media_id is reusable for its lifetime.
            foreach (var chat in ChatId)
            {
                try
                {
                    var r = Await(MessageSender.SendMediaAsync(session, chat, MessageSender.ChatTypeCode(ChatType), media.MediaType, media.MediaId, StopToken, Title, Description));
                    r.Path = media.Path;
                    results.Add(r);
                }
                catch (PipelineStoppedException) { throw; }
                catch (Exception e) { WriteWecomError(e, chat); }
            }
            return results;
        }

        private IEnumerable<FileInfo> ResolveFiles()
        {
            foreach (var p in Path)
            {
                var files = new List<FileInfo>();
                try
                {
                    var literal = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                    if (File.Exists(literal)) files.Add(new FileInfo(literal));
                    else if (WildcardPattern.ContainsWildcardCharacters(p))
                        foreach (var resolved in GetResolvedProviderPathFromPSPath(p, out _)) files.Add(new FileInfo(resolved));
                    else if (Directory.Exists(literal))
                    {
                        WriteError("WecomPathIsDirectory", ErrorCategory.InvalidArgument, "'" + p + "' is a directory; pass files (Get-ChildItem -File | Send-WecomFile ...).", p);
                        continue;
                    }
                    else files.Add(new FileInfo(literal));   // Validate reports it as not found
                }
                catch (ItemNotFoundException e) { WriteError(new ErrorRecord(e, "WecomFileNotFound", ErrorCategory.ObjectNotFound, p)); continue; }
                catch (Exception e) when (!(e is PipelineStoppedException)) { WriteError(new ErrorRecord(e, "WecomInvalidPath", ErrorCategory.InvalidArgument, p)); continue; }
                foreach (var f in files) yield return f;
            }
        }
    }
}
