using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Server
{
    /// <summary>Remembers background tasks so Dispose can wait for all of them to end.</summary>
    internal sealed class TaskTracker
    {
        private readonly ConcurrentDictionary<Task, byte> _running = new ConcurrentDictionary<Task, byte>();

        public void Track(Task task)
        {
            _running[task] = 0;
            task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public int Count => _running.Count;

        public bool WaitAll(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var tasks = _running.Keys.Where(t => !t.IsCompleted).ToArray();
                if (tasks.Length == 0) return true;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                try
                {
                    Task.WaitAll(tasks, left);
                }
                catch (AggregateException)
                {
                    // Faulted background tasks are not the caller's problem at shutdown.
                }
            }
        }
    }
}
