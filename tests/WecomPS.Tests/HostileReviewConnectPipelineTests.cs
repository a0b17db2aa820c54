using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Hostile review of bots piped into Connect-WecomBot: the help promises "the outcome is that of a loop, only
    /// faster". Each test pipes what a loop would handle one bot at a time and checks what the user sees (objects,
    /// errors, Get-WecomSession, the double's live connections) against what the loop gives.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class HostileReviewConnectPipelineTests : PipedBotsTests
    {
        private Dictionary<string, object> Vars(params PSObject[] bots) => new Dictionary<string, object>
        {
            ["endpoint"] = _server.Endpoint,
            ["server"] = _server,
            ["bots"] = bots,
        };

        /// <summary>The pipeline inside try/catch: the session names that reached its end, in order, and its
        /// error.</summary>
        private (string[] Handed, ErrorRecord Error) RunCatching(string pipeline, Dictionary<string, object> vars)
        {
            var (handed, error, _) = RunCatching(pipeline, vars, "Name");
            return (handed, error);
        }

        /// <summary>
        /// A loop connects 'a', then 'b' for the same bot: 'b' takes the bot over and 'a' is superseded. Piped, both
        /// subscribed at once, the server superseded one of them before its subscribe was acknowledged, and the
        /// pipeline ended with WecomConnectFailed ("another connection took over this bot").
        /// </summary>
        [Fact]
        public void The_same_bot_under_two_names_ends_as_a_loop_ends_b_connected_a_superseded()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(300);
            var (handed, error) = RunCatching("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru",
                Vars(Bot(1, "a"), Bot(1, "b")));

            Assert.True(error == null, "the pipeline failed: " + error?.FullyQualifiedErrorId + " " + error);
            Assert.Equal(new[] { "a", "b" }, handed);
            Assert.Equal("b", SessionStore.Default.Name);
            Assert.Equal(WecomSessionState.Connected, SessionStore.Get("b").State);
            Assert.True(SpinWait.SpinUntil(() => SessionStore.Get("a")?.State == WecomSessionState.Superseded, Wait),
                "a is " + SessionStore.Get("a")?.State);
            Assert.Single(_server.SubscribedConnectionIdsOf("aibPipe1"));
        }

        /// <summary>
        /// Sessions that existed before the pipeline: 'keep' (bot 5) and 'other' (bot 6). Bot 3 fails. A loop stops
        /// there and never reaches bot 4 (named 'keep') or bot 6 (named 'x'), so 'keep' and 'other' stay connected.
        /// Piped, bot 4 replaced 'keep' and bot 6 took its bot from 'other' while bot 3 was still connecting; then
        /// both were closed again as "after the failure": the two old sessions were gone for nothing.
        /// </summary>
        [Fact]
        public void A_failure_never_costs_a_session_that_a_loop_would_not_have_reached()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(300);
            var before = _ps.Run("Connect-WecomBot -BotId aibPipe5 -Secret secret-5 -Name keep -Endpoint $endpoint\n"
                + "Connect-WecomBot -BotId aibPipe6 -Secret secret-6 -Name other -Endpoint $endpoint", Vars());
            Assert.Null(before.Terminating);

            var (handed, error) = RunCatching("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru",
                Vars(Bot(1), Bot(2), Bot(3, secret: "wrong-secret"), Bot(4, "keep"), Bot(6, "x")));

            Assert.NotNull(error);
            Assert.Equal("WecomAuthFailed,WecomPS.Cmdlets.ConnectWecomBotCommand", error.FullyQualifiedErrorId);
            Assert.Equal("bot aibPipe3 at " + _server.Endpoint, error.TargetObject);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, handed);
            Assert.True(SpinWait.SpinUntil(() => !Live("aibPipe4"), Wait));
            Assert.Equal(new[] { "keep", "other", "aibPipe1", "aibPipe2" }, SessionStore.All.Select(s => s.Name));
            Assert.Equal("aibPipe5", SessionStore.Get("keep").BotId);
            Assert.Equal(WecomSessionState.Connected, SessionStore.Get("keep").State);
            Assert.Equal(WecomSessionState.Connected, SessionStore.Get("other").State);
            Assert.True(Live("aibPipe5") && Live("aibPipe6"), "keep or other lost its connection at the double");
            Assert.Equal("aibPipe2", SessionStore.Default.Name);
        }

        /// <summary>
        /// In a loop, the command after Connect-WecomBot runs with the bot just connected as the default session and
        /// sees only the sessions connected so far. Piped, a bot that finished connecting in the background became
        /// the default (and showed in Get-WecomSession) while the downstream command still handled an earlier one:
        /// Send-WecomMessage without -Session went out as the wrong bot.
        /// </summary>
        [Fact]
        public void Downstream_works_with_the_session_just_handed_on_as_the_default()
        {
            // The upstream is slow, so bot 1 is handed on while bot 2 is connecting; the downstream then waits until
            // the double has accepted bot 2 and until the client could have registered it.
            var r = _ps.Run("$bots | ForEach-Object { $_; Start-Sleep -Milliseconds 300 } | "
                + "Connect-WecomBot -Endpoint $endpoint -PassThru | ForEach-Object {\n"
                + "  $next = 'aibPipe' + (1 + [int]$_.BotId.Substring(7))\n"
                + "  if ($next -ne 'aibPipe4') {\n"
                + "    for ($i = 0; $i -lt 200 -and $server.SubscribedConnectionIdsOf($next).Count -eq 0; $i++) { "
                + "Start-Sleep -Milliseconds 50 }\n"
                + "    for ($i = 0; $i -lt 20 -and -not (Get-WecomSession -Name $next -ErrorAction Ignore); $i++) { "
                + "Start-Sleep -Milliseconds 50 } }\n"
                + "  [pscustomobject]@{ Handed = $_.Name; Default = (Get-WecomSession -Default).Name; "
                + "Listed = (Get-WecomSession).Name -join ',' } }", Vars(Bot(1), Bot(2), Bot(3)));

            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var seen = r.Output.Select(o => (string)o.Properties["Handed"].Value + " default "
                + o.Properties["Default"].Value + " listed " + o.Properties["Listed"].Value).ToArray();
            Assert.Equal(new[]
            {
                "aibPipe1 default aibPipe1 listed aibPipe1",
                "aibPipe2 default aibPipe2 listed aibPipe1,aibPipe2",
                "aibPipe3 default aibPipe3 listed aibPipe1,aibPipe2,aibPipe3",
            }, seen);
        }

        /// <summary>
        /// A CSV row with an empty Secret cell ended the pipeline (WecomMissingCredentials, the bots before it
        /// connected, none after it), but a row with an empty BotId cell was only a non-terminating binding error:
        /// the pipeline went on and connected the bots after it. Both are the same bad record.
        /// </summary>
        [Theory]
        [InlineData("''")]
        [InlineData("$null")]
        public void An_empty_bot_id_in_the_middle_ends_the_pipeline_like_an_empty_secret(string empty)
        {
            var (handed, error) = RunCatching("$bots | ForEach-Object { if ($_.BotId -eq 'aibPipe2') { "
                + "$_.BotId = " + empty + " }; $_ } | Connect-WecomBot -Endpoint $endpoint -PassThru",
                Vars(Bot(1), Bot(2, "two"), Bot(3)));

            Assert.NotNull(error);
            Assert.Equal("WecomMissingCredentials,WecomPS.Cmdlets.ConnectWecomBotCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal("two", error.TargetObject);
            Assert.Equal(new[] { "aibPipe1" }, handed);
            Assert.Equal(new[] { "aibPipe1" }, SessionStore.All.Select(s => s.Name));
            Assert.DoesNotContain(_server.FramesFor("aibot_subscribe"), f => f.BodyString("bot_id") == "aibPipe3");
        }

        /// <summary>A bot whose subscribe is never acknowledged, in the middle: its timeout ends the pipeline, the
        /// bots before it stay, the ones after it are closed again.</summary>
        [Fact]
        public void A_bot_never_acknowledged_in_the_middle_times_out_and_names_itself()
        {
            _server.FaultWhen("aibot_subscribe", b => b.GetProperty("bot_id").GetString() == "aibPipe3",
                MockFault.LoseAck);
            var (handed, error) = RunCatching("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru -TimeoutSec 2",
                Vars(Bot(1), Bot(2), Bot(3), Bot(4), Bot(5)));

            Assert.NotNull(error);
            Assert.Equal("WecomConnectTimeout,WecomPS.Cmdlets.ConnectWecomBotCommand", error.FullyQualifiedErrorId);
            Assert.Equal("bot aibPipe3 at " + _server.Endpoint, error.TargetObject);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, handed);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, SessionStore.All.Select(s => s.Name));
            Assert.Equal("aibPipe2", SessionStore.Default.Name);
            Assert.True(SpinWait.SpinUntil(() => _server.ActiveConnectionCount == 2, Wait),
                _server.ActiveConnectionCount + " connections open");
        }

        /// <summary>Ctrl+C while the upstream command is busy (Connect-WecomBot is between two records, with bots
        /// connected but not handed on yet): only the sessions handed on stay, nothing else stays open.</summary>
        [Fact]
        public void CtrlC_between_two_records_leaves_only_what_was_handed_on()
        {
            var vars = Vars(Bot(1), Bot(2), Bot(3), Bot(4));
            vars["handed"] = new List<string>();
            using var ps = _ps.Begin("$bots | ForEach-Object { $_; if ($_.BotId -eq 'aibPipe3') { Start-Sleep 60 } } | "
                + "Connect-WecomBot -Endpoint $endpoint -PassThru | ForEach-Object { $handed.Add($_.Name) }", vars,
                out var run);
            Assert.True(SpinWait.SpinUntil(() => Live("aibPipe3"), Wait));
            ps.Stop();
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(run));

            var handed = (List<string>)vars["handed"];
            Assert.Equal(handed, SessionStore.All.Select(s => s.Name));
            Assert.True(SpinWait.SpinUntil(() => _server.ActiveConnectionCount == handed.Count, Wait),
                _server.ActiveConnectionCount + " connections open, handed on: " + string.Join(",", handed));
        }
    }
}
