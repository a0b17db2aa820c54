using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// Opens the sessions of a pipeline of bots a few at a time and hands them back in input order, so that piping
    /// 1000 bots into Connect-WecomBot overlaps their handshakes instead of waiting for each in turn. The outcome
    /// is the one a loop would give: the sessions handed back stay connected, the last one handed back is the
    /// default, and when one fails (or the pipeline stops) the ones after it that were already connecting are
    /// cancelled and any that connected are closed again.
    /// </summary>
    public sealed class ConnectBatch : IDisposable
    {
        /// <summary>How long <see cref="Abandon"/> waits for the cancelled opens to end.</summary>
        private static readonly TimeSpan AbandonWait = TimeSpan.FromSeconds(5);

        private readonly Queue<Entry> _open = new Queue<Entry>();
        private readonly CancellationTokenSource _cancel;
        private readonly Func<WecomSessionOptions, CancellationToken, Task<WecomSession>> _opener;

        public ConnectBatch(int throttle, CancellationToken stop,
            Func<WecomSessionOptions, CancellationToken, Task<WecomSession>> opener)
        {
            if (throttle < 1) throw new ArgumentOutOfRangeException(nameof(throttle));
            Throttle = throttle;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            _opener = opener;
        }

        /// <summary>The most sessions connecting at once.</summary>
        public int Throttle { get; }

        /// <summary>
        /// True when no more may start before the oldest is handed back: the throttle is reached, or the next one
        /// would touch a session, in this batch or from before it, and so may start only after every bot before it
        /// has connected, as in a loop. A name holds one session, so a second of the same name replaces the first;
        /// and the server keeps one connection per bot, so a second of the same bot id takes the bot from the
        /// first. Started early, a replacement would close a session that a loop stopped by a failure never
        /// reaches, and two subscribes of one bot in flight together supersede each other in any order.
        /// </summary>
        public bool MustTakeBefore(WecomSessionOptions next)
        {
            if (_open.Count >= Throttle) return true;
            if (_open.Count == 0) return false;
            var name = next.SessionName;
            foreach (var entry in _open)
                if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(entry.BotId, next.BotId, StringComparison.Ordinal)) return true;
            return SessionStore.Holds(name, next.BotId);
        }

        /// <summary>Starts connecting; <paramref name="target"/> names the bot in errors.</summary>
        public void Start(WecomSessionOptions options, object target, Action<Task> whenDone = null)
        {
            var task = _opener(options, _cancel.Token);
            if (whenDone != null) task.ContinueWith(whenDone, TaskContinuationOptions.ExecuteSynchronously);
            _open.Enqueue(new Entry(options.SessionName, options.BotId, target, task));
        }

        /// <summary>The oldest open entry, whose task the caller awaits before <see cref="TakeOldest"/>.</summary>
        public Entry Oldest => _open.Count == 0 ? null : _open.Peek();

        /// <summary>Hands back the oldest, which has connected: only now is it registered (Get-WecomSession lists
        /// it) and made the default session, as the latest of a loop would be. The others may have connected
        /// already, but they stay out of the session list until their turn, so what runs downstream sees the
        /// sessions a loop would have connected by then, and the default is the one just handed on.</summary>
        public WecomSession TakeOldest()
        {
            var entry = _open.Dequeue();
            var session = entry.Task.GetAwaiter().GetResult();
            SessionStore.Add(session);
            return session;
        }

        /// <summary>
        /// Cancels every open entry (the oldest failed, or the pipeline stopped) and closes those that connected
        /// anyway, waiting a bounded time so that nothing of this batch is left in the session list afterwards.
        /// </summary>
        public void Abandon()
        {
            if (_open.Count == 0) return;
            _cancel.Cancel();
            var ending = new List<Task>();
            while (_open.Count > 0) ending.Add(CloseIfOpened(_open.Dequeue().Task));
            try { Task.WaitAll(ending.ToArray(), AbandonWait); } catch { }
        }

        public void Dispose() => _cancel.Dispose();

        private static async Task CloseIfOpened(Task<WecomSession> opening)
        {
            WecomSession session;
            try { session = await opening.ConfigureAwait(false); }
            catch { return; }   // cancelled or failed: the opener disposed it
            // Connected but never handed back, so never registered.
            await session.DisconnectAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        public sealed class Entry
        {
            public Entry(string name, string botId, object target, Task<WecomSession> task)
            {
                Name = name; BotId = botId; Target = target; Task = task;
            }

            public string Name { get; }
            public string BotId { get; }
            public object Target { get; }
            public Task<WecomSession> Task { get; }
        }
    }
}
