using System;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>Base of the test-kit cmdlets that act on one server: <c>-Server</c>, else the most recently started
    /// one.</summary>
    public abstract class MockServerCmdlet : PSCmdlet
    {
        /// <summary>
        /// The server to use (the object Start-WecomMockServer returned). Default: the most recently started server
        /// that is still running.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public WecomMockServer Server { get; set; }

        /// <summary>The server this invocation uses; a terminating error when there is none.</summary>
        protected WecomMockServer ResolveServer()
        {
            var server = Server ?? MockServerRegistry.Current;
            if (server == null)
                Throw("WecomMockNoServer", ErrorCategory.InvalidOperation,
                    "No WeCom mock server is running. Run Start-WecomMockServer first (or pass -Server).", null);
            if (server.IsDisposed)
                Throw("WecomMockServerStopped", ErrorCategory.InvalidOperation,
                    "The WeCom mock server at " + server.Endpoint + " was stopped.", server);
            return server;
        }

        /// <summary>A terminating error with an InvalidOperationException (or ArgumentException for argument
        /// categories).</summary>
        protected void Throw(string id, ErrorCategory category, string message, object target) =>
            ThrowTerminatingError(Error(id, category, message, target));

        protected void WriteError(string id, ErrorCategory category, string message, object target) =>
            WriteError(Error(id, category, message, target));

        internal static ErrorRecord Error(string id, ErrorCategory category, string message, object target)
        {
            Exception e = category == ErrorCategory.InvalidArgument || category == ErrorCategory.ObjectNotFound
                ? new ArgumentException(message)
                : (Exception)new InvalidOperationException(message);
            return new ErrorRecord(e, id, category, target);
        }
    }
}
