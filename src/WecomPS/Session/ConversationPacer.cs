using System;
using System.Collections.Generic;

namespace WecomPS.Session
{
    /// <summary>
    /// Keeps sends per conversation under the server's limits (30/min and 1000/h by default) by telling the caller
    /// how long to wait, instead of letting the server refuse with 846607.
    /// </summary>
    public sealed class ConversationPacer
    {
        private readonly Dictionary<string, Queue<DateTime>> _history = new Dictionary<string,
            Queue<DateTime>>(StringComparer.Ordinal);
        private readonly Func<DateTime> _clock;
        private readonly int _maxConversations;
        public int PerMinute { get; set; }
        public int PerHour { get; set; }

        public ConversationPacer(int perMinute, int perHour, Func<DateTime> clock = null, int maxConversations = 10000)
        {
            PerMinute = perMinute; PerHour = perHour; _clock = clock ?? (() => MonotonicClock.UtcNow);
            _maxConversations = Math.Max(1, maxConversations);
        }

        /// <summary>Conversations with a send in the last hour (the only ones pacing needs to remember).</summary>
        public int Count { get { lock (_history) return _history.Count; } }

        /// <summary>Reserves a slot: returns zero when the send may go now (and records it), else how long to
        /// wait.</summary>
        public TimeSpan TryReserve(string conversation)
        {
            if (string.IsNullOrEmpty(conversation) || (PerMinute <= 0 && PerHour <= 0)) return TimeSpan.Zero;
            var now = _clock();
            lock (_history)
            {
                if (!_history.TryGetValue(conversation, out var q))
                {
                    if (_history.Count >= _maxConversations) Forget(now);
                    _history[conversation] = q = new Queue<DateTime>();
                }
                while (q.Count > 0 && now - q.Peek() >= TimeSpan.FromHours(1)) q.Dequeue();
                var wait = TimeSpan.Zero;
                if (PerHour > 0 && q.Count >= PerHour) wait = Max(wait, q.Peek() + TimeSpan.FromHours(1) - now);
                if (PerMinute > 0)
                {
                    int inLastMinute = 0; DateTime oldestInMinute = now;
                    foreach (var t in q) if (now - t < TimeSpan.FromMinutes(1)) { if (
                        inLastMinute == 0) oldestInMinute = t; inLastMinute++; }
                    if (inLastMinute >= PerMinute)
                    {
                        // The (inLastMinute - PerMinute + 1)-th oldest send in the minute must age out first.
                        int skip = inLastMinute - PerMinute, i = 0;
                        foreach (var t in q)
                        {
                            if (now - t >= TimeSpan.FromMinutes(1)) continue;
                            if (i++ == skip) { wait = Max(wait, t + TimeSpan.FromMinutes(1) - now); break; }
                        }
                    }
                }
                if (wait > TimeSpan.Zero) return wait;
                q.Enqueue(now);
                return TimeSpan.Zero;
            }
        }

        /// <summary>
        /// Drops conversations without a send in the last hour; if the table is still full, those whose last send is
        /// oldest (their limits are the least likely to bind). Called under the lock when the table is full.
        /// </summary>
        private void Forget(DateTime now)
        {
            var idle = new List<string>();
            foreach (var kv in _history)
                if (kv.Value.Count == 0 || now - LastOf(kv.Value) >= TimeSpan.FromHours(1)) idle.Add(kv.Key);
            foreach (var key in idle) _history.Remove(key);
            if (_history.Count < _maxConversations) return;
            var byLastSend = new List<KeyValuePair<string, DateTime>>();
            foreach (var kv in _history) byLastSend.Add(new KeyValuePair<string, DateTime>(kv.Key, LastOf(kv.Value)));
            byLastSend.Sort((a, b) => a.Value.CompareTo(b.Value));
            int excess = _history.Count - _maxConversations + Math.Max(1, _maxConversations / 10);
            for (int i = 0; i < excess && i < byLastSend.Count; i++) _history.Remove(byLastSend[i].Key);
        }

        private static DateTime LastOf(Queue<DateTime> q)
        {
            var last = DateTime.MinValue;
            foreach (var t in q) last = t;
            return last;
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }
}
