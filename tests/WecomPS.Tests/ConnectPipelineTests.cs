using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Bots piped into Connect-WecomBot (the help's "Several bots can be piped in"): each one connects, several at a
    /// time, and the outcome is a loop's: sessions in input order, the last one the default, and on a failure or
    /// Ctrl+C nothing after it left connected. Before, the cmdlet connected in EndProcessing only: of six piped
    /// bots only the last one connected.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class ConnectPipelineTests : PipedBotsTests
    {
        private Dictionary<string, object> Vars(Func<int, string> secretOf = null) => new Dictionary<string, object>
        {
            ["endpoint"] = _server.Endpoint,
            ["bots"] = Enumerable.Range(1, BotCount).Select(i => Bot(i, secret: secretOf?.Invoke(i))).ToArray(),
        };

        private static string[] Names(PsResult r) =>
            r.Output.Select(o => ((WecomSession)o.BaseObject).BotId).ToArray();

        private string[] LiveBots() => AllBotIds.Where(Live).ToArray();

        /// <summary>The most subscribes the double held unanswered at once, from when it received each and when
        /// it sent each ack (decided at once, sent AckDelay later). The ack's send time is reckoned a little early:
        /// the double's Task.Delay runs on the monotonic timer, its record times are wall-clock, and on loopback the
        /// client's next subscribe can be recorded within the timer's slack of At + AckDelay, which counted a
        /// throttle of 3 as 4 to 6 in about one run in two on a 2-core machine. A real overrun sends its subscribes
        /// a whole AckDelay early, far outside this slack.</summary>
        private int MostSubscribesOutstanding()
        {
            var delay = _server.Options.AckDelay - TimeSpan.FromMilliseconds(20);
            var events = _server.FramesFor("aibot_subscribe").Select(f => (At: f.At, Step: +1))
                .Concat(_server.Acks.Where(a => a.Cmd == "aibot_subscribe").Select(a => (At: a.At + delay, Step: -1)))
                .OrderBy(e => e.At).ThenBy(e => e.Step);   // at the same instant the ack counts first
            int now = 0, most = 0;
            foreach (var e in events) { now += e.Step; most = Math.Max(most, now); }
            return most;
        }

        [Fact]
        public void Piped_bots_all_connect_a_few_at_a_time_and_come_out_in_input_order()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(300);
            var r = _ps.Run("$bots | Connect-WecomBot -Endpoint $endpoint -ThrottleLimit 3 -PassThru", Vars());

            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal(AllBotIds, Names(r));
            Assert.All(r.Output, o => Assert.Equal(WecomSessionState.Connected, ((WecomSession)o.BaseObject).State));
            Assert.Equal(AllBotIds, LiveBots());
            // Overlapped, and never more than the throttle: with 300 ms per ack three were always waiting together.
            Assert.Equal(3, MostSubscribesOutstanding());
            // The last bot piped in is the default, as after a loop, whichever finished last.
            Assert.Equal("aibPipe6", SessionStore.Default.BotId);
            Assert.Equal(6, SessionStore.All.Count);
        }

        [Fact]
        public void ThrottleLimit_1_connects_one_after_another()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(50);
            var r = _ps.Run("$bots | Connect-WecomBot -Endpoint $endpoint -ThrottleLimit 1 -PassThru", Vars());
            Assert.Null(r.Terminating);
            Assert.Equal(AllBotIds, Names(r));
            Assert.Equal(1, MostSubscribesOutstanding());
        }

        [Fact]
        public void Without_PassThru_nothing_is_written_and_every_bot_is_connected()
        {
            var r = _ps.Run("$bots | Connect-WecomBot -Endpoint $endpoint", Vars());
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            Assert.Equal(AllBotIds, LiveBots());
        }

        [Fact]
        public void A_failing_bot_keeps_the_ones_before_it_and_leaves_none_after_it_connected()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(100);
            var (handed, error, r) = RunCatching("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru",
                Vars(i => i == 3 ? "wrong-secret" : null));

            Assert.NotNull(error);
            Assert.Equal("WecomAuthFailed,WecomPS.Cmdlets.ConnectWecomBotCommand", error.FullyQualifiedErrorId);
            Assert.Equal("bot aibPipe3 at " + _server.Endpoint, error.TargetObject);
            Assert.DoesNotContain(r.AllText().Append(error + " " + error.Exception),
                t => t.Contains("wrong-secret") || t.Contains("secret-4"));
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, handed);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, SessionStore.All.Select(s => s.BotId));
            Assert.Equal("aibPipe2", SessionStore.Default.BotId);
            // Bots 4-6 were connecting beside bot 3: cancelled, or closed again once they had connected.
            Assert.True(SpinWait.SpinUntil(() => LiveBots().Length == 2, Wait), string.Join(",", LiveBots()));
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, LiveBots());
        }

        [Fact]
        public void A_bad_record_connects_the_bots_before_it_first_then_ends_the_pipeline()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(200);
            var (handed, error, _) = RunCatching("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru",
                Vars(i => i == 4 ? "" : null));

            Assert.NotNull(error);
            Assert.Equal("WecomMissingCredentials,WecomPS.Cmdlets.ConnectWecomBotCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal("aibPipe4", error.TargetObject);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2", "aibPipe3" }, handed);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2", "aibPipe3" }, LiveBots());
            Assert.DoesNotContain(_server.FramesFor("aibot_subscribe"), f => f.BodyString("bot_id") == "aibPipe5");
        }

        [Fact]
        public void An_error_downstream_leaves_only_the_sessions_handed_on_connected()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(100);
            var (handed, error, _) = RunCatching("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru | "
                + "ForEach-Object { $_; if ($_.BotId -eq 'aibPipe2') { throw 'the script stops here' } }", Vars());

            Assert.Equal("the script stops here", error?.Exception.Message);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, handed);
            Assert.True(SpinWait.SpinUntil(() => LiveBots().Length == 2, Wait), string.Join(",", LiveBots()));
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, SessionStore.All.Select(s => s.BotId));
        }

        [Fact]
        public void CtrlC_while_bots_connect_leaves_none_of_the_unfinished_ones_connected()
        {
            _server.Options.AckDelay = TimeSpan.FromSeconds(3);
            using var ps = _ps.Begin("$bots | Connect-WecomBot -Endpoint $endpoint -PassThru", Vars(), out var run);
            Assert.True(SpinWait.SpinUntil(() => _server.FramesFor("aibot_subscribe").Count >= 6, Wait));
            ps.Stop();
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(run));

            Assert.Empty(SessionStore.All);
            Assert.True(SpinWait.SpinUntil(() => _server.ActiveConnectionCount == 0, Wait),
                _server.ActiveConnectionCount + " connections still open");
        }

        [Fact]
        public void A_repeated_name_replaces_the_earlier_session_after_it_connected_as_a_loop_would()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(200);
            var r = _ps.Run("$bots | Select-Object -First 3 | ForEach-Object { [pscustomobject]@{ BotId = $_.BotId; "
                + "Secret = $_.Secret; Name = 'ops' } } | Connect-WecomBot -Endpoint $endpoint -PassThru", Vars());

            Assert.Null(r.Terminating);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2", "aibPipe3" }, Names(r));
            var ops = Assert.Single(SessionStore.All);
            Assert.Equal("ops", ops.Name);
            Assert.Equal("aibPipe3", ops.BotId);
            Assert.True(SpinWait.SpinUntil(() => LiveBots().Length == 1, Wait), string.Join(",", LiveBots()));
            Assert.Equal(1, MostSubscribesOutstanding());
        }

        [Fact]
        public void PSCredential_objects_piped_in_are_bots_too()
        {
            var creds = new[] { 1, 2 }.Select(i =>
            {
                var s = new SecureString();
                foreach (var c in SecretOf(i)) s.AppendChar(c);
                return new PSCredential(BotId(i), s);
            }).ToArray();
            var r = _ps.Run("$creds | Connect-WecomBot -Endpoint $endpoint -PassThru",
                new Dictionary<string, object> { ["creds"] = creds, ["endpoint"] = _server.Endpoint });
            Assert.Null(r.Terminating);
            Assert.Equal(new[] { "aibPipe1", "aibPipe2" }, Names(r));
        }

        [Fact]
        public void WhatIf_with_piped_bots_opens_no_connection()
        {
            var r = _ps.Run("$bots | Connect-WecomBot -Endpoint $endpoint -WhatIf -PassThru", Vars());
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            Assert.Empty(SessionStore.All);
            Assert.Equal(0, _server.TotalConnections);
        }

        [Fact]
        public void Plain_text_secrets_from_a_CSV_bind_and_are_noted_once_in_Verbose()
        {
            var r = _ps.Run("$bots | ConvertTo-Csv | ConvertFrom-Csv | Connect-WecomBot -Endpoint $endpoint "
                + "-PassThru -Verbose", Vars());
            Assert.Null(r.Terminating);
            Assert.Equal(AllBotIds, Names(r));
            Assert.Single(r.Verbose, v => v.Contains("plain text"));
            Assert.DoesNotContain(r.AllText(), t => Enumerable.Range(1, BotCount).Any(i => t.Contains(SecretOf(i))));
        }
    }
}
