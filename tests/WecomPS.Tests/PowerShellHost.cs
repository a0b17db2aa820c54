using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Cmdlet tests share the module's session store, so they run one at a time.</summary>
    [CollectionDefinition("PowerShell", DisableParallelization = true)]
    public sealed class PowerShellCollection { }

    /// <summary>What one script run produced: pipeline output and every stream.</summary>
    public sealed class PsResult
    {
        public List<PSObject> Output { get; } = new List<PSObject>();
        public List<ErrorRecord> Errors { get; } = new List<ErrorRecord>();
        public List<string> Verbose { get; } = new List<string>();
        public List<string> Debug { get; } = new List<string>();
        public List<string> Warnings { get; } = new List<string>();
        public List<ProgressRecord> Progress { get; } = new List<ProgressRecord>();
        /// <summary>The terminating error, when the script threw one.</summary>
        public ErrorRecord Terminating { get; set; }

        public IEnumerable<string> AllText() =>
            Verbose.Concat(Debug).Concat(Warnings)
                .Concat(Errors.Select(e => e.ToString() + " " + e.Exception))
                .Concat(Terminating != null ? new[] { Terminating.ToString() + " " + Terminating.Exception } : new string[0])
                .Concat(Output.Select(o => o?.ToString() ?? ""));
    }

    /// <summary>The real PowerShell engine in-process (CreateDefault2: Utility and Management cmdlets), with WecomPS imported.</summary>
    public sealed class PowerShellHost : IDisposable
    {
        private readonly Runspace _runspace;

        public PowerShellHost()
        {
            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(new[] { typeof(WecomSession).Assembly.Location });
            _runspace = RunspaceFactory.CreateRunspace(iss);
            _runspace.Open();
        }

        public PsResult Run(string script, IDictionary<string, object> variables = null)
        {
            var result = new PsResult();
            using (var ps = PowerShell.Create())
            {
                ps.Runspace = _runspace;
                if (variables != null)
                    foreach (var kv in variables) _runspace.SessionStateProxy.SetVariable(kv.Key, kv.Value);
                ps.AddScript(script);
                try
                {
                    foreach (var o in ps.Invoke()) result.Output.Add(o);
                }
                catch (RuntimeException e)
                {
                    result.Terminating = e.ErrorRecord;
                }
                result.Errors.AddRange(ps.Streams.Error);
                result.Verbose.AddRange(ps.Streams.Verbose.Select(v => v.Message));
                result.Debug.AddRange(ps.Streams.Debug.Select(v => v.Message));
                result.Warnings.AddRange(ps.Streams.Warning.Select(v => v.Message));
                result.Progress.AddRange(ps.Streams.Progress);
            }
            return result;
        }

        /// <summary>
        /// Runs the script inside try/catch and returns the error it threw: only a terminating error (ThrowTerminatingError
        /// or throw) is caught there, so this asserts that the failure is terminating.
        /// </summary>
        public ErrorRecord Throws(string script, IDictionary<string, object> variables = null)
        {
            var r = Run("try { " + script + "\n; $null } catch { $_ }", variables);
            var caught = r.Output.Select(o => o?.BaseObject).OfType<ErrorRecord>().FirstOrDefault();
            Assert.True(caught != null, "Expected a terminating error; got output [" + string.Join(", ", r.Output) + "] errors [" + string.Join(", ", r.Errors) + "]");
            return caught;
        }

        /// <summary>Starts the script without waiting for it (for Ctrl+C tests: Stop() the returned instance, which the
        /// caller disposes).</summary>
        public PowerShell Begin(string script, IDictionary<string, object> variables, out IAsyncResult run)
        {
            if (variables != null)
                foreach (var kv in variables) _runspace.SessionStateProxy.SetVariable(kv.Key, kv.Value);
            var ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            run = ps.BeginInvoke();
            return ps;
        }

        /// <summary>Connects the default session to <paramref name="server"/>.</summary>
        public PsResult Connect(WecomMockServer server, string extra = "")
        {
            var r = Run("Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -PassThru " + extra,
                new Dictionary<string, object> { ["botId"] = server.BotId, ["secret"] = server.Secret, ["endpoint"] = server.Endpoint });
            Assert.True(r.Terminating == null, "Connect failed: " + r.Terminating);
            return r;
        }

        public void Dispose()
        {
            SessionStore.CloseAll(TimeSpan.FromSeconds(2));
            _runspace.Dispose();
        }
    }
}
