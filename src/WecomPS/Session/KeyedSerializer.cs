using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// One-at-a-time lanes by key: replies under one req_id go strictly one after another, each after the previous
    /// ack (acks carry no sequence, docs/protocol.md §10.4). Different keys run in parallel.
    /// </summary>
    internal sealed class KeyedSerializer
    {
        private readonly Dictionary<string, Lane> _lanes = new Dictionary<string, Lane>(StringComparer.Ordinal);

        private sealed class Lane { public readonly SemaphoreSlim Gate = new SemaphoreSlim(1, 1); public int Users; }

        public async Task<IDisposable> AcquireAsync(string key, CancellationToken ct)
        {
            Lane lane;
            lock (_lanes)
            {
                if (!_lanes.TryGetValue(key, out lane)) _lanes[key] = lane = new Lane();
                lane.Users++;
            }
            try
            {
                await lane.Gate.WaitAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                Release(key, lane, false);
                throw;
            }
            return new Inbox.Unsubscriber(() => Release(key, lane, true));
        }

        private void Release(string key, Lane lane, bool held)
        {
            if (held) lane.Gate.Release();
            lock (_lanes)
            {
                if (--lane.Users == 0) _lanes.Remove(key);
            }
        }
    }
}
