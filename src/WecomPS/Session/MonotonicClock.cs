using System;
using System.Diagnostics;

namespace WecomPS.Session
{
    /// <summary>
    /// The clock of every timeout, deadline and window in the session: UTC as it was when the module loaded, moved on
    /// by the monotonic Stopwatch. It does not step when the system clock does (NTP, a restored VM, an
    /// administrator), so an hour's step back neither stalls a wait for an hour nor ends it at once. Timestamps
    /// shown to users (ReceivedAt, SentAt, CreatedAt) stay on the system clock.
    /// </summary>
    public static class MonotonicClock
    {
        private static readonly DateTime Start = DateTime.UtcNow;
        private static readonly long StartTicks = Ticks;

        /// <summary>TimeSpan ticks from an arbitrary start, the same for every session of the process.</summary>
        public static long Ticks
        {
            get
            {
                long t = Stopwatch.GetTimestamp(), f = Stopwatch.Frequency;
                return t / f * TimeSpan.TicksPerSecond + t % f * TimeSpan.TicksPerSecond / f;
            }
        }

        public static DateTime UtcNow => Start.AddTicks(Ticks - StartTicks);
    }
}
