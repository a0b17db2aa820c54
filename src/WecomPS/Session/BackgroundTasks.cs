using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// The tasks a session runs on its own (readers, heartbeats, reconnect loop), so closing can wait for them and a
    /// test can show that none outlives the session.
    /// </summary>
    internal sealed class BackgroundTasks
    {
        private readonly HashSet<Task> _running = new HashSet<Task>();

        public int Count { get { lock (_running) return _running.Count; } }

        public Task Track(Task task)
        {
            lock (_running) _running.Add(task);
            task.ContinueWith(t => { lock (_running) _running.Remove(t); },
                TaskContinuationOptions.ExecuteSynchronously);
            return task;
        }

        /// <summary>Waits (bounded) until every tracked task has ended.</summary>
        public async Task WaitAllAsync(TimeSpan timeout)
        {
            var deadline = MonotonicClock.UtcNow + timeout;
            while (true)
            {
                Task[] left;
                lock (_running) left = _running.ToArray();
                var remaining = deadline - MonotonicClock.UtcNow;
                if (left.Length == 0 || remaining <= TimeSpan.Zero) return;
                await Task.WhenAny(Task.WhenAll(left), Task.Delay(remaining)).ConfigureAwait(false);
            }
        }
    }
}
