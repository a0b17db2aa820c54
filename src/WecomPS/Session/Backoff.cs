using System;

namespace WecomPS.Session
{
    /// <summary>Reconnect delays: exponential backoff with full jitter (a pure function; the caller owns the
    /// random).</summary>
    public static class Backoff
    {
        /// <summary>
        /// The first retry goes at once; retry n waits random(0, min(max, base·2^(n-1))) so that many clients cut off
        /// together do not come back together. <paramref name="random01"/> is a draw from [0, 1).
        /// </summary>
        public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan max, double random01)
        {
            if (attempt <= 0) return TimeSpan.Zero;
            double ceiling = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2,
                Math.Min(attempt - 1, 30)));
            return TimeSpan.FromMilliseconds(random01 * ceiling);
        }
    }
}
