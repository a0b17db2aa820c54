using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Hostile review of the heartbeat grid, the zero-byte reader wait and the keep-alive removal: what a user sees
    /// when the system clock steps, and when the server frames its messages oddly.
    /// </summary>
    public sealed class HostileReviewHeartbeatTests
    {
        private static readonly TimeSpan Wait = SessionHarness.Wait;

        /// <summary>A wall clock a test can step (NTP correction, a restored VM, an administrator).</summary>
        private sealed class SteppingClock
        {
            private long _offsetTicks;
            public DateTime UtcNow() => DateTime.UtcNow + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
            public void Step(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
        }

        private static int Pings(SessionHarness h) => h.Server.FramesFor("ping").Count;

        [Fact]
        public void After_the_wall_clock_steps_back_an_hour_pings_go_on_and_a_silent_link_is_still_found_dead()
        {
            using (var h = new SessionHarness())
            {
                var clock = new SteppingClock();
                var s = h.Connect(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.UtcClock = clock.UtcNow; });
                Assert.True(SessionHarness.Eventually(() => Pings(h) >= 1, Wait), "no first ping");

                clock.Step(TimeSpan.FromHours(-1));
                int before = Pings(h);
                // One ping a second: three more within ten seconds (not one an hour from now).
                Assert.True(SessionHarness.Eventually(() => Pings(h) >= before + 3, TimeSpan.FromSeconds(10)),
                    "pings after the clock stepped back: " + (Pings(h) - before));

                h.Server.Silent = true;
                // Dead after 2.5 s without a frame; the verdict must not wait for the wall clock to catch up.
                h.WaitForState(WecomSessionState.Reconnecting, TimeSpan.FromSeconds(15));
                Assert.True(h.Log.Has("half-open"));
                h.Server.Silent = false;
                h.WaitForReconnects(1);
            }
        }

        [Fact]
        public void A_wall_clock_step_forward_of_an_hour_does_not_declare_a_talking_link_dead()
        {
            using (var h = new SessionHarness())
            {
                var clock = new SteppingClock();
                var s = h.Connect(o => { o.HeartbeatInterval = TimeSpan.FromSeconds(1); o.UtcClock = clock.UtcNow; });
                Assert.True(SessionHarness.Eventually(() => s.LastHeartbeatRtt != null, Wait), "no ping was acked");

                clock.Step(TimeSpan.FromHours(1));
                int before = Pings(h);
                // Asserts that nothing happens: a verdict by the wall clock would come at the next wake-up (at most
                // 1 s); in 4 s the server acks about four pings, so the link is alive throughout.
                Thread.Sleep(4000);
                Assert.True(Pings(h) >= before + 2, "pings in 4 s: " + (Pings(h) - before));
                Assert.False(h.Log.Has("half-open"), "a live link was declared dead");
                Assert.Equal(0, s.Reconnects);
                Assert.Equal(WecomSessionState.Connected, s.State);
            }
        }
        [Theory]
        [InlineData(0)]
        [InlineData(-1000)]
        [InlineData(999)]
        [InlineData(3_600_001)]
        [InlineData(60L * 24 * 3600 * 1000)]
        public void A_heartbeat_interval_outside_1_s_to_1_h_is_refused_where_it_is_set(long ms)
        {
            // Zero declared every link dead at once (9 reconnects in a second against the double); a wait past
            // Task.Delay's limit (weeks) threw and the heartbeat ended without a word. -HeartbeatIntervalSec allows
            // 1..3600.
            var o = new WecomSessionOptions();
            var e = Assert.Throws<ArgumentOutOfRangeException>(
                () => o.HeartbeatInterval = TimeSpan.FromMilliseconds(ms));
            Assert.Equal("HeartbeatInterval", e.ParamName);
            Assert.Equal(TimeSpan.FromSeconds(30), o.HeartbeatInterval);
            o.HeartbeatInterval = TimeSpan.FromSeconds(1);
            o.HeartbeatInterval = TimeSpan.FromHours(1);
            Assert.Equal(TimeSpan.FromHours(1), o.HeartbeatInterval);
        }

        [Theory]
        [InlineData(5100)]     // grid 250 ms: 20.4 grid steps
        [InlineData(7010)]
        [InlineData(3600_000)]
        public void Pings_keep_one_per_interval_when_the_interval_is_not_a_multiple_of_the_grid(int intervalMs)
        {
            var interval = TimeSpan.FromMilliseconds(intervalMs).Ticks;
            long grid = TimeSpan.FromMilliseconds(250).Ticks;
            using (var hb = new Heartbeat(new WecomSessionOptions { HeartbeatInterval = TimeSpan.FromTicks(interval) },
                       CancellationToken.None))
            {
                long start = 1_234_567_891;
                hb.StartPings(start);
                for (int k = 1; k <= 100; k++)
                {
                    long now = hb.PingWake;   // a timer that wakes exactly when asked
                    Assert.True(hb.PingDue(now));
                    // Ping k goes at the first grid point at or after start + k intervals: never a step later.
                    Assert.InRange(now, start + k * interval, start + k * interval + grid);
                    hb.Pinged(now);
                    Assert.False(hb.PingDue(now + TimeSpan.FromMilliseconds(100).Ticks));
                }

                // After a stall of three intervals: one ping, then the next an interval later, no catch-up burst.
                long late = hb.PingWake + 3 * interval;
                Assert.True(hb.PingDue(late));
                hb.Pinged(late);
                Assert.InRange(hb.PingWake, late + interval, late + interval + grid);
            }
        }

        [Fact]
        public void A_link_reset_by_the_ping_itself_reconnects_and_only_the_new_connection_is_pinged()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.HeartbeatInterval = TimeSpan.FromSeconds(1));
                int tasksBefore = s.BackgroundTaskCount;
                for (int round = 1; round <= 3; round++)
                {
                    // The server takes the ping and resets the link instead of acking it.
                    h.Server.DropConnectionOnNext("ping");
                    h.WaitForReconnects(round);
                }
                var current = h.Server.SubscribedConnectionIds.Single();
                int stale = h.Server.FramesFor("ping").Count(f => f.ConnectionId != current);
                int before = h.Server.FramesFor("ping").Count(f => f.ConnectionId == current);
                Assert.True(SessionHarness.Eventually(
                    () => h.Server.FramesFor("ping").Count(f => f.ConnectionId == current) >= before + 2, Wait),
                    "the new connection is not pinged");
                // Asserts that nothing happens: no heartbeat of a dropped connection pings or judges any more.
                Thread.Sleep(1500);
                Assert.Equal(stale, h.Server.FramesFor("ping").Count(f => f.ConnectionId != current));
                Assert.Equal(3, s.Reconnects);
                Assert.Equal(WecomSessionState.Connected, s.State);
                Assert.True(SessionHarness.Eventually(() => s.BackgroundTaskCount <= tasksBefore, Wait),
                    "background tasks " + s.BackgroundTaskCount + ", were " + tasksBefore);
            }
        }

        [Theory]
        [InlineData(1, 0)]
        [InlineData(5, 0)]
        [InlineData(30, 0)]      // the default: its pings are the only traffic, as with the official SDK
        [InlineData(31, 30)]
        [InlineData(60, 30)]
        [InlineData(3600, 30)]   // never silent for more than 30 s, whatever the heartbeat
        public void WebSocket_keep_alive_frames_only_where_the_heartbeat_is_sparser_than_30_s(int heartbeatSec,
            int keepAliveSec)
        {
            Assert.Equal(TimeSpan.FromSeconds(keepAliveSec),
                WebSocketConnection.KeepAliveFor(TimeSpan.FromSeconds(heartbeatSec)));
        }

        [Fact]
        public void Through_a_NAT_that_forgets_links_idle_for_35_s_a_60_s_heartbeat_session_still_gets_its_messages()
        {
            using (var h = new SessionHarness())
            using (var nat = new IdleDroppingNat(h.Server.Endpoint, TimeSpan.FromSeconds(35)))
            {
                var s = h.Connect(o => { o.Endpoint = nat.Endpoint; o.HeartbeatInterval = TimeSpan.FromSeconds(60); });
                // Asserts that nothing happens: 40 idle seconds, no ping due yet (one a minute); without keep-alive
                // frames the NAT forgets the link at 35 s.
                Thread.Sleep(TimeSpan.FromSeconds(40));
                h.Server.PushText("after a quiet half minute", msgId: "quiet");
                Assert.True(SessionHarness.Eventually(() => s.InboxCount >= 1, TimeSpan.FromSeconds(5)),
                    "the message was lost: the NAT forgot " + nat.Forgotten + " idle link(s)");
                Assert.Equal(0, nat.Forgotten);
                Assert.Equal(WecomSessionState.Connected, s.State);
            }
        }

        /// <summary>A text callback of exactly <paramref name="size"/> bytes whose content starts with two CJK
        /// characters (three bytes each), so a fragment boundary can fall inside a character.</summary>
        private static byte[] Callback(string msgId, int size)
        {
            string Frame(string content) =>
                "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"R" + msgId + "\"},\"body\":{\"msgid\":\""
                + msgId + "\",\"aibotid\":\"B\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},"
                + "\"msgtype\":\"text\",\"text\":{\"content\":\"" + content + "\"}}}";
            int overhead = Encoding.UTF8.GetByteCount(Frame("\u4f60\u597d"));
            var bytes = Encoding.UTF8.GetBytes(Frame("\u4f60\u597d" + new string('a', size - overhead)));
            Assert.Equal(size, bytes.Length);
            return bytes;
        }

        private static byte[] Slice(byte[] b, int from, int to) => b.Skip(from).Take(to - from).ToArray();

        /// <summary>The frames a server sends for one message, cut the way <paramref name="pattern"/> says.</summary>
        private static byte[][] Fragments(string pattern, byte[] m)
        {
            var none = new byte[0];
            int inChar = IndexOf(m, Encoding.UTF8.GetBytes("\u4f60")) + 1;   // inside the first CJK character
            switch (pattern)
            {
                case "whole": return new[] { FramingServer.Frame(1, true, m) };
                case "three":
                    return new[]
                    {
                        FramingServer.Frame(1, false, Slice(m, 0, inChar)),
                        FramingServer.Frame(0, false, Slice(m, inChar, inChar + (m.Length - inChar) / 2)),
                        FramingServer.Frame(0, true, Slice(m, inChar + (m.Length - inChar) / 2, m.Length)),
                    };
                case "empty first":
                    return new[] { FramingServer.Frame(1, false, none), FramingServer.Frame(0, true, m) };
                case "empty last":
                    return new[] { FramingServer.Frame(1, false, m), FramingServer.Frame(0, true, none) };
                case "ping between":
                    return new[]
                    {
                        FramingServer.Frame(1, false, Slice(m, 0, inChar)),
                        FramingServer.Frame(9, true, Encoding.ASCII.GetBytes("are you there")),
                        FramingServer.Frame(0, true, Slice(m, inChar, m.Length)),
                    };
                case "1000-byte fragments":
                case "1-byte fragments":
                    int step = pattern.StartsWith("1-") ? 1 : 1000;
                    var frames = new List<byte[]>();
                    for (int at = 0; at < m.Length; at += step)
                        frames.Add(FramingServer.Frame(at == 0 ? 1 : 0, at + step >= m.Length,
                            Slice(m, at, Math.Min(m.Length, at + step))));
                    return frames.ToArray();
                default: throw new ArgumentException(pattern);
            }
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
                if (haystack.Skip(i).Take(needle.Length).SequenceEqual(needle)) return i;
            return -1;
        }

        [Theory]
        [InlineData("whole", 300)]
        [InlineData("three", 300)]
        [InlineData("empty first", 300)]
        [InlineData("empty last", 300)]
        [InlineData("ping between", 300)]
        [InlineData("1-byte fragments", 300)]
        [InlineData("whole", 8192)]
        [InlineData("empty first", 8192)]
        [InlineData("1000-byte fragments", 8192)]
        [InlineData("whole", 8193)]
        [InlineData("empty last", 8193)]
        [InlineData("1000-byte fragments", 8193)]
        [InlineData("ping between", 20000)]
        public void A_message_in_fragments_after_empty_and_binary_messages_arrives_whole(string pattern, int size)
        {
            using (var server = new FramingServer())
            using (var s = new WecomSession(new WecomSessionOptions
                   {
                       BotId = "b", Secret = SessionHarness.Secure("s"), Endpoint = server.Endpoint,
                       HeartbeatInterval = TimeSpan.FromMinutes(5),
                   }))
            {
                Assert.True(s.ConnectAsync(CancellationToken.None).Wait(Wait));
                var m = Callback("m1", size);
                var frames = new List<byte[]>
                {
                    FramingServer.Frame(1, true, new byte[0]),              // an empty text message
                    FramingServer.Frame(2, true, new byte[0]),              // an empty binary message
                    FramingServer.Frame(2, false, new byte[] { 1, 2, 3 }),  // a binary message in two fragments
                    FramingServer.Frame(0, true, new byte[9000]),
                };
                frames.AddRange(Fragments(pattern, m));
                Assert.True(server.WriteAsync(frames.ToArray()).Wait(Wait));

                Assert.True(SessionHarness.Eventually(() => s.InboxCount >= 1, Wait), "nothing arrived");
                Assert.True(s.Inbox.TryTake(null, out var got));
                Assert.Equal("m1", got.MsgId);
                Assert.Equal("\u4f60\u597d" + new string('a', got.Content.Length - 2), got.Content);
                Assert.Equal(1, s.FramesSkipped);   // the empty text message: not JSON
                Assert.Equal(WecomSessionState.Connected, s.State);
                Assert.Equal(0, s.Reconnects);
                Assert.True(SessionHarness.Eventually(() => s.ReceiveBufferSize == 0, Wait),
                    "an idle reader holds a buffer of " + s.ReceiveBufferSize);
            }
        }
    }
}
