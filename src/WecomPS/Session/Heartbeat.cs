using System;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// Liveness of one connection: pings every heartbeat interval and declares the socket dead when no frame at all
    /// arrived for <see cref="WecomSessionOptions.DeadAfter"/> (a half-open socket never closes by itself). It
    /// sleeps until the next thing that is due, so an idle session costs nothing between heartbeats.
    /// </summary>
    internal sealed class Heartbeat : IDisposable
    {
        private readonly TimeSpan _interval;
        private readonly TimeSpan _deadAfter;
        private readonly TimeSpan _notLiveRecheck;
        private readonly CancellationTokenSource _stop;
        private long _lastFrameTicks = DateTime.UtcNow.Ticks;

        public Heartbeat(WecomSessionOptions options, CancellationToken lifetime)
        {
            _interval = options.HeartbeatInterval;
            _deadAfter = options.DeadAfter;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
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
            var nextPing = DateTime.UtcNow + _interval;
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
                        if (now >= nextPing)
                        {
                            nextPing = now + _interval;
                            ping();
                        }
                        wake = (nextPing < deadAt ? nextPing : deadAt) - now;
                        if (wake < MinSleep) wake = MinSleep;
                    }
                    await Task.Delay(wake, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { }
        }

        private static readonly TimeSpan MinSleep = TimeSpan.FromMilliseconds(5);

        /// <summary>Ends the loop at once (the connection is gone or replaced).</summary>
        public void Stop()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }

        public void Dispose() { Stop(); _stop.Dispose(); }
    }
}
