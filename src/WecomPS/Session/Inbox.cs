using System;
using System.Collections.Generic;
using System.Threading;
using WecomPS.Messages;

namespace WecomPS.Session
{
    /// <summary>
    /// The session's queue of messages nobody has received yet. Bounded (oldest dropped and counted on overflow);
    /// a receiver can take the first message matching a filter and leave the rest queued for later.
    /// </summary>
    public sealed class Inbox
    {
        private readonly object _gate = new object();
        private readonly LinkedList<WecomMessage> _items = new LinkedList<WecomMessage>();
        // Copy-on-write under _gate: Add hands the current array to its wake-ups without copying it per message.
        private Action[] _waiters = Array.Empty<Action>();
        private readonly List<Func<WecomMessage, bool>> _claims = new List<Func<WecomMessage, bool>>();
        private long _dropped;
        private long _unreportedDrops;
        private long _staleSkipped;

        public Inbox(int capacity) { Capacity = capacity > 0 ? capacity : 10000; }

        public int Capacity { get; set; }
        public int Count { get { lock (_gate) return _items.Count; } }
        public long Dropped => Interlocked.Read(ref _dropped);
        /// <summary>Messages removed unseen because a receiver found them too old (-MaxAgeSec).</summary>
        public long StaleSkipped => Interlocked.Read(ref _staleSkipped);

        public void Add(WecomMessage message)
        {
            Action[] wake;
            lock (_gate)
            {
                _items.AddLast(message);
                while (_items.Count > Capacity)
                {
                    _items.RemoveFirst();
                    _dropped++;
                    _unreportedDrops++;
                }
                wake = _waiters;
            }
            foreach (var w in wake) w();
        }

        public bool TryTake(Func<WecomMessage, bool> filter, out WecomMessage message) => TryTake(filter, null, null,
            out message);

        /// <summary>
        /// Takes the first message matching <paramref name="filter"/>. Matching messages that <paramref name="stale"/>
        /// says are too old on the way are removed, counted (<see cref="StaleSkipped"/>) and added to
        /// <paramref name="skipped"/>; messages the filter does not match stay queued, old or not.
        /// </summary>
        public bool TryTake(Func<WecomMessage, bool> filter, Func<WecomMessage, bool> stale,
            ICollection<WecomMessage> skipped,
            out WecomMessage message)
        {
            lock (_gate)
            {
                var node = _items.First;
                while (node != null)
                {
                    var next = node.Next;
                    if (IsClaimedByOther(node.Value, filter)) { node = next; continue; }
                    if (filter == null || filter(node.Value))
                    {
                        if (stale != null && stale(node.Value))
                        {
                            _items.Remove(node);
                            Interlocked.Increment(ref _staleSkipped);
                            skipped?.Add(node.Value);
                        }
                        else
                        {
                            message = node.Value;
                            _items.Remove(node);
                            return true;
                        }
                    }
                    node = next;
                }
            }
            message = null;
            return false;
        }

        /// <summary>
        /// When a message was sent, for age limits: its <c>create_time</c> when usable (present, after 2000-01-01,
        /// not after it was received: a message is never younger than its arrival), else when this session received
        /// it.
        /// </summary>
        public static DateTimeOffset SentAt(WecomMessage m) =>
            HasUsableCreateTime(m) ? m.CreateTime.Value : m.ReceivedAt;

        internal static bool HasUsableCreateTime(WecomMessage m) =>
            m.CreateTime.HasValue && m.CreateTime.Value > UsableSince && m.CreateTime.Value <= m.ReceivedAt;

        /// <summary>True when the message was sent more than <paramref name="maxAge"/> before <paramref
        /// name="now"/>.</summary>
        public static bool IsOlderThan(WecomMessage m, TimeSpan maxAge, DateTimeOffset now) => now - SentAt(m) > maxAge;

        private static readonly DateTimeOffset UsableSince = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

        /// <summary>Drops counted since the last call: the next receiver warns about them once.</summary>
        public long TakeUnreportedDrops()
        {
            lock (_gate) { var n = _unreportedDrops; _unreportedDrops = 0; return n; }
        }

        /// <summary>
        /// Reserves the messages <paramref name="claim"/> matches for the one taker whose filter is that same
        /// delegate (a waiting Request-WecomApproval and its card's clicks): other receivers skip them until the
        /// claim is disposed.
        /// </summary>
        public IDisposable Claim(Func<WecomMessage, bool> claim)
        {
            if (claim == null) throw new ArgumentNullException(nameof(claim));
            lock (_gate) _claims.Add(claim);
            return new Unsubscriber(() =>
            {
                Action[] wake;
                lock (_gate) { _claims.Remove(claim); wake = _waiters; }
                // A receiver that skipped a claimed message while it waited (a click that came as a stopped approval
                // was unwinding) looks again now, instead of sleeping until the next message.
                foreach (var w in wake) w();
            });
        }

        private bool IsClaimedByOther(WecomMessage m, Func<WecomMessage, bool> taker)
        {
            foreach (var c in _claims)
                if (!ReferenceEquals(c, taker) && c(m)) return true;
            return false;
        }

        /// <summary>Calls <paramref name="wake"/> (on the adding thread) whenever a message is added.</summary>
        public IDisposable OnAdded(Action wake)
        {
            lock (_gate)
            {
                var more = new Action[_waiters.Length + 1];
                Array.Copy(_waiters, more, _waiters.Length);
                more[_waiters.Length] = wake;
                _waiters = more;
            }
            return new Unsubscriber(() =>
            {
                lock (_gate)
                {
                    int at = Array.IndexOf(_waiters, wake);
                    if (at < 0) return;
                    var fewer = new Action[_waiters.Length - 1];
                    Array.Copy(_waiters, 0, fewer, 0, at);
                    Array.Copy(_waiters, at + 1, fewer, at, _waiters.Length - at - 1);
                    _waiters = fewer;
                }
            });
        }

        internal sealed class Unsubscriber : IDisposable
        {
            private Action _undo;
            public Unsubscriber(Action undo) { _undo = undo; }
            public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
        }
    }
}
