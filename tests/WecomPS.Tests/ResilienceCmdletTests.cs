using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Net.NetworkInformation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>What a user sees of the session's resilience through the cmdlets: errors, Verbose, events, listing, module removal.</summary>
    [Collection("PowerShell")]
    public sealed class ResilienceCmdletTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly List<WecomMockServer> _others = new List<WecomMockServer>();
        private readonly PowerShellHost _ps = new PowerShellHost();

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            foreach (var s in _others) { Assert.Empty(s.Violations); s.Dispose(); }
        }

        private WecomMockServer Another()
        {
            var s = WecomMockServer.Start(new MockServerOptions { BotId = "aib-other-" + _others.Count });
            _others.Add(s);
            return s;
        }

        private static Dictionary<string, object> Vars(WecomMockServer server) =>
            new Dictionary<string, object> { ["botId"] = server.BotId, ["secret"] = server.Secret, ["endpoint"] = server.Endpoint };

        private WecomSession ConnectNamed(WecomMockServer server, string name, string extra = "")
        {
            var r = _ps.Run("Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -Name " + name + " -PassThru " + extra, Vars(server));
            Assert.True(r.Terminating == null, "Connect failed: " + r.Terminating);
            return (WecomSession)r.Output.Single().BaseObject;
        }

        // A fixed delay on purpose: the fault must come while the cmdlet is already waiting, which nothing outside
        // the cmdlet shows.
        private static Task Later(int ms, Action action) => Task.Run(() => { Thread.Sleep(ms); action(); });

        [Fact]
        public void Receive_Wait_ends_with_a_non_terminating_error_when_another_connection_takes_over()
        {
            _ps.Connect(_server);
            _server.PushText("queued", msgId: "q1");
            var takeover = Later(1000, () => _server.SendDisconnectedEvent());
            var clock = Stopwatch.StartNew();
            var r = _ps.Run("Receive-WecomMessage -Wait -Timeout 30");
            takeover.Wait(Wait);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "Receive -Wait did not end on the takeover: " + clock.Elapsed);
            Assert.Null(r.Terminating);
            var error = Assert.Single(r.Errors);
            Assert.StartsWith("WecomSessionSuperseded", error.FullyQualifiedErrorId);
            Assert.Contains("Another connection took over bot " + _server.BotId, error.Exception.Message);
            Assert.Equal(new[] { "q1" }, r.Output.Select(o => o.BaseObject).OfType<WecomPS.Message.Text>().Select(m => m.MsgId));
            Assert.Single(r.Output.Select(o => o.BaseObject).OfType<WecomPS.Event.Disconnected>());

            var send = _ps.Run("Send-WecomMessage -ChatId lisi -Content 'after the takeover'");
            Assert.StartsWith("WecomSessionSuperseded", Assert.Single(send.Errors).FullyQualifiedErrorId);
            Assert.Equal("Superseded", _ps.Run("(Get-WecomSession).State").Output.Single().ToString());
        }

        [Fact]
        public void Receive_Wait_Verbose_shows_the_state_changes_of_a_reconnect_and_keeps_receiving()
        {
            _ps.Connect(_server);
            var faults = Later(800, () =>
            {
                var pushedTo = SessionStore.Default;
                _server.PushText("before", msgId: "before");
                Assert.True(SessionHarness.Eventually(() => pushedTo.MessagesReceived == 1, Wait),
                    "'before' was not received");
                _server.CloseConnections();
                // The reader runs before the session says Connected: wait for the state, so its Verbose line comes first.
                var session = SessionStore.Default;
                Assert.True(SessionHarness.Eventually(() => session.Reconnects == 1 && session.State == WecomSessionState.Connected, Wait));
                _server.PushText("after", msgId: "after");
            });
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 2 -Timeout 20 -Verbose");
            faults.Wait(Wait);
            Assert.Equal(new[] { "before", "after" }, r.Output.Select(o => ((WecomMessage)o.BaseObject).MsgId));
            Assert.Contains(r.Verbose, v => v.Contains("Connected -> Reconnecting"));
            Assert.Contains(r.Verbose, v => v.Contains("Reconnecting -> Connected"));
            Assert.Empty(r.Errors);
        }

        [Fact]
        public void Register_ObjectEvent_receives_StateChanged_and_MessageReceived()
        {
            _ps.Connect(_server);
            var r = _ps.Run(@"$s = Get-WecomSession
                $null = Register-ObjectEvent -InputObject $s -EventName StateChanged -SourceIdentifier wecom.state
                $null = Register-ObjectEvent -InputObject $s -EventName MessageReceived -SourceIdentifier wecom.msg");
            Assert.Empty(r.Errors);
            _server.PushText("hello", msgId: "evt-1");
            _server.DropConnections();
            Assert.True(_server.WaitForSubscribeCount(2, Wait));

            r = _ps.Run(@"$m = Wait-Event -SourceIdentifier wecom.msg -Timeout 10
                $m.SourceEventArgs.Message.MsgId
                Remove-Event -SourceIdentifier wecom.msg
                $deadline = (Get-Date).AddSeconds(10)
                while (@(Get-Event -SourceIdentifier wecom.state -ErrorAction Ignore).Count -lt 2 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
                Get-Event -SourceIdentifier wecom.state | ForEach-Object { '' + $_.SourceEventArgs.OldState + '->' + $_.SourceEventArgs.NewState }
                Unregister-Event wecom.state; Unregister-Event wecom.msg");
            Assert.Empty(r.Errors);
            Assert.Equal("evt-1", r.Output[0].ToString());
            Assert.Equal(new[] { "Connected->Reconnecting", "Reconnecting->Connected" }, r.Output.Skip(1).Select(o => o.ToString()));
        }

        [Fact]
        public void Get_WecomSession_lists_each_named_session_with_its_figures()
        {
            var other = Another();
            var a = ConnectNamed(_server, "alpha");
            ConnectNamed(other, "beta");
            _server.PushText("one", msgId: "d1");
            _server.PushText("one again", msgId: "d1");
            Assert.True(SessionHarness.Eventually(() => a.DuplicatesDropped == 1, Wait));
            _server.DropConnections();
            Assert.True(SessionHarness.Eventually(() => a.Reconnects == 1 && a.State == WecomSessionState.Connected, Wait));

            var r = _ps.Run("Get-WecomSession | Select-Object BotId, Name, State, Endpoint, ConnectedSince, Reconnects, MessagesReceived, DuplicatesDropped, InboxCount, Dropped, LastError, LastHeartbeatRtt");
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Output.Count);
            var alpha = r.Output.Single(o => (string)o.Properties["Name"].Value == "alpha");
            Assert.Equal(_server.BotId, alpha.Properties["BotId"].Value);
            Assert.Equal(WecomSessionState.Connected, alpha.Properties["State"].Value);
            Assert.Equal(_server.Endpoint, alpha.Properties["Endpoint"].Value);
            Assert.NotNull(alpha.Properties["ConnectedSince"].Value);
            Assert.Equal(1, alpha.Properties["Reconnects"].Value);
            Assert.Equal(1L, alpha.Properties["MessagesReceived"].Value);
            Assert.Equal(1L, alpha.Properties["DuplicatesDropped"].Value);
            Assert.Equal(1, alpha.Properties["InboxCount"].Value);
            Assert.Equal(0L, alpha.Properties["Dropped"].Value);
            Assert.NotNull(alpha.Properties["LastError"].Value);   // why it reconnected
            Assert.Contains(alpha.Properties.Select(p => p.Name), n => n == "LastHeartbeatRtt");

            var beta = _ps.Run("Get-WecomSession -Name beta").Output.Single().BaseObject as WecomSession;
            Assert.Equal(other.BotId, beta.BotId);
            var table = _ps.Run("Get-WecomSession | Out-String").Output.Single().ToString();
            Assert.Contains("alpha", table);
            Assert.Contains("beta", table);
        }

        [Fact]
        public void Connecting_again_with_a_name_in_use_closes_the_old_socket_before_subscribing_the_new_one()
        {
            var order = new ConcurrentQueue<string>();
            _server.ConnectionClosed += id => order.Enqueue("closed " + id);
            _server.FrameReceived += f => { if (f.Cmd == "aibot_subscribe") order.Enqueue("subscribe " + f.ConnectionId); };
            var first = ConnectNamed(_server, "main");
            var second = ConnectNamed(_server, "main");
            Assert.NotSame(first, second);
            Assert.Equal(WecomSessionState.Disconnected, first.State);
            Assert.Equal(WecomSessionState.Connected, second.State);
            Assert.Equal(new[] { "subscribe 1", "closed 1", "subscribe 2" }, order.Take(3));
            Assert.Same(second, Assert.Single(_ps.Run("Get-WecomSession").Output).BaseObject);
        }

        [Fact]
        public void A_full_inbox_drops_the_oldest_and_the_next_Receive_warns_once()
        {
            ConnectNamed(_server, "small", "-InboxCapacity 2");
            for (int i = 1; i <= 4; i++) _server.PushText("m" + i, msgId: "m" + i);
            Assert.True(SessionHarness.Eventually(() => SessionStore.Get("small").MessagesReceived == 4, Wait));
            var r = _ps.Run("Receive-WecomMessage");
            Assert.Equal(new[] { "m3", "m4" }, r.Output.Select(o => ((WecomMessage)o.BaseObject).MsgId));
            var warning = Assert.Single(r.Warnings);
            Assert.Contains("2 oldest message(s) were dropped", warning);
            Assert.Equal(2L, _ps.Run("(Get-WecomSession).Dropped").Output.Single().BaseObject);
            Assert.Empty(_ps.Run("Receive-WecomMessage").Warnings);
        }

        [Fact]
        public void Send_errors_name_rate_limits_and_unknown_delivery_distinctly()
        {
            _ps.Connect(_server);
            _server.FailNext("aibot_send_msg", 846607, "aibot send msg frequency limit exceeded");
            var limited = Assert.Single(_ps.Run("Send-WecomMessage -ChatId wrGroup7 -Content hi").Errors);
            Assert.StartsWith("WecomRateLimited", limited.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.LimitsExceeded, limited.CategoryInfo.Category);
            Assert.Contains("wrGroup7", limited.Exception.Message);

            _server.DropConnectionOnNext("aibot_send_msg");
            var unknown = Assert.Single(_ps.Run("Send-WecomMessage -ChatId lisi -Content hi").Errors);
            Assert.StartsWith("WecomDeliveryUnknown", unknown.FullyQualifiedErrorId);
            Assert.Contains("delivery is unknown", unknown.Exception.Message);
        }

        [Fact]
        public void A_send_while_reconnecting_waits_within_TimeoutSec_then_fails_clearly()
        {
            _ps.Connect(_server);
            _server.RefuseConnections = true;
            _server.DropConnections();
            Assert.True(SessionHarness.Eventually(() => SessionStore.Default.State == WecomSessionState.Reconnecting, Wait));
            var r = _ps.Run("Send-WecomMessage -ChatId lisi -Content hi -TimeoutSec 1 -Verbose");
            var e = Assert.Single(r.Errors);
            Assert.StartsWith("WecomNotConnected", e.FullyQualifiedErrorId);
            Assert.Contains("did not reconnect within 1 s", e.Exception.Message);
            Assert.Contains(r.Verbose, v => v.Contains("waits for the session to reconnect"));

            var back = Later(700, () => _server.RefuseConnections = false);
            r = _ps.Run("Send-WecomMessage -ChatId lisi -Content hi -TimeoutSec 30");
            back.Wait(Wait);
            Assert.Empty(r.Errors);
            Assert.Single(_server.FramesFor("aibot_send_msg"));
        }

        [Fact]
        public void No_secret_reaches_Verbose_Debug_or_errors_across_reconnects_and_auth_failure()
        {
            _ps.Connect(_server);
            var faults = Later(500, () =>
            {
                _server.DropConnections();
                Assert.True(_server.WaitForSubscribeCount(2, Wait));
                _server.RejectNextSubscribes(1);
                _server.DropConnections();
            });
            var r = _ps.Run("Receive-WecomMessage -Wait -Timeout 20 -Verbose -Debug");
            faults.Wait(Wait);
            var failed = Assert.Single(r.Errors);
            Assert.StartsWith("WecomSessionFailed", failed.FullyQualifiedErrorId);
            Assert.Contains("853000", failed.Exception.Message);
            Assert.Contains(r.Verbose, v => v.Contains("-> Failed"));
            Assert.Contains(r.Debug, d => d.Contains("aibot_subscribe"));
            Assert.DoesNotContain(r.AllText(), t => t.Contains(_server.Secret));
            var session = SessionStore.Default;
            Assert.DoesNotContain(_server.Secret, session.ToString());
            Assert.DoesNotContain(_server.Secret, session.LastError);
        }

        [Fact]
        public void Remove_Module_closes_two_live_sessions_and_leaves_no_task_or_socket_behind()
        {
            var other = Another();
            var a = ConnectNamed(_server, "one", "-HeartbeatIntervalSec 1");
            var b = ConnectNamed(other, "two", "-HeartbeatIntervalSec 1");
            Assert.Equal(2, SessionStore.All.Count);
            Assert.True(EstablishedTo(_server.Port) + EstablishedTo(other.Port) >= 2);

            var r = _ps.Run("Remove-Module WecomPS");
            Assert.Empty(r.Errors);
            Assert.Equal(WecomSessionState.Disconnected, a.State);
            Assert.Equal(WecomSessionState.Disconnected, b.State);
            Assert.Empty(SessionStore.All);
            Assert.True(_server.WaitForConnectionCount(0, Wait));
            Assert.True(other.WaitForConnectionCount(0, Wait));
            Assert.True(SessionHarness.Eventually(() => a.BackgroundTaskCount == 0 && b.BackgroundTaskCount == 0, Wait),
                "tasks left: " + a.BackgroundTaskCount + " + " + b.BackgroundTaskCount);
            Assert.True(SessionHarness.Eventually(() => EstablishedTo(_server.Port) + EstablishedTo(other.Port) == 0, Wait), "a TCP connection is still open");
            Thread.Sleep(1500);   // asserts that nothing happens: a heartbeat left running would have fired by now
            Assert.Equal(0, a.BackgroundTaskCount + b.BackgroundTaskCount);
        }

        /// <summary>Established TCP connections (either direction) on loopback to or from this port.</summary>
        private static int EstablishedTo(int port) =>
            IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections()
                .Count(c => c.State == TcpState.Established && (c.RemoteEndPoint.Port == port || c.LocalEndPoint.Port == port));
    }
}
