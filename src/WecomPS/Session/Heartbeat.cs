using System;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// Liveness of one connection: pings every heartbeat interval and declares the socket dead when no frame at all
    /// arrived for <see cref="WecomSessionOptions.DeadAfter"/> (a half-open socket never closes by itself). It
    /// sleeps until the next thing that is due, so an idle session costs nothing between heartbeats.
    /// Wake-ups fall on a grid of the wall clock (a twentieth of the interval, at most 250 ms), the same for every
    /// session, so the heartbeats of many sessions in one process run together on one timer tick and one pool
    /// thread, instead of each waking the thread pool on its own (1000 sessions at 5 s: 200 wake-ups a second).
    /// </summary>
    internal sealed class Heartbeat : IDisposable
    {
        private readonly TimeSpan _interval;
        private readonly TimeSpan _deadAfter;
        private readonly TimeSpan _notLiveRecheck;
        private readonly long _gridTicks;
        private readonly CancellationTokenSource _stop;
        private long _lastFrameTicks = DateTime.UtcNow.Ticks;

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

        /// <summary>Any frame from the server proves the link is alive. Called by the reader for every frame.</summary>
        public void Touch() => Interlocked.Exchange(ref _lastFrameTicks, DateTime.UtcNow.Ticks);

        public TimeSpan SinceLastFrame => TimeSpan.FromTicks(DateTime.UtcNow.Ticks - Interlocked.Read(
            ref _lastFrameTicks));

        /// <summary>
        /// Runs until stopped. <paramref name="live"/> says whether the session is connected on this connection (no
        /// ping and no verdict otherwise); <paramref name="ping"/> sends one heartbeat; <paramref name="dead"/> is
        /// told once, when the link is dead, and the loop ends.
        /// </summary>
        public async Task RunAsync(Func<bool> live, Action ping, Action<string> dead)
        {
            var nextPing = OnGrid(DateTime.UtcNow + _interval);
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var now = DateTime.UtcNow;
                    var deadAt = new DateTime(Interlocked.Read(ref _lastFrameTicks), DateTimeKind.Utc) + _deadAfter;
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
                        if (now + TimerSlack >= nextPing)
                        {
                            // The next one keeps to the grid; after a stall (suspend, starved pool), no catch-up burst.
                            nextPing = OnGrid(nextPing + _interval > now ? nextPing + _interval : now + _interval);
                            ping();
                        }
                        var due = OnGrid(deadAt);
                        wake = (nextPing < due ? nextPing : due) - now;
                        if (wake < MinSleep) wake = MinSleep;
                    }
                    await Task.Delay(wake, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { }
        }

        /// <summary>The first grid point at or after <paramref name="time"/>.</summary>
        private DateTime OnGrid(DateTime time) =>
            new DateTime((time.Ticks + _gridTicks - 1) / _gridTicks * _gridTicks, DateTimeKind.Utc);

        /// <summary>Task.Delay counts whole milliseconds and may wake up to one early: still this tick.</summary>
        private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(2);

        private static readonly TimeSpan MinSleep = TimeSpan.FromMilliseconds(5);

        /// <summary>Ends the loop at once (the connection is gone or replaced).</summary>
        public void Stop()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }

        public void Dispose() { Stop(); _stop.Dispose(); }
    }
}
