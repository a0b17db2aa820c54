using System.Collections.Generic;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Stops WeCom mock servers: the given ones, or every server Start-WecomMockServer
    /// started.</para>
    /// <para type="description">Open connections are reset. Disconnect client sessions first (Disconnect-WecomBot), or
    /// they keep trying to reconnect.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "WecomMockServer")]
    public sealed class StopWecomMockServerCommand : PSCmdlet
    {
        /// <summary>The servers to stop (pipeline: $mock | Stop-WecomMockServer). Default: every running server started
        /// by this module.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WecomMockServer[] Server { get; set; }

        private bool _any;

        protected override void ProcessRecord()
        {
            if (Server == null) return;
            _any = true;
            foreach (var server in Server) Stop(server);
        }

        protected override void EndProcessing()
        {
            if (_any || MyInvocation.BoundParameters.ContainsKey(nameof(Server)) || MyInvocation.ExpectingInput) return;
            foreach (var server in MockServerRegistry.StopAll())
                WriteVerbose("Stopped the WeCom mock server at " + server.Endpoint + ".");
        }

        private void Stop(WecomMockServer server)
        {
            MockServerRegistry.Remove(server);
            if (server.IsDisposed) return;
            server.Dispose();
            WriteVerbose("Stopped the WeCom mock server at " + server.Endpoint + ".");
        }
    }
}
