using System;
using System.Collections.Generic;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private readonly Dictionary<string, Queue<CommandResult>> _injectedFailures = new Dictionary<string, Queue<CommandResult>>(StringComparer.Ordinal);

        /// <summary>
        /// The next <paramref name="count"/> subscribes are refused even with the right credentials
        /// (wrong credentials are always refused with 853000).
        /// </summary>
        public void RejectNextSubscribes(int count = 1, int errcode = ErrorCodes.InvalidCredentials, string errmsg = "invalid bot_id or secret")
        {
            FailNext("aibot_subscribe", errcode, errmsg, count);
        }

        /// <summary>
        /// The next <paramref name="count"/> frames with this cmd are acked with <paramref name="errcode"/> and have no other effect
        /// (a failed chunk is not stored). errmsg null = the standard text for the code.
        /// </summary>
        public void FailNext(string cmd, int errcode, string errmsg = null, int count = 1)
        {
            if (cmd == null) throw new ArgumentNullException(nameof(cmd));
            var message = errmsg ?? ErrorCodes.DefaultMessage(errcode);
            lock (_state.Sync)
            {
                if (!_injectedFailures.TryGetValue(cmd, out var queue)) _injectedFailures[cmd] = queue = new Queue<CommandResult>();
                for (int i = 0; i < count; i++) queue.Enqueue(CommandResult.Injected(errcode, message));
            }
        }

        /// <summary>Forgets failures injected with <see cref="FailNext"/> / <see cref="RejectNextSubscribes"/> that were not used.</summary>
        public void ClearInjectedFailures()
        {
            lock (_state.Sync) _injectedFailures.Clear();
        }

        private bool TryTakeInjectedFailure(string cmd, out CommandResult result)
        {
            lock (_state.Sync)
            {
                if (_injectedFailures.TryGetValue(cmd, out var queue) && queue.Count > 0)
                {
                    result = queue.Dequeue();
                    return true;
                }
            }
            result = null;
            return false;
        }
    }
}
