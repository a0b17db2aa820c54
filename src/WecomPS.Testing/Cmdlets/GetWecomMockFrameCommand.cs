using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Gets the frames clients sent to the WeCom mock server, parsed, oldest first.</para>
    /// <para type="description">
    /// Each frame is a PSCustomObject (type name WecomPS.Testing.Frame): Cmd, ReqId, Body (the body as ConvertFrom-Json
    /// would give it), ConnectionId, At, AckErrcode and AckErrmsg (how the mock answered), Raw (the text as received).
    /// The secret in aibot_subscribe bodies is shown as sent: it is the mock's own test secret, so tests can assert on
    /// it.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WecomMockFrame")]
    [OutputType("WecomPS.Testing.Frame")]
    public sealed class GetWecomMockFrameCommand : MockServerCmdlet
    {
        /// <summary>Only frames with these cmds (wildcards allowed: aibot_upload_media_*).</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(CmdCompleter))]
        public string[] Cmd { get; set; }

        /// <summary>Only frames with this headers.req_id (a reply carries the req_id of the message it
        /// answers).</summary>
        [Parameter] public string ReqId { get; set; }

        /// <summary>Only frames that arrived on this connection.</summary>
        [Parameter] public int ConnectionId { get; set; }

        /// <summary>Only the last N matching frames.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int Last { get; set; }

        /// <summary>Wait until at least one frame matches (or -Last N frames), up to -TimeoutSec; an OperationTimeout
        /// error after that.</summary>
        [Parameter] public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long to wait, in seconds. Default 5.</summary>
        [Parameter] [ValidateRange(0, 3600)] public double TimeoutSec { get; set; } = 5;

        protected override void EndProcessing()
        {
            var server = ResolveServer();
            var patterns = Cmd?.Select(c => WildcardPattern.Get(c, WildcardOptions.IgnoreCase)).ToArray();
            bool byConnection = MyInvocation.BoundParameters.ContainsKey(nameof(ConnectionId));
            Func<ReceivedFrame, bool> matches = f =>
                (patterns == null || patterns.Any(p => p.IsMatch(f.Cmd ?? ""))) &&
                (ReqId == null || f.ReqId == ReqId) &&
                (!byConnection || f.ConnectionId == ConnectionId);
            int wanted = Math.Max(1, Last);

            if (Wait && !server.WaitUntil(s => s.Frames.Count(matches) >= wanted, TimeSpan.FromSeconds(TimeoutSec)))
                WriteError(new ErrorRecord(new TimeoutException("No " + (wanted > 1 ? wanted + " frames" : "frame")
                    + " matching the filter arrived within " + TimeoutSec + " s."),
                    "WecomMockFrameTimeout", ErrorCategory.OperationTimeout, Cmd));

            IEnumerable<ReceivedFrame> frames = server.Frames.Where(matches).ToArray();
            if (Last > 0) frames = frames.Skip(Math.Max(0, frames.Count() - Last));
            foreach (var frame in frames) WriteObject(ToObject(frame));
        }

        internal static PSObject ToObject(ReceivedFrame frame)
        {
            var o = new PSObject();
            o.TypeNames.Insert(0, "WecomPS.Testing.Frame");
            o.Properties.Add(new PSNoteProperty("Cmd", frame.Cmd));
            o.Properties.Add(new PSNoteProperty("ReqId", frame.ReqId));
            o.Properties.Add(new PSNoteProperty("Body", PsJson.FromElement(frame.Body)));
            o.Properties.Add(new PSNoteProperty("ConnectionId", frame.ConnectionId));
            o.Properties.Add(new PSNoteProperty("At", frame.At));
            o.Properties.Add(new PSNoteProperty("AckErrcode", frame.AckErrcode));
            o.Properties.Add(new PSNoteProperty("AckErrmsg", frame.AckErrmsg));
            o.Properties.Add(new PSNoteProperty("Raw", frame.Raw));
            return o;
        }
    }

    /// <summary>Completes -Cmd / -FailCommand with the commands a client sends.</summary>
    public sealed class CmdCompleter : IArgumentCompleter
    {
        internal static readonly string[] Commands =
        {
            "aibot_subscribe", "ping", "aibot_respond_msg", "aibot_respond_welcome_msg", "aibot_respond_update_msg",
                "aibot_send_msg",
            "aibot_upload_media_init", "aibot_upload_media_chunk", "aibot_upload_media_finish",
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete,
            System.Management.Automation.Language.CommandAst commandAst,
                System.Collections.IDictionary fakeBoundParameters) =>
            Commands.Where(c => c.StartsWith(wordToComplete
                ?? "", StringComparison.OrdinalIgnoreCase)).Select(c => new CompletionResult(c));
    }
}
