using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>The core session against the double's faults: closes, resets, silence, auth, takeover, lost acks, bad frames.</summary>
    public sealed class SessionResilienceTests
    {
        private static readonly TimeSpan Wait = SessionHarness.Wait;

        private static Task<InboundFrameResult> Send(WecomSession s, string chatId, string text, TimeSpan? timeout = null) =>
            Capture(MessageSender.SendMarkdownAsync(s, chatId, text, null, null, CancellationToken.None, timeout));

        private sealed class InboundFrameResult
        {
            public Exception Error;
            public bool Ok => Error == null;
        }

        private static async Task<InboundFrameResult> Capture(Task task)
        {
            try { await task.ConfigureAwait(false); return new InboundFrameResult(); }
            catch (Exception e) { return new InboundFrameResult { Error = e }; }
        }

        private static InboundFrameResult Done(Task<InboundFrameResult> t)
        {
            Assert.True(t.Wait(Wait), "the send did not finish in time");
            return t.Result;
        }

        // ------------------------------------------------------------ closes and resets

        [Fact]
        public void Server_close_while_idle_reconnects_at_once_and_subscribes_again()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.CloseConnections(WebSocketCloseStatus.EndpointUnavailable, "going away");
                h.WaitForReconnects(1);
                Assert.True(h.Server.WaitForSubscribeCount(2, Wait));
                Assert.Equal(1, h.Server.ActiveConnectionCount);
                Assert.Contains(h.States, e => e.OldState == WecomSessionState.Connected && e.NewState == WecomSessionState.Reconnecting);
                Assert.True(h.Log.Has("Connected -> Reconnecting"), string.Join("\n", h.Log.Lines));
                Assert.True(h.Log.Has("Reconnecting -> Connected"));
                Assert.Contains("server closed", s.LastError);
            }
        }

        [Fact]
        public void State_changes_reach_StateChanged_handlers_in_order()
        {
            using (var h = new SessionHarness())
            {
                h.Connect();
                for (int i = 1; i <= 5; i++)
                {
                    h.Server.DropConnections();
                    h.WaitForReconnects(i);
                }
                Assert.True(SessionHarness.Eventually(() => h.States.Count >= 11, Wait));
                var seen = h.States.ToList();
                // Each change starts where the previous one ended: no event overtook another.
                for (int i = 1; i < seen.Count; i++) Assert.Equal(seen[i - 1].NewState, seen[i].OldState);
                Assert.Equal(WecomSessionState.Connecting, seen[0].OldState);
            }
        }

        [Fact]
        public void Server_close_mid_receive_keeps_every_message_in_the_inbox()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                for (int i = 0; i < 200; i++) h.Server.PushText("before " + i, msgId: "b" + i);
                h.WaitForInbox(200);
                var pushing = Task.Run(() => { for (int i = 0; i < 200; i++) h.Server.PushText("racing " + i, msgId: "r" + i); });
                h.Server.CloseConnections();
                try { pushing.Wait(Wait); } catch (AggregateException) { /* no subscribed connection for a moment */ }
                h.WaitForReconnects(1);
                h.Server.PushText("after", msgId: "after");
                Assert.True(SessionHarness.Eventually(() => h.Session.Inbox.TryTake(m => m.MsgId == "after", out _), Wait));
                var all = h.Drain();
                Assert.Equal(Enumerable.Range(0, 200).Select(i => "b" + i), all.Where(m => m.MsgId.StartsWith("b")).Select(m => m.MsgId));
                Assert.Equal(WecomSessionState.Connected, s.State);
            }
        }

        [Fact]
        public void Tcp_reset_reconnects_and_sends_work_again()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.DropConnections();
                h.WaitForReconnects(1);
                Assert.True(Done(Send(s, "lisi", "after the reset")).Ok);
            }
        }

        [Fact]
        public void Reconnect_attempts_back_off_and_give_up_after_MaxReconnectAttempts()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.MaxReconnectAttempts = 3);
                h.Server.RefuseConnections = true;
                h.Server.DropConnections();
                h.WaitForState(WecomSessionState.Failed);
                Assert.Contains("3 reconnect attempts", s.LastError);
                Assert.Equal(0, s.Reconnects);
            }
        }

        [Fact]
        public void Backoff_is_zero_first_then_full_jitter_under_an_exponential_cap()
        {
            var s = new WecomSession(new WecomSessionOptions
            {
                BotId = "b", Secret = SessionHarness.Secure("s"),
                ReconnectDelayBase = TimeSpan.FromSeconds(1), ReconnectDelayMax = TimeSpan.FromSeconds(30),
            });
            Assert.Equal(TimeSpan.Zero, s.NextDelay(0));
            for (int attempt = 1; attempt < 12; attempt++)
            {
                var ceiling = Math.Min(30, Math.Pow(2, attempt - 1));
                var delays = Enumerable.Range(0, 200).Select(_ => s.NextDelay(attempt).TotalSeconds).ToList();
                Assert.All(delays, d => Assert.InRange(d, 0, ceiling));
                Assert.True(delays.Max() - delays.Min() > ceiling / 4, "delays should spread over [0, ceiling]");
            }
            s.Dispose();
        }

        // ------------------------------------------------------------ silence (half-open sockets)

        [Fact]
        public void Silent_server_is_declared_dead_after_two_heartbeats_and_a_margin_then_reconnects()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.ConnectTimeout = TimeSpan.FromSeconds(2); });
                Assert.Equal(TimeSpan.FromSeconds(2.5), h.Options(o => o.HeartbeatInterval = TimeSpan.FromSeconds(1)).DeadAfter);
                Assert.True(SessionHarness.Eventually(() => s.LastHeartbeatRtt != null, Wait),
                    "no ping was acked while the server talked");
                var clock = Stopwatch.StartNew();
                h.Server.Silent = true;
                h.WaitForState(WecomSessionState.Reconnecting, TimeSpan.FromSeconds(20));
                var detected = clock.Elapsed;
                Assert.True(detected < TimeSpan.FromSeconds(15), "dead link noticed after " + detected);
                Assert.True(h.Log.Has("half-open"));
                h.Server.Silent = false;
                h.WaitForReconnects(1, TimeSpan.FromSeconds(20));
            }
        }

        // ------------------------------------------------------------ authentication

        [Fact]
        public void Auth_rejected_on_first_connect_fails_at_once_without_retrying()
        {
            using (var h = new SessionHarness())
            {
                h.Server.RejectNextSubscribes(1);
                var s = h.Create();
                var e = Assert.Throws<AggregateException>(() => s.ConnectAsync(CancellationToken.None).Wait(Wait)).InnerException;
                var auth = Assert.IsType<WecomCommandException>(e);
                Assert.Equal(853000, auth.ErrCode);
                Assert.Equal("WecomAuthFailed", auth.ErrorId);
                Assert.Equal(WecomSessionState.Failed, s.State);
                Assert.Equal(853000, s.LastErrorCode);
                Thread.Sleep(500);   // asserts that nothing happens: a retry would come within this period
                Assert.Single(h.Server.FramesFor("aibot_subscribe"));
                Assert.True(h.Server.WaitForConnectionCount(0, Wait), "the rejected socket is closed by the client");
            }
        }

        [Fact]
        public void Auth_rejected_on_a_reconnect_stops_with_Failed_and_keeps_errcode_and_errmsg()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.RejectNextSubscribes(1);
                h.Server.DropConnections();
                h.WaitForState(WecomSessionState.Failed);
                Assert.Equal(853000, s.LastErrorCode);
                Assert.Contains("853000", s.LastError);
                Assert.Contains("invalid bot_id or secret", s.LastError);
                Thread.Sleep(800);   // asserts that nothing happens: a further try would come within this period
                Assert.Equal(2, h.Server.FramesFor("aibot_subscribe").Count);   // no further tries
                Assert.True(h.Server.WaitForConnectionCount(0, Wait));
                var r = Done(Send(s, "lisi", "x"));
                Assert.Equal("WecomSessionFailed", ((WecomException)r.Error).ErrorId);
            }
        }

        [Fact]
        public void A_transient_refusal_of_subscribe_on_a_reconnect_is_retried()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.RejectNextSubscribes(2, errcode: -1, errmsg: "system error");
                h.Server.DropConnections();
                h.WaitForReconnects(1);
                Assert.Equal(4, h.Server.FramesFor("aibot_subscribe").Count);
                Assert.Null(s.LastErrorCode);
            }
        }

        // ------------------------------------------------------------ takeover

        [Fact]
        public void Disconnected_event_supersedes_the_session_which_never_reconnects()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.PushText("queued before the takeover");
                h.WaitForInbox(1);
                h.Server.SendDisconnectedEvent();
                h.WaitForState(WecomSessionState.Superseded);
                Assert.Contains("took over", s.LastError);
                Thread.Sleep(800);   // asserts that nothing happens: a superseded session must not reconnect
                Assert.Equal(1, h.Server.SuccessfulSubscribes);
                Assert.True(h.Server.WaitForConnectionCount(0, Wait));
                var messages = h.Drain();
                Assert.IsType<WecomPS.Message.Text>(messages[0]);
                Assert.IsType<WecomPS.Event.Disconnected>(messages[1]);

                var r = Done(Send(s, "lisi", "x"));
                var error = Assert.IsAssignableFrom<WecomException>(r.Error);
                Assert.Equal("WecomSessionSuperseded", error.ErrorId);
                Assert.Contains("Another connection took over", error.Message);
                Assert.Empty(h.Server.FramesFor("aibot_send_msg"));
            }
        }

        [Fact]
        public void A_send_waiting_for_its_ack_when_the_takeover_comes_reports_delivery_unknown()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.Options.AckDelay = TimeSpan.FromSeconds(2);
                var sending = Send(s, "lisi", "in flight");
                h.Server.WaitForFrame("aibot_send_msg", Wait);
                h.Server.SendDisconnectedEvent();
                var e = Assert.IsType<WecomDeliveryUnknownException>(Done(sending).Error);
                Assert.Contains("took over", e.Message);
                Assert.Equal(WecomSessionState.Superseded, s.State);
            }
        }

        [Fact]
        public void A_second_session_of_the_same_bot_kicks_the_first()
        {
            using (var h = new SessionHarness())
            {
                var first = h.Connect();
                using (var second = new WecomSession(h.Options(o => o.Name = "second")))
                {
                    second.ConnectAsync(CancellationToken.None).Wait(Wait);
                    SessionHarness.WaitForState(first, WecomSessionState.Superseded);
                    Thread.Sleep(500);   // asserts that nothing happens: the first session does not take it back
                    Assert.Equal(WecomSessionState.Connected, second.State);
                    Assert.Equal(2, h.Server.SuccessfulSubscribes);
                    Assert.True(Done(Send(second, "lisi", "still here")).Ok);
                }
            }
        }

        // ------------------------------------------------------------ commands and acks

        [Fact]
        public void Errcode_846609_on_a_send_reconnects_and_sends_once_more()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.FailNext("aibot_send_msg", 846609, "aibot websocket not subscribed");
                Assert.True(Done(Send(s, "lisi", "hello")).Ok);
                var sends = h.Server.FramesFor("aibot_send_msg");
                Assert.Equal(2, sends.Count);
                Assert.Equal(846609, sends[0].AckErrcode);
                Assert.Equal(0, sends[1].AckErrcode);
                Assert.NotEqual(sends[0].ConnectionId, sends[1].ConnectionId);
                Assert.True(s.Reconnects >= 1);
            }
        }

        [Fact]
        public void Errcode_846609_twice_is_reported_not_looped()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.FailNext("aibot_send_msg", 846609, "aibot websocket not subscribed", count: 2);
                var r = Done(Send(s, "lisi", "hello"));
                Assert.Equal("WecomNotSubscribed", ((WecomException)r.Error).ErrorId);
                Assert.Equal(2, h.Server.FramesFor("aibot_send_msg").Count);
            }
        }

        [Fact]
        public void An_ack_that_never_arrives_fails_after_the_timeout_as_delivery_unknown_and_is_not_resent()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.LoseAckOfNext("aibot_send_msg");
                var clock = Stopwatch.StartNew();
                var r = Done(Send(s, "lisi", "hello", TimeSpan.FromSeconds(1)));
                var e = Assert.IsAssignableFrom<WecomException>(r.Error);
                Assert.Equal("WecomAckTimeout", e.ErrorId);
                Assert.Contains("delivery is unknown", e.Message);
                Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 10);
                Thread.Sleep(300);   // asserts that nothing happens: no resend of a frame that may have arrived
                Assert.Single(h.Server.FramesFor("aibot_send_msg"));
                Assert.Equal(WecomSessionState.Connected, s.State);
                Assert.True(Done(Send(s, "lisi", "next")).Ok);
            }
        }

        [Fact]
        public void A_socket_dying_between_write_and_ack_reports_delivery_unknown_and_does_not_resend()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.DropConnectionOnNext("aibot_send_msg");
                var r = Done(Send(s, "lisi", "hello"));
                var e = Assert.IsType<WecomDeliveryUnknownException>(r.Error);
                Assert.Equal("WecomDeliveryUnknown", e.ErrorId);
                Assert.Contains("delivery is unknown", e.Message);
                h.WaitForReconnects(1);
                Thread.Sleep(300);   // asserts that nothing happens: no resend after the reconnect
                Assert.Single(h.Server.FramesFor("aibot_send_msg"));
            }
        }

        [Fact]
        public void A_send_issued_while_reconnecting_waits_for_the_connection()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.RefuseConnections = true;
                h.Server.DropConnections();
                h.WaitForState(WecomSessionState.Reconnecting);
                var sending = Send(s, "lisi", "queued while down", TimeSpan.FromSeconds(20));
                Thread.Sleep(700);   // asserts that nothing happens: the send waits while the server refuses
                Assert.False(sending.IsCompleted);
                h.Server.RefuseConnections = false;
                Assert.True(Done(sending).Ok, "" + sending.Result.Error);
                Assert.True(h.Log.Has("waits for the session to reconnect"));
                var sent = Assert.Single(h.Server.FramesFor("aibot_send_msg"));
                Assert.Equal(0, sent.AckErrcode);
            }
        }

        [Fact]
        public void A_send_while_reconnecting_fails_clearly_when_its_timeout_passes()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.RefuseConnections = true;
                h.Server.DropConnections();
                h.WaitForState(WecomSessionState.Reconnecting);
                var clock = Stopwatch.StartNew();
                var r = Done(Send(s, "lisi", "nowhere to go", TimeSpan.FromSeconds(1)));
                var e = Assert.IsAssignableFrom<WecomException>(r.Error);
                Assert.Equal("WecomNotConnected", e.ErrorId);
                Assert.Contains("was not sent", e.Message);
                Assert.Contains("did not reconnect within 1 s", e.Message);
                Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 10);
                h.Server.RefuseConnections = false;
                h.WaitForReconnects(1);
                Thread.Sleep(300);   // asserts that nothing happens: the abandoned send is not written late
                Assert.Empty(h.Server.FramesFor("aibot_send_msg"));   // never sent late behind the caller's back
            }
        }

        [Fact]
        public void Rate_limit_errcode_is_its_own_error_naming_the_conversation()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.FailNext("aibot_send_msg", 846607, "aibot send msg frequency limit exceeded");
                var e = Assert.IsType<WecomCommandException>(Done(Send(s, "wrGroup42", "x")).Error);
                Assert.Equal("WecomRateLimited", e.ErrorId);
                Assert.Equal(ErrorCategory.LimitsExceeded, e.Category);
                Assert.Contains("wrGroup42", e.Message);
            }
        }

        [Fact]
        public void Sends_to_one_conversation_wait_for_pacing_instead_of_being_refused()
        {
            using (var h = new SessionHarness(new MockServerOptions { RateLimitPerMinute = 3 }))
            {
                var start = DateTime.UtcNow;
                long offsetTicks = 0;
                var s = h.Connect(o => { o.SendsPerMinute = 3; o.UtcClock = () => start + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks)); });
                var sending = Task.Run(async () =>
                {
                    for (int i = 0; i < 5; i++) await MessageSender.SendMarkdownAsync(s, "lisi", "n" + i, null, null, CancellationToken.None, TimeSpan.FromSeconds(120));
                });
                Assert.True(SessionHarness.Eventually(() => h.Server.FramesFor("aibot_send_msg").Count == 3, Wait));
                Thread.Sleep(1500);   // asserts that nothing happens: the 4th send waits for a slot in this period
                Assert.Equal(3, h.Server.FramesFor("aibot_send_msg").Count);   // the 4th waits
                Assert.True(h.Log.Has("Pacing: waiting"), string.Join("\n", h.Log.Lines));
                Assert.True(h.Log.Has("to lisi"));

                // A minute passes (for the client and the double): the rest goes through, none refused.
                h.Server.AdvanceClock(TimeSpan.FromSeconds(61));
                Interlocked.Add(ref offsetTicks, TimeSpan.FromSeconds(61).Ticks);
                Assert.True(sending.Wait(Wait), "the paced sends did not finish");
                Assert.All(h.Server.FramesFor("aibot_send_msg"), f => Assert.Equal(0, f.AckErrcode));
                Assert.Equal(5, h.Server.FramesFor("aibot_send_msg").Count);
            }
        }

        // ------------------------------------------------------------ inbound frames

        [Fact]
        public void Malformed_and_unknown_frames_are_skipped_with_a_redacted_excerpt_and_the_session_lives_on()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.PushRaw("{not json at all \"secret\":\"hunter2\"");
                h.Server.PushRaw("[1,2,3]");
                h.Server.PushRaw("{\"cmd\":\"aibot_future_cmd\",\"headers\":{\"req_id\":\"r1\"},\"body\":{\"secret\":\"hunter2\"}}");
                h.Server.PushRaw("{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"r2\"}}");
                h.Server.PushRaw("{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"r3\"},\"body\":\"not an object\"}");
                h.Server.PushRaw("{}");
                h.Server.PushRaw("\"just a string\"");
                h.Server.PushRaw("{\"headers\":{\"req_id\":\"nobody-waits\"},\"errcode\":0,\"errmsg\":\"ok\"}");
                h.Server.PushText("still alive", msgId: "alive");
                h.WaitForInbox(1);
                var m = Assert.Single(h.Drain());
                Assert.Equal("alive", m.MsgId);
                Assert.Equal(WecomSessionState.Connected, s.State);
                Assert.Equal(0, s.Reconnects);
                Assert.True(s.FramesSkipped >= 7, "skipped " + s.FramesSkipped);
                Assert.True(h.Log.Has("Skipped a malformed frame"));
                Assert.True(h.Log.Has("Skipped an unknown frame"));
                Assert.True(h.Log.Has("aibot_future_cmd"));
                Assert.Contains(h.Log.Lines, l => l.Contains("Skipped an unknown frame") && l.Contains("\"secret\":\"***\""));
                Assert.Contains(h.Log.Lines, l => l.Contains("Skipped a malformed frame") && l.Contains("\"secret\":\"***"));
                Assert.DoesNotContain(h.Log.Lines, l => l.Contains("hunter2"));
                Assert.True(Done(Send(s, "lisi", "and sending")).Ok);
            }
        }

        [Fact]
        public void The_same_msgid_twice_and_again_after_a_reconnect_is_delivered_once()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.PushText("first", msgId: "m-1");
                h.Server.PushText("first again", msgId: "m-1");
                h.Server.PushText("second", msgId: "m-2");
                h.WaitForInbox(2);
                Assert.True(SessionHarness.Eventually(() => s.DuplicatesDropped == 1, Wait));
                h.Server.DropConnections();
                h.WaitForReconnects(1);
                h.Server.PushText("first, redelivered", msgId: "m-1");
                h.Server.PushText("third", msgId: "m-3");
                h.WaitForInbox(3);
                Assert.True(SessionHarness.Eventually(() => s.DuplicatesDropped == 2, Wait));
                Assert.Equal(new[] { "m-1", "m-2", "m-3" }, h.Drain().Select(x => x.MsgId));
                Assert.Equal(3, s.MessagesReceived);
                Assert.True(h.Log.Has("duplicate dropped"));
            }
        }

        [Fact]
        public void The_inbox_keeps_messages_across_reconnects_and_drops_the_oldest_on_overflow()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.InboxCapacity = 3);
                h.Server.PushText("1", msgId: "1");
                h.Server.PushText("2", msgId: "2");
                h.WaitForInbox(2);
                h.Server.DropConnections();
                h.WaitForReconnects(1);
                h.Server.PushText("3", msgId: "3");
                h.Server.PushText("4", msgId: "4");
                h.Server.PushText("5", msgId: "5");
                Assert.True(SessionHarness.Eventually(() => s.MessagesReceived == 5, Wait));
                Assert.Equal(2, s.Dropped);
                Assert.Equal(3, s.InboxCount);
                Assert.Equal(new[] { "3", "4", "5" }, h.Drain().Select(x => x.MsgId));
            }
        }

        [Fact]
        public void MessageReceived_is_raised_for_every_accepted_message_only()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var got = new System.Collections.Concurrent.ConcurrentQueue<string>();
                s.MessageReceived += (o, e) => got.Enqueue(e.Message.MsgId);
                h.Server.PushText("a", msgId: "a");
                h.Server.PushText("a", msgId: "a");
                h.Server.PushEvent("enter_chat", msgId: "b");
                Assert.True(SessionHarness.Eventually(() => got.Count == 2, Wait));
                Thread.Sleep(200);   // asserts that nothing happens: no third event for the redelivered "a"
                Assert.Equal(new[] { "a", "b" }, got.ToArray());
            }
        }

        // ------------------------------------------------------------ closing

        [Fact]
        public void Disconnect_ends_every_background_task_and_socket()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.HeartbeatInterval = TimeSpan.FromSeconds(1));
                h.Server.DropConnections();
                h.WaitForReconnects(1);
                Assert.True(s.BackgroundTaskCount > 0);
                Assert.True(s.DisconnectAsync().Wait(Wait));
                Assert.Equal(WecomSessionState.Disconnected, s.State);
                Assert.True(SessionHarness.Eventually(() => s.BackgroundTaskCount == 0, Wait), "still running: " + s.BackgroundTaskCount);
                Assert.True(h.Server.WaitForConnectionCount(0, Wait));
            }
        }

        [Fact]
        public void Disconnect_while_a_reconnect_waits_for_its_subscribe_ack_leaves_no_socket()
        {
            using (var h = new SessionHarness(new MockServerOptions()))
            {
                var s = h.Connect();
                h.Server.Options.AckDelay = TimeSpan.FromSeconds(1);
                h.Server.DropConnections();
                Assert.True(h.Server.WaitForConnectionCount(1, Wait) && SessionHarness.Eventually(() => h.Server.FramesFor("aibot_subscribe").Count == 2, Wait));
                Assert.True(s.DisconnectAsync().Wait(Wait));
                // Asserts that nothing happens: the late subscribe ack (1 s) arrives in this period and must not
                // bring the disconnected session back.
                Thread.Sleep(1500);
                Assert.Equal(WecomSessionState.Disconnected, s.State);
                Assert.True(h.Server.WaitForConnectionCount(0, Wait));
                Assert.True(SessionHarness.Eventually(() => s.BackgroundTaskCount == 0, Wait));
            }
        }
    }
}
