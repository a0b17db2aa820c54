using System;
using System.Collections.Generic;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Per-conversation sends per rolling minute. Not thread-safe; used under the server lock.</summary>
    internal sealed class RateLimiter
    {
        private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
        private readonly Dictionary<string, Queue<DateTimeOffset>> _recent = new Dictionary<string,
            Queue<DateTimeOffset>>(StringComparer.Ordinal);

        /// <summary>Counts one send and returns true, or returns false when <paramref name="perMinute"/> is
        /// reached.</summary>
        public bool TryTake(string conversation, DateTimeOffset now, int perMinute)
        {
            if (perMinute <= 0) return true;
            if (!_recent.TryGetValue(conversation, out var times))
                _recent[conversation] = times = new Queue<DateTimeOffset>();
            while (times.Count > 0 && now - times.Peek() >= Window) times.Dequeue();
            if (times.Count >= perMinute) return false;
            times.Enqueue(now);
            return true;
        }
    }
}
