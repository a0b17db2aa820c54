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
        private readonly List<Action> _waiters = new List<Action>();
        private long _dropped;
        private long _unreportedDrops;

        public Inbox(int capacity) { Capacity = capacity > 0 ? capacity : 10000; }

        public int Capacity { get; set; }
        public int Count { get { lock (_gate) return _items.Count; } }
        public long Dropped => Interlocked.Read(ref _dropped);

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
                wake = _waiters.Count == 0 ? null : _waiters.ToArray();
            }
            if (wake != null) foreach (var w in wake) w();
        }

        public bool TryTake(Func<WecomMessage, bool> filter, out WecomMessage message)
        {
            lock (_gate)
            {
                for (var node = _items.First; node != null; node = node.Next)
                {
                    if (filter == null || filter(node.Value))
                    {
                        message = node.Value;
                        _items.Remove(node);
                        return true;
                    }
                }
            }
            message = null;
            return false;
        }

        /// <summary>Drops counted since the last call: the next receiver warns about them once.</summary>
        public long TakeUnreportedDrops()
        {
            lock (_gate) { var n = _unreportedDrops; _unreportedDrops = 0; return n; }
        }

        /// <summary>Calls <paramref name="wake"/> (on the adding thread) whenever a message is added.</summary>
        public IDisposable OnAdded(Action wake)
        {
            lock (_gate) _waiters.Add(wake);
            return new Unsubscriber(() => { lock (_gate) _waiters.Remove(wake); });
        }

        internal sealed class Unsubscriber : IDisposable
        {
            private Action _undo;
            public Unsubscriber(Action undo) { _undo = undo; }
            public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
        }
    }
}
