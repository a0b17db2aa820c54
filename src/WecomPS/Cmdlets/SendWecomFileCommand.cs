using System;
using System.Collections.Generic;
using System.Management.Automation;
using WecomPS.Media;
using WecomPS.Messages;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    // The default set is MediaChat, not Chat: the engine tries piped input against the default set first, with
    // every conversion, and a media object converts to a string (-Path) but no file or path converts to a media
    // object. So piped media bind to -Media and piped files and paths still bind to -Path.
    [Cmdlet(VerbsCommunications.Send, "WecomFile", DefaultParameterSetName = MediaChatSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WecomSendResult))]
    public sealed class SendWecomFileCommand : WecomUploadCmdlet
    {
        private const string ChatSet = "Chat";
        private const string ReplySet = "Reply";
        // Media uploaded before (Publish-WecomMedia), sent without uploading again.
        private const string MediaChatSet = "MediaChat";
        private const string MediaReplySet = "MediaReply";
        private const string MediaIdChatSet = "MediaIdChat";
        private const string MediaIdReplySet = "MediaIdReply";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ChatSet)]
        [Parameter(Mandatory = true, ParameterSetName = MediaChatSet)]
        [Parameter(Mandatory = true, ParameterSetName = MediaIdChatSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ChatIdCompleter))]
        public string[] ChatId { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ChatSet, ValueFromPipeline = true,
            ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ReplySet, ValueFromPipeline = true,
            ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [NotAMessage]
        public string[] Path { get; set; }

        /// <summary>Media from Publish-WecomMedia; piped media objects bind here.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MediaChatSet, ValueFromPipeline = true,
            HelpMessage = MediaHelp)]
        [Parameter(Mandatory = true, ParameterSetName = MediaReplySet, ValueFromPipeline = true,
            HelpMessage = MediaHelp)]
        [ValidateNotNullOrEmpty]
        public WecomMedia[] Media { get; set; }

        // Shown when PowerShell prompts for -Media (e.g. after `Send-WecomFile -ChatId x` alone, where the media set is
        // the default so that piped media objects bind to -Media): it tells the user how to send files instead.
        private const string MediaHelp = "Media objects from Publish-WecomMedia. To upload and send files, press "
            + "Ctrl+C "
            + "and run Send-WecomFile -ChatId <chat> -Path <file>.";

        /// <summary>A media_id uploaded before by this bot, sent as -MediaType.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MediaIdChatSet)]
        [Parameter(Mandatory = true, ParameterSetName = MediaIdReplySet)]
        [ValidateNotNullOrEmpty]
        public string MediaId { get; set; }

        /// <summary>The message to answer; a piped message binds here ($msg | Send-WecomFile -Path x).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ReplySet, ValueFromPipeline = true)]
        [Parameter(Mandatory = true, ParameterSetName = MediaReplySet, ValueFromPipeline = true)]
        [Parameter(Mandatory = true, ParameterSetName = MediaIdReplySet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMessage ReplyTo { get; set; }

        /// <summary>
        /// file, image, voice or video. Default: from the extension (png/jpg/gif image, amr voice, mp4 video, else
        /// file). Required with -MediaId; a media object carries its own.
        /// </summary>
        [Parameter(ParameterSetName = ChatSet)]
        [Parameter(ParameterSetName = ReplySet)]
        [Parameter(Mandatory = true, ParameterSetName = MediaIdChatSet)]
        [Parameter(Mandatory = true, ParameterSetName = MediaIdReplySet)]
        [ValidateSet("file", "image", "voice", "video")]
        public string MediaType { get; set; }

        [Parameter(ParameterSetName = ChatSet)]
        [Parameter(ParameterSetName = MediaChatSet)]
        [Parameter(ParameterSetName = MediaIdChatSet)]
        [ValidateSet("single", "group")]
        public string ChatType { get; set; }

        /// <summary>The name shown in the chat. Default: the file's name. Set by the upload: with -Path only.</summary>
        [Parameter(ParameterSetName = ChatSet)]
        [Parameter(ParameterSetName = ReplySet)]
        [ValidateUtf8Length(1, 256)]
        public string FileName { get; set; }

        [Parameter] [ValidateUtf8Length(1, 128)] public string Title { get; set; }

        [Parameter] [ValidateUtf8Length(1, 512)] public string Description { get; set; }

        [Parameter] public SwitchParameter PassThru { get; set; }

        private bool IsReply =>
            ParameterSetName == ReplySet || ParameterSetName == MediaReplySet || ParameterSetName == MediaIdReplySet;

        private string Target =>
            IsReply ? "a reply to " + ReplyTo.MsgId + " in " + ReplyTo.ChatId : "chat(s) " + string.Join(", ", ChatId);

        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            switch (ParameterSetName)
            {
                case MediaChatSet:
                case MediaReplySet:
                    foreach (var media in Media)
                    {
                        if (media == null || !TitleFits(media.MediaType, media)) continue;
                        // An expired media_id, or one of another bot, is refused before anything is sent.
                        if (!TryRun(() => media.EnsureSendableBy(session, DateTimeOffset.UtcNow), media)) continue;
                        string expires = media.ExpiresAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm");
                        if (!ShouldProcess(media.MediaType + " " + media.MediaId + Named(media.FileName) +
                            ", expires " + expires, "Send to " + Target)) continue;
                        TryRun(() => Send(session, media.MediaType, media.MediaId, media.SourcePath), media);
                    }
                    break;
                case MediaIdChatSet:
                case MediaIdReplySet:
                    if (TitleFits(MediaType, MediaId) && ShouldProcess(MediaType + " " + MediaId, "Send to " + Target))
                        TryRun(() => Send(session, MediaType, MediaId, null), MediaId);
                    break;
                default:
                    foreach (var (file, type) in ResolveCheckedFiles(Path, MediaType))
                    {
                        if (!TitleFits(type, file.FullName)) continue;
                        if (!ShouldProcess(file.FullName + " (" + type + ", " + file.Length + " bytes)",
                            "Upload and send to " + Target)) continue;
                        TryRun(() =>
                        {
                            var media = Upload(session, file, type, FileName);
                            Send(session, media.MediaType, media.MediaId, media.Path);
                        }, file.FullName);
                    }
                    break;
            }
        }

        /// <summary>-Title and -Description are shown for a video only: on anything else they are refused, not
        /// dropped.</summary>
        private bool TitleFits(string type, object target) =>
            TryRun(() => MediaLimits.CheckTitle(type, Title, Description), target);

        private static string Named(string fileName) => string.IsNullOrEmpty(fileName) ? "" : " ('" + fileName + "')";

        /// <summary>Sends one media_id as the reply or to every chat (reusable for its lifetime).</summary>
        private void Send(WecomSession session, string mediaType, string mediaId, string path)
        {
            if (IsReply)
            {
                var r = Await(MessageSender.ReplyMediaAsync(session, ReplyTo, mediaType, mediaId, StopToken, Title,
                    Description));
                r.Path = path;
                if (PassThru) WriteObject(r);
                return;
            }
            foreach (var chat in ChatId)
            {
                // One chat failing does not keep the media from the others; the error names that chat.
                TryRun(() =>
                {
                    var r = Await(MessageSender.SendMediaAsync(session, chat, MessageSender.ChatTypeCode(ChatType),
                        mediaType, mediaId, StopToken, Title, Description));
                    r.Path = path;
                    if (PassThru) WriteObject(r);
                }, chat);
            }
        }
    }
}
