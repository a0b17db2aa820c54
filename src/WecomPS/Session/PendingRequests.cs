using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// Commands waiting for their ack, by exact req_id. Acks carry no sequence number, so a req_id can have only
    /// one command in flight: registering a second one is a bug and throws.
    /// </summary>
    internal sealed class PendingRequests
    {
        private readonly ConcurrentDictionary<string, Entry> _entries = new ConcurrentDictionary<string,
            Entry>(StringComparer.Ordinal);

        internal sealed class Entry
        {
            public string Cmd;
            public int Generation;
            public readonly TaskCompletionSource<InboundFrame> Ack =
                new TaskCompletionSource<InboundFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public int Count => _entries.Count;

        public Entry Register(string reqId, string cmd, int generation)
        {
            var e = new Entry { Cmd = cmd, Generation = generation };
            if (!_entries.TryAdd(reqId, e)) throw new InvalidOperationException("A command with req_id " + reqId
                + " is already waiting for its ack.");
            return e;
        }

        public void Remove(string reqId, Entry entry)
        {
            ((System.Collections.Generic.ICollection<System.Collections.Generic.KeyValuePair<string, Entry>>)_entries)
                .Remove(new System.Collections.Generic.KeyValuePair<string, Entry>(reqId, entry));
        }

        /// <summary>Completes the command waiting for this ack; false for an ack nobody waits for (late or
        /// unknown).</summary>
        public bool Complete(InboundFrame ack)
        {
            if (ack.ReqId == null || !_entries.TryRemove(ack.ReqId, out var e)) return false;
            e.Ack.TrySetResult(ack);
            return true;
        }

        /// <summary>Fails every command sent on <paramref name="generation"/> (or all, when null): its connection is
        /// gone.</summary>
        public void FailGeneration(int? generation, Func<Entry, string, Exception> error)
        {
            foreach (var kv in _entries)
            {
                if (generation.HasValue && kv.Value.Generation != generation.Value) continue;
                if (_entries.TryRemove(kv.Key, out var e)) e.Ack.TrySetException(error(e, kv.Key));
            }
        }
    }
}
