using System;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>Runs posted actions on the thread pool one after another, in posting order; a throwing action is
    /// ignored.</summary>
    internal sealed class SerialDispatcher
    {
        private readonly object _gate = new object();
        private Task _tail = Task.CompletedTask;

        public Task Post(Action action)
        {
            lock (_gate)
            {
                _tail = _tail.ContinueWith(_ =>
                {
                    try { action(); } catch { /* a subscriber never breaks the session */ }
                }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return _tail;
            }
        }
    }
}
