using System;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Wakes every waiter whenever the observable state changed; waiters re-check their condition.</summary>
    internal sealed class StateSignal
    {
        private TaskCompletionSource<bool> _next = NewSource();

        public Task NextChange => Volatile.Read(ref _next).Task;

        public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult(true);

        public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var change = NextChange;
                if (condition()) return true;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                change.Wait(left);
            }
        }

        public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellation)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var change = NextChange;
                if (condition()) return true;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                using (var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
                {
                    await Task.WhenAny(change, Task.Delay(left, delayCancel.Token)).ConfigureAwait(false);
                    delayCancel.Cancel();
                }
                cancellation.ThrowIfCancellationRequested();
            }
        }

        private static TaskCompletionSource<bool> NewSource()
            => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
