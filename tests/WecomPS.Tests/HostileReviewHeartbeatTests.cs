using System;
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
    }
}
