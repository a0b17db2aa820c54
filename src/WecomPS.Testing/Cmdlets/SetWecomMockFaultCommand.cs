using System;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Makes the WeCom mock server misbehave: reject auth, fail a command, drop or close
    /// connections, go silent, slow acks.</para>
    /// <para type="description">
    /// Switches can be combined; they apply in this order: -Clear, -AckDelayMs, -RejectAuth, -FailCommand,
    /// -RefuseConnections, -Silent,
    /// -CloseConnection, -DropConnection. To push disconnected_event use Send-WecomMockMessage -Event
    /// disconnected_event; to push a duplicate use Send-WecomMockMessage -MsgId (or -Repeat).
    /// </para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "WecomMockFault")]
    [OutputType(typeof(WecomMockServer))]
    public sealed class SetWecomMockFaultCommand : MockServerCmdlet
    {
        /// <summary>Refuse the next -Count subscribes even with the right credentials (errcode -ErrCode, default
        /// 853000).</summary>
        [Parameter] public SwitchParameter RejectAuth { get; set; }

        /// <summary>Answer the next -Count frames with this cmd (aibot_send_msg, aibot_respond_msg,
        /// aibot_upload_media_chunk...) with -ErrCode.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CmdCompleter))]
        public string FailCommand { get; set; }

        /// <summary>The errcode of -RejectAuth (default 853000) or -FailCommand (required there).</summary>
        [Parameter] public int ErrCode { get; set; }

        /// <summary>The errmsg sent with -ErrCode. Default: the standard text for the code.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string ErrMsg { get; set; }

        /// <summary>How many frames -RejectAuth / -FailCommand affect. Default 1.</summary>
        [Parameter] [ValidateRange(1, 100000)] public int Count { get; set; } = 1;

        /// <summary>Reset open connections now (TCP RST, no close frame), like a network failure. The client
        /// reconnects.</summary>
        [Parameter] public SwitchParameter DropConnection { get; set; }

        /// <summary>Send a WebSocket close frame on open connections now, like a server shutdown.</summary>
        [Parameter] public SwitchParameter CloseConnection { get; set; }

        /// <summary>With -DropConnection: only this connection (ConnectionId of Get-WecomMockFrame).</summary>
        [Parameter] public int ConnectionId { get; set; }

        /// <summary>$true: a black hole (nothing acked, pushed or answered, no WebSocket handshake); $false: back to
        /// normal.</summary>
        [Parameter] public bool Silent { get; set; }

        /// <summary>$true: new TCP connections are reset at once (server down); $false: accepted again.</summary>
        [Parameter] public bool RefuseConnections { get; set; }

        /// <summary>Delay before every ack from now on, in milliseconds (0 = none).</summary>
        [Parameter] [ValidateRange(0, 600000)] public int AckDelayMs { get; set; }

        /// <summary>First forget unused -RejectAuth / -FailCommand faults and end -Silent and
        /// -RefuseConnections.</summary>
        [Parameter] public SwitchParameter Clear { get; set; }

        /// <summary>Output the server.</summary>
        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var server = ResolveServer();
            var bound = MyInvocation.BoundParameters;
            if (bound.ContainsKey(nameof(FailCommand)) && !bound.ContainsKey(nameof(ErrCode)))
                Throw("WecomMockErrCodeRequired", ErrorCategory.InvalidArgument,
                    "-FailCommand needs -ErrCode: the errcode to answer with.", FailCommand);
            if (bound.ContainsKey(nameof(ConnectionId)) && !DropConnection)
                Throw("WecomMockConnectionIdWithoutDrop", ErrorCategory.InvalidArgument,
                    "-ConnectionId goes with -DropConnection.", ConnectionId);

            if (Clear)
            {
                server.ClearInjectedFailures();
                server.Silent = false;
                server.RefuseConnections = false;
            }
            if (bound.ContainsKey(nameof(AckDelayMs))) server.Options.AckDelay = TimeSpan.FromMilliseconds(AckDelayMs);
            if (RejectAuth)
            {
                if (bound.ContainsKey(nameof(ErrCode))) server.RejectNextSubscribes(Count, ErrCode, ErrMsg
                    ?? Protocol.ErrorCodes.DefaultMessage(ErrCode));
                else server.RejectNextSubscribes(Count, errmsg: ErrMsg ?? "invalid bot_id or secret");
            }
            if (FailCommand != null) server.FailNext(FailCommand, ErrCode, ErrMsg, Count);
            if (bound.ContainsKey(nameof(RefuseConnections))) server.RefuseConnections = RefuseConnections;
            if (bound.ContainsKey(nameof(Silent))) server.Silent = Silent;
            if (CloseConnection) server.CloseConnections();
            if (DropConnection)
            {
                if (bound.ContainsKey(nameof(ConnectionId))) server.DropConnection(ConnectionId);
                else server.DropConnections();
            }
            if (PassThru) WriteObject(server);
        }
    }
}
