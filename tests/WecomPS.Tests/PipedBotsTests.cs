using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// What the tests of bots piped into Connect-WecomBot share: a double serving six bots (aibPipe1..6, each with
    /// its own secret, secret-1..6), an engine, the bots as the objects a CSV or a script pipes in, and a way to run
    /// a pipeline that may end in an error.
    /// </summary>
    public abstract class PipedBotsTests : IDisposable
    {
        protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
        protected const int BotCount = 6;
        protected readonly WecomMockServer _server;
        protected readonly PowerShellHost _ps = new PowerShellHost();

        protected PipedBotsTests()
        {
            var options = new MockServerOptions();
            for (int i = 1; i <= BotCount; i++) options.AdditionalBots[BotId(i)] = SecretOf(i);
            _server = WecomMockServer.Start(options);
        }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        protected static string BotId(int i) => "aibPipe" + i;

        protected static string SecretOf(int i) => "secret-" + i;

        protected static IEnumerable<string> AllBotIds => Enumerable.Range(1, BotCount).Select(BotId);

        /// <summary>A piped record: BotId and Secret (its own unless given), and Name when given.</summary>
        protected static PSObject Bot(int i, string name = null, string secret = null)
        {
            var o = new PSObject();
            o.Properties.Add(new PSNoteProperty("BotId", BotId(i)));
            o.Properties.Add(new PSNoteProperty("Secret", secret ?? SecretOf(i)));
            if (name != null) o.Properties.Add(new PSNoteProperty("Name", name));
            return o;
        }

        protected bool Live(string bot) => _server.SubscribedConnectionIdsOf(bot).Count > 0;

        /// <summary>
        /// Runs the pipeline inside try/catch (a terminating error ends only its statement otherwise): the
        /// <paramref name="property"/> of each session that reached the end of it, in order, and the error it ended
        /// with.
        /// </summary>
        protected (string[] Handed, ErrorRecord Error, PsResult Result) RunCatching(string pipeline,
            Dictionary<string, object> vars, string property = "BotId")
        {
            var r = _ps.Run("$handed = [Collections.Generic.List[string]]::new(); $caught = $null\n"
                + "try { " + pipeline + " | ForEach-Object { $handed.Add($_." + property + ") } } "
                + "catch { $caught = $_ }\n"
                + "[pscustomobject]@{ Handed = $handed -join ','; Error = $caught }", vars);
            Assert.True(r.Terminating == null, "script failed: " + r.Terminating);
            var o = r.Output.Single();
            var handed = ((string)o.Properties["Handed"].Value).Split(',', StringSplitOptions.RemoveEmptyEntries);
            var error = o.Properties["Error"].Value is PSObject e ? e.BaseObject as ErrorRecord
                : o.Properties["Error"].Value as ErrorRecord;
            return (handed, error, r);
        }
    }
}
