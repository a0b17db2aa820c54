using System;
using System.Collections.Generic;

namespace WecomPS.Session
{
    /// <summary>
    /// The msgids accepted recently: at least the last <c>capacity</c> ids, and every id younger than <c>window</c>
    /// (the server redelivers; docs/protocol.md §4.1), but never more than <c>maxIds</c>: past that bound the
    /// oldest id is forgotten even inside the window, so a flood cannot grow the table without limit. Redeliveries
    /// are dropped so scripts never dedup themselves.
    /// </summary>
    public sealed class RecentIds
    {
        private readonly Dictionary<string, DateTime> _seen = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        private readonly Queue<KeyValuePair<string, DateTime>> _order = new Queue<KeyValuePair<string, DateTime>>();
        private readonly int _capacity;
        private readonly int _maxIds;
        private readonly TimeSpan _window;
        private readonly Func<DateTime> _clock;
        private readonly bool _injected;

        public RecentIds(int capacity, TimeSpan window, Func<DateTime> clock = null, int maxIds = 100000)
        {
            _capacity = Math.Max(1, capacity); _window = window; _clock = clock ?? (() => DateTime.UtcNow);
            _injected = clock != null;
            _maxIds = Math.Max(_capacity, maxIds);
        }

        /// <summary>True the first time an id is seen within the window; false for a redelivery.</summary>
        public bool TryAccept(string id) => string.IsNullOrEmpty(id) || TryAccept(id, _clock());

        /// <summary>
        /// As <see cref="TryAccept(string)"/> at a time the caller already read (one clock read per message on the
        /// reader; a clock read is a system call on some virtual machines). An injected clock still wins.
        /// </summary>
        public bool TryAccept(string id, DateTime utcNow)
        {
            if (string.IsNullOrEmpty(id)) return true;
            var now = _injected ? _clock() : utcNow;
            lock (_seen)
            {
                // Forget an id only when both limits agree: beyond capacity AND older than the window.
                while (_order.Count >= _maxIds || (_order.Count > _capacity && now - _order.Peek().Value > _window))
                {
                    var old = _order.Dequeue();
                    if (_seen.TryGetValue(old.Key, out var at) && at == old.Value) _seen.Remove(old.Key);
                }
                if (_seen.ContainsKey(id)) return false;
                _seen[id] = now;
                _order.Enqueue(new KeyValuePair<string, DateTime>(id, now));
                return true;
            }
        }

        public int Count { get { lock (_seen) return _seen.Count; } }

        public int MaxIds => _maxIds;
    }
}
