using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json.Nodes;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Pushes an inbound message or event from the WeCom mock server to the connected
    /// client.</para>
    /// <para type="description">
    /// One parameter set per kind: -Text, -Image, -File, -Video, -Voice, -Mixed,
    /// -Content [-MsgType] (any msgtype, default text), -Event, -Raw, -CardClick (a user clicks a button of a card the
    /// client sent: -TaskId, default the last card sent; -Key, the button's key or text, default the first button),
    /// and -Repeat (send an earlier push again, byte for byte). Without -ChatId the message comes from a single chat
    /// with -UserId; with -ChatId it comes from that group. Reuse a -MsgId to push a duplicate.
    /// -Event disconnected_event (without -ConnectionId, -MsgId or -ReqId) goes to every open connection, as when the
    /// bot is kicked. Outputs what was pushed: ReqId (the req_id a reply must carry), MsgId, RawJson, ConnectionCount,
    /// Media.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "WecomMockMessage", DefaultParameterSetName = TextSet)]
    [OutputType(typeof(PushedFrame))]
    public sealed class SendWecomMockMessageCommand : MockServerCmdlet
    {
        private const string TextSet = "Text";
        private const string ImageSet = "Image";
        private const string FileSet = "File";
        private const string VideoSet = "Video";
        private const string VoiceSet = "Voice";
        private const string MixedSet = "Mixed";
        private const string MessageSet = "Message";
        private const string EventSet = "Event";
        private const string RawSet = "Raw";
        private const string RepeatSet = "Repeat";
        private const string CardClickSet = "CardClick";

        /// <summary>A text message with this content (pipeline: 'hi', 'there' | Send-WecomMockMessage).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TextSet, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string Text { get; set; }

        /// <summary>An image message: a path, a FileInfo or a byte[] of the image. The client downloads it encrypted
        /// from the mock.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ImageSet)]
        [ValidateNotNull]
        public object Image { get; set; }

        /// <summary>A file message: a path, a FileInfo or a byte[].</summary>
        [Parameter(Mandatory = true, ParameterSetName = FileSet)]
        [ValidateNotNull]
        public object File { get; set; }

        /// <summary>A video message: a path, a FileInfo or a byte[].</summary>
        [Parameter(Mandatory = true, ParameterSetName = VideoSet)]
        [ValidateNotNull]
        public object Video { get; set; }

        /// <summary>The name the media is served under (Content-Disposition). Default: the file's name, else image.png
        /// / file.bin / video.mp4.</summary>
        [Parameter(ParameterSetName = ImageSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Parameter(ParameterSetName = VideoSet)]
        [ValidateNotNullOrEmpty]
        public string FileName { get; set; }

        /// <summary>A voice message; WeCom delivers voice already transcribed, so this is the transcript.</summary>
        [Parameter(Mandatory = true, ParameterSetName = VoiceSet)]
        [AllowEmptyString]
        public string Voice { get; set; }

        /// <summary>A mixed message: each string is a text item; each byte[] or FileInfo (Get-Item x.png) an image
        /// item.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MixedSet)]
        [ValidateNotNullOrEmpty]
        public object[] Mixed { get; set; }

        /// <summary>Any msgtype, with -Content as body.&lt;msgtype&gt;. Default: text.</summary>
        [Parameter(ParameterSetName = MessageSet)]
        [ValidateNotNullOrEmpty]
        public string MsgType { get; set; } = "text";

        /// <summary>
        /// The content: for text and voice a string (becomes {"content": ...}) or the whole object; for any other
        /// msgtype the object put under body.&lt;msgtype&gt; (a hashtable or PSCustomObject). -Content alone is a text
        /// message. A string for image, file, video, mixed or event is refused: use -Image, -File, -Video, -Mixed or
        /// -Event.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = MessageSet)]
        [AllowNull]
        public object Content { get; set; }

        /// <summary>An event: enter_chat, template_card_event, feedback_event, disconnected_event or any other event
        /// type.</summary>
        [Parameter(Mandatory = true, ParameterSetName = EventSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EventTypeCompleter))]
        public string Event { get; set; }

        /// <summary>With -Event: the object put under event.&lt;eventtype&gt; (e.g. @{ event_key = 'ok'; task_id = 't1'
        /// }).</summary>
        [Parameter(ParameterSetName = EventSet)]
        [AllowNull]
        public IDictionary EventPayload { get; set; }

        /// <summary>Exactly this text as one WebSocket text frame (malformed JSON, unknown cmds...).</summary>
        [Parameter(Mandatory = true, ParameterSetName = RawSet)]
        [AllowEmptyString]
        public string Raw { get; set; }

        /// <summary>An earlier push (the output of this cmdlet) to send again unchanged: same req_id, same
        /// msgid.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RepeatSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PushedFrame Repeat { get; set; }

        /// <summary>
        /// A user (-UserId) clicks a button of a template card the client sent: pushes the template_card_event with
        /// that card's task_id, card_type and the button's key, from the card's chat.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = CardClickSet)]
        public SwitchParameter CardClick { get; set; }

        /// <summary>With -CardClick: the task_id of the card clicked. Default: the last card the client sent with a
        /// task_id (see Get-WecomMockFrame).</summary>
        [Parameter(ParameterSetName = CardClickSet)]
        [ValidateNotNullOrEmpty]
        public string TaskId { get; set; }

        /// <summary>With -CardClick: the key (or the text) of the button clicked. Default: the first button.</summary>
        [Parameter(ParameterSetName = CardClickSet)]
        [ValidateNotNullOrEmpty]
        public string Key { get; set; }

        /// <summary>
        /// With -CardClick: do not click now; click the next card the client sends, as soon as the double accepted
        /// it. For a runbook that blocks while it waits (Request-WecomApproval): run this first, then the runbook.
        /// Outputs nothing; a click that cannot be made is listed in the server's Violations.
        /// </summary>
        [Parameter(ParameterSetName = CardClickSet)]
        public SwitchParameter OnNextCard { get; set; }

        /// <summary>The sender's userid. Default: zhangsan.</summary>
        [Parameter(ParameterSetName = TextSet)]
        [Parameter(ParameterSetName = ImageSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Parameter(ParameterSetName = VideoSet)]
        [Parameter(ParameterSetName = VoiceSet)]
        [Parameter(ParameterSetName = MixedSet)]
        [Parameter(ParameterSetName = MessageSet)]
        [Parameter(ParameterSetName = EventSet)]
        [Parameter(ParameterSetName = CardClickSet)]
        [ValidateNotNullOrEmpty]
        public string UserId { get; set; } = "zhangsan";

        /// <summary>The group chat it comes from. Default: a single chat with -UserId.</summary>
        [Parameter(ParameterSetName = TextSet)]
        [Parameter(ParameterSetName = ImageSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Parameter(ParameterSetName = VideoSet)]
        [Parameter(ParameterSetName = VoiceSet)]
        [Parameter(ParameterSetName = MixedSet)]
        [Parameter(ParameterSetName = MessageSet)]
        [Parameter(ParameterSetName = EventSet)]
        [Parameter(ParameterSetName = CardClickSet)]
        public string ChatId { get; set; }

        /// <summary>body.msgid. Default: a new random id. Pass an earlier push's MsgId to push a duplicate.</summary>
        [Parameter(ParameterSetName = TextSet)]
        [Parameter(ParameterSetName = ImageSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Parameter(ParameterSetName = VideoSet)]
        [Parameter(ParameterSetName = VoiceSet)]
        [Parameter(ParameterSetName = MixedSet)]
        [Parameter(ParameterSetName = MessageSet)]
        [Parameter(ParameterSetName = EventSet)]
        [Parameter(ParameterSetName = CardClickSet)]
        public string MsgId { get; set; }

        /// <summary>headers.req_id of the callback. Default: a new random one.</summary>
        [Parameter(ParameterSetName = TextSet)]
        [Parameter(ParameterSetName = ImageSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Parameter(ParameterSetName = VideoSet)]
        [Parameter(ParameterSetName = VoiceSet)]
        [Parameter(ParameterSetName = MixedSet)]
        [Parameter(ParameterSetName = MessageSet)]
        [Parameter(ParameterSetName = EventSet)]
        [Parameter(ParameterSetName = CardClickSet)]
        public string ReqId { get; set; }

        /// <summary>body.quote: the message the user quoted, e.g. @{ msgtype = 'text'; text = @{ content = 'earlier' }
        /// }.</summary>
        [Parameter(ParameterSetName = TextSet)]
        [Parameter(ParameterSetName = ImageSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Parameter(ParameterSetName = VideoSet)]
        [Parameter(ParameterSetName = VoiceSet)]
        [Parameter(ParameterSetName = MixedSet)]
        [Parameter(ParameterSetName = MessageSet)]
        public object Quote { get; set; }

        /// <summary>Push to this connection only (see ConnectionId in Get-WecomMockFrame). Default: every subscribed
        /// connection.</summary>
        [Parameter]
        public int ConnectionId { get; set; }

        protected override void ProcessRecord()
        {
            var server = ResolveServer();
            int? connection = MyInvocation.BoundParameters.ContainsKey(nameof(ConnectionId)) ? ConnectionId
                : (int?)null;
            JsonNode quote, content = null;
            try
            {
                quote = QuoteNode(Quote);
                if (ParameterSetName == MessageSet) content = ContentNode(MsgType, Content);
            }
            catch (ArgumentException e)
            {
                var target = ParameterSetName == MessageSet && !(e is QuoteException) ? Content : Quote;
                WriteError(new ErrorRecord(e, "WecomMockInvalidPush", ErrorCategory.InvalidArgument, target));
                return;
            }
            PushedFrame pushed;
            try
            {
                switch (ParameterSetName)
                {
                    case ImageSet: pushed = PushMedia(server, "image", Image, quote, connection); break;
                    case FileSet: pushed = PushMedia(server, "file", File, quote, connection); break;
                    case VideoSet: pushed = PushMedia(server, "video", Video, quote, connection); break;
                    case VoiceSet:
                        pushed = server.PushMessage("voice", new JsonObject { ["content"] = Voice
                            ?? "" }, UserId, ChatId, quote, MsgId, ReqId, connection);
                        break;
                    case MixedSet: pushed = server.PushMixedMessage(MixedItems(), UserId, ChatId, quote, MsgId, ReqId,
                        connection); break;
                    case MessageSet:
                        pushed = server.PushMessage(MsgType, content, UserId, ChatId, quote, MsgId, ReqId, connection);
                        break;
                    case EventSet: pushed = PushEvent(server, connection); break;
                    case CardClickSet when OnNextCard:
                        if (TaskId != null || MsgId != null || ReqId != null || connection != null)
                            throw new ArgumentException("-OnNextCard clicks a card not sent yet: it takes -Key, "
                                + "-UserId and -ChatId only.");
                        server.ClickNextCard(Key, UserId, ChatId);
                        WriteVerbose("The next card the client sends will be clicked by " + UserId + ".");
                        return;
                    case CardClickSet:
                        pushed = server.ClickCard(TaskId, Key, UserId, ChatId, MsgId, ReqId, connection);
                        break;
                    case RawSet: pushed = server.PushRaw(Raw ?? "", connection); break;
                    case RepeatSet: pushed = server.Repush(Repeat, connection); break;
                    default:
                        pushed = server.PushMessage("text", new JsonObject { ["content"] = Text
                            ?? "" }, UserId, ChatId, quote, MsgId, ReqId, connection);
                        break;
                }
            }
            catch (InvalidOperationException e)
            {
                WriteError(new ErrorRecord(e, "WecomMockNoConnection", ErrorCategory.ConnectionError, server));
                return;
            }
            catch (ArgumentException e)
            {
                WriteError(new ErrorRecord(e, "WecomMockInvalidPush", ErrorCategory.InvalidArgument, ParameterSetName));
                return;
            }
            catch (MockMediaInput.MediaInputException e)
            {
                WriteError(e.Record);
                return;
            }
            WriteVerbose("Pushed " + Describe() + " to " + pushed.ConnectionCount + " connection(s), req_id "
                + (pushed.ReqId ?? "(raw)") + ".");
            WriteObject(pushed);
        }

        private static readonly string[] ContentTypes = { "text", "voice", "markdown" };
        private static readonly string[] OwnParameterTypes = { "image", "file", "video", "mixed", "event" };

        /// <summary>
        /// body.&lt;msgtype&gt;: a scalar for text/voice/markdown becomes {"content": scalar}; a scalar for a media,
        /// mixed or event type is refused (it would push a frame no client can read); anything else goes in as given.
        /// </summary>
        internal static JsonNode ContentNode(string msgType, object content)
        {
            var value = content is PSObject pso && !(pso.BaseObject is PSCustomObject) ? pso.BaseObject : content;
            bool scalar = value != null && !(value is PSObject) && !(value is IDictionary) && !(value is JsonNode)
                && (value is string || !(value is IEnumerable));
            if (scalar && ContentTypes.Contains(msgType, StringComparer.Ordinal))
                return new JsonObject { ["content"] = LanguagePrimitives.ConvertTo<string>(value) };
            if (value != null && !(value is PSObject) && !(value is IDictionary) && !(value is JsonObject)
                && OwnParameterTypes.Contains(msgType, StringComparer.Ordinal))
            {
                var own = "-" + char.ToUpperInvariant(msgType[0]) + msgType.Substring(1);
                throw new ArgumentException("-Content for msgtype " + msgType + " is the object put under body."
                    + msgType + " (a hashtable or PSCustomObject); got a " + value.GetType().Name + ". To push "
                    + msgType + " content, use " + own + ".", "Content");
            }
            return PsJson.ToNode(value);
        }

        /// <summary>body.quote: a string is a quoted text message; anything else goes in as given.</summary>
        internal static JsonNode QuoteNode(object quote)
        {
            var value = quote is PSObject pso && !(pso.BaseObject is PSCustomObject) ? pso.BaseObject : quote;
            if (value is string text)
                return new JsonObject { ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text } };
            if (value != null && !(value is PSObject) && !(value is IDictionary) && !(value is JsonObject))
                throw new QuoteException("-Quote is a string (a quoted text) or the quoted message as a hashtable, "
                    + "e.g. @{ msgtype = 'text'; text = @{ content = 'earlier' } }; got a " + value.GetType().Name
                        + ".");
            return PsJson.ToNode(value);
        }

        private sealed class QuoteException : ArgumentException
        {
            public QuoteException(string message) : base(message, "Quote") { }
        }

        private PushedFrame PushEvent(WecomMockServer server, int? connection)
        {
            var bound = MyInvocation.BoundParameters;
            if (Event == "disconnected_event" && connection == null && !bound.ContainsKey(nameof(MsgId))
                && !bound.ContainsKey(nameof(ReqId)))
                return server.SendDisconnectedEvent();
            return server.PushEvent(Event, PsJson.ToNode(EventPayload), UserId, ChatId, MsgId, ReqId, connection);
        }

        private PushedFrame PushMedia(WecomMockServer server, string msgType, object input, object quote,
            int? connection)
        {
            var bytes = ReadMedia(input, out var nameFromPath);
            return server.PushMedia(msgType, bytes, FileName
                ?? nameFromPath, UserId, ChatId, quote, MsgId, ReqId, connection);
        }

        private IEnumerable<object> MixedItems()
        {
            var items = new List<object>();
            foreach (var raw in Mixed)
            {
                var item = raw is PSObject pso ? pso.BaseObject : raw;
                if (item is string text) items.Add(text);
                else items.Add(ReadMedia(item, out _));
            }
            return items;
        }

        /// <summary>A path (string), FileInfo, byte[] or array of bytes.</summary>
        private byte[] ReadMedia(object input, out string fileName)
        {
            fileName = null;
            var value = input is PSObject pso ? pso.BaseObject : input;
            switch (value)
            {
                case byte[] bytes: return bytes;
                case object[] array when array.Length > 0
                    && array.All(x => (x is PSObject p ? p.BaseObject : x) is byte):
                    return array.Select(x => (byte)(x is PSObject p ? p.BaseObject : x)).ToArray();
                case FileInfo file: return MockMediaInput.ReadFile(file.FullName, out fileName);
                case string path: return MockMediaInput.ReadFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(
                    path),
                    out fileName);
                default:
                    throw new MockMediaInput.MediaInputException(Error("WecomMockInvalidMedia",
                        ErrorCategory.InvalidArgument,
                        "Media is a path, a FileInfo or a byte[]; got " + value.GetType().Name + ".", value));
            }
        }

        private string Describe()
        {
            switch (ParameterSetName)
            {
                case EventSet: return "event " + Event;
                case CardClickSet: return "a click by " + UserId + " on card " + (TaskId ?? "(the last one sent)");
                case MessageSet: return MsgType + " message";
                case RawSet: return "a raw frame";
                case RepeatSet: return "a repeat of " + Repeat.ReqId;
                default: return ParameterSetName.ToLowerInvariant() + " message" + (ChatId != null ? " in "
                    + ChatId : " from " + UserId);
            }
        }
    }
}
