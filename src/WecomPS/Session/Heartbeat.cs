using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// Liveness of one connection: pings every heartbeat interval and declares the socket dead when no frame at all
    /// arrived for <see cref="WecomSessionOptions.DeadAfter"/> (a half-open socket never closes by itself). It
    /// sleeps until the next thing that is due, so an idle session costs nothing between heartbeats.
    /// Wake-ups fall on a grid (a twentieth of the interval, at most 250 ms) of one clock for the whole process, so
    /// the heartbeats of many sessions run together on one timer tick and one pool thread, instead of each waking
    /// the thread pool on its own (1000 sessions at 5 s: 200 wake-ups a second).
    /// All of it is measured on the monotonic clock (<see cref="Now"/>), never the wall clock: a step of the system
    /// clock (NTP, a restored VM, a user) neither stops the pings nor declares a live link dead.
    /// </summary>
    internal sealed class Heartbeat : IDisposable
    {
        private readonly TimeSpan _interval;
        private readonly TimeSpan _deadAfter;
        private readonly TimeSpan _notLiveRecheck;
        private readonly long _gridTicks;
        private readonly CancellationTokenSource _stop;
        private long _lastFrameTicks = Now();

        public Heartbeat(WecomSessionOptions options, CancellationToken lifetime)
        {
            _interval = options.HeartbeatInterval;
            _deadAfter = options.DeadAfter;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
            _gridTicks = Math.Max(TimeSpan.TicksPerMillisecond,
                Math.Min(TimeSpan.FromMilliseconds(250).Ticks, _interval.Ticks / 20));
            _notLiveRecheck = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(20).Ticks,
                Math.Min(TimeSpan.FromSeconds(1).Ticks, _interval.Ticks / 4)));
        }

        /// <summary>
        /// The monotonic clock in TimeSpan ticks from an arbitrary start, the same for every session of the process.
        /// It does not step with the system clock.
        /// </summary>
        private static long Now() => MonotonicClock.Ticks;

        /// <summary>Any frame from the server proves the link is alive. Called by the reader for every frame.</summary>
        public void Touch() => Interlocked.Exchange(ref _lastFrameTicks, Now());

        public TimeSpan SinceLastFrame => TimeSpan.FromTicks(Now() - Interlocked.Read(ref _lastFrameTicks));

        /// <summary>
        /// Runs until stopped. <paramref name="live"/> says whether the session is connected on this connection (no
        /// ping and no verdict otherwise); <paramref name="ping"/> sends one heartbeat; <paramref name="dead"/> is
        /// told once, when the link is dead, and the loop ends.
        /// </summary>
        public async Task RunAsync(Func<bool> live, Action ping, Action<string> dead)
        {
            StartPings(Now());
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    long now = Now();
                    long deadAt = Interlocked.Read(ref _lastFrameTicks) + _deadAfter.Ticks;
                    TimeSpan wake;
                    if (!live())
                    {
                        // Subscribed but not yet Connected (a moment at most): look again soon, judge nothing.
                        wake = _notLiveRecheck;
                    }
                    else
                    {
                        if (now >= deadAt)
                        {
                            dead("no frame within " + _deadAfter.TotalSeconds + " s (half-open socket)");
                            return;
                        }
                        if (PingDue(now))
                        {
                            Pinged(now);
                            ping();
                        }
                        wake = TimeSpan.FromTicks(Math.Max(MinSleep, Math.Min(PingWake, OnGrid(deadAt)) - now));
                    }
                    await Task.Delay(wake, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { }
        }

        /// <summary>When the next ping is due, off the grid: one interval after the previous one was due. The ping
        /// schedule below counts in ticks of <see cref="Now"/>.</summary>
        private long _pingDue;

        internal void StartPings(long now) => _pingDue = now + _interval.Ticks;

        /// <summary>When the loop wakes up for the next ping: only the wake-up is rounded to the grid, so an interval
        /// that is not a multiple of the grid step does not stretch the period (rounding the schedule itself pinged
        /// a 5.1 s interval every 5.25 s).</summary>
        internal long PingWake => OnGrid(_pingDue);

        internal bool PingDue(long now) => now + TimerSlack >= PingWake;

        /// <summary>The next one is an interval later; after a stall (suspend, starved pool), no catch-up
        /// burst.</summary>
        internal void Pinged(long now) =>
            _pingDue = _pingDue + _interval.Ticks > now ? _pingDue + _interval.Ticks : now + _interval.Ticks;

        /// <summary>The first grid point at or after <paramref name="ticks"/>.</summary>
        private long OnGrid(long ticks) => (ticks + _gridTicks - 1) / _gridTicks * _gridTicks;

        /// <summary>Task.Delay counts whole milliseconds and may wake up to one early: still this tick.</summary>
        private static readonly long TimerSlack = TimeSpan.FromMilliseconds(2).Ticks;

        private static readonly long MinSleep = TimeSpan.FromMilliseconds(5).Ticks;

        /// <summary>Ends the loop at once (the connection is gone or replaced).</summary>
        public void Stop()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }

        public void Dispose() { Stop(); _stop.Dispose(); }
    }
}
