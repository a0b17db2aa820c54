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
    /// <remarks>
    /// The table keeps a 128-bit fingerprint of each id and a time, both values: no object per id outlives its
    /// message. Keeping the id strings made every message leave one live string behind, so every collection was a
    /// gen1 one (issue 14: 11 ms of GC pause per 10 000 messages in a burst).
    /// </remarks>
    public sealed class RecentIds
    {
        private readonly Dictionary<IdPrint, long> _seen = new Dictionary<IdPrint, long>();
        private readonly Queue<KeyValuePair<IdPrint, long>> _order = new Queue<KeyValuePair<IdPrint, long>>();
        private readonly int _capacity;
        private readonly int _maxIds;
        private readonly TimeSpan _window;
        private readonly Func<DateTime> _clock;
        private readonly bool _injected;
        // Per table, unknown outside the process: nobody can compute ids that pile into one slot of _seen.
        private readonly ulong _seed = NewSeed();

        public RecentIds(int capacity, TimeSpan window, Func<DateTime> clock = null, int maxIds = 100000)
        {
            _capacity = Math.Max(1, capacity); _window = window; _clock = clock ?? (() => MonotonicClock.UtcNow);
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
            long now = (_injected ? _clock() : utcNow).Ticks;
            var print = IdPrint.Of(id, _seed);
            lock (_seen)
            {
                // Forget an id only when both limits agree: beyond capacity AND older than the window.
                while (_order.Count >= _maxIds
                    || (_order.Count > _capacity && now - _order.Peek().Value > _window.Ticks))
                {
                    var old = _order.Dequeue();
                    if (_seen.TryGetValue(old.Key, out var at) && at == old.Value) _seen.Remove(old.Key);
                }
                if (_seen.ContainsKey(print)) return false;
                _seen[print] = now;
                _order.Enqueue(new KeyValuePair<IdPrint, long>(print, now));
                return true;
            }
        }

        public int Count { get { lock (_seen) return _seen.Count; } }

        public int MaxIds => _maxIds;

        /// <summary>The fingerprint this table keeps for <paramref name="id"/>.</summary>
        internal IdPrint PrintOf(string id) => IdPrint.Of(id, _seed);

        private static ulong NewSeed()
        {
            var bytes = new byte[8];
            using (var rng = System.Security.Cryptography.RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return BitConverter.ToUInt64(bytes, 0);
        }

        /// <summary>
        /// Two independent 64-bit hashes of the id's characters (FNV-1a and a multiply-xorshift mix, each seeded
        /// with the table's random seed and the length): a new id is taken for a redelivery only if both collide at
        /// once.
        /// </summary>
        internal readonly struct IdPrint : IEquatable<IdPrint>
        {
            private readonly ulong _a, _b;
            private IdPrint(ulong a, ulong b) { _a = a; _b = b; }

            public static IdPrint Of(string id, ulong seed)
            {
                ulong a = 14695981039346656037UL ^ seed ^ (ulong)id.Length;
                ulong b = 0x9E3779B97F4A7C15UL + (seed * 0xD6E8FEB86659FD93UL) + (ulong)id.Length;
                foreach (char c in id)
                {
                    a = (a ^ c) * 1099511628211UL;
                    b = (b ^ c) * 0xBF58476D1CE4E5B9UL;
                    b ^= b >> 31;
                }
                return new IdPrint(a, b);
            }

            public bool Equals(IdPrint other) => _a == other._a && _b == other._b;
            public override bool Equals(object obj) => obj is IdPrint p && Equals(p);
            public override int GetHashCode() => (int)_a ^ (int)(_a >> 32) ^ (int)_b;
        }
    }
}
