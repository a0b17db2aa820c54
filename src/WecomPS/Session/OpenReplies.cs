using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// The session's replies that were started and not completed (Start-WecomReply). Closing the session finishes
    /// them first (their last content, finish:true), bounded by <see cref="FinishBudget"/>.
    /// </summary>
    internal sealed class OpenReplies
    {
        /// <summary>How long closing a session waits for its open replies to be finished.</summary>
        public static readonly TimeSpan FinishBudget = TimeSpan.FromSeconds(3);

        private readonly object _gate = new object();
        private readonly HashSet<Reply> _open = new HashSet<Reply>();
        private readonly BackgroundTasks _tasks;

        public OpenReplies(BackgroundTasks tasks) { _tasks = tasks; }

        public int Count { get { lock (_gate) return _open.Count; } }

        public void Add(Reply reply) { lock (_gate) _open.Add(reply); }

        public void Remove(Reply reply) { lock (_gate) _open.Remove(reply); }

        /// <summary>Ctrl+C while a command waited on the reply: finish it without holding up the pipeline.</summary>
        public void FinishInBackground(Reply reply) => _tasks.Track(reply.FinishLeftOpenAsync(FinishBudget));

        /// <summary>Finishes every open reply at once; returns within the budget (and a little).</summary>
        public async Task FinishAllAsync(TimeSpan budget)
        {
            Reply[] all;
            lock (_gate) all = _open.ToArray();
            if (all.Length == 0) return;
            var finishing = Task.WhenAll(all.Select(r => r.FinishLeftOpenAsync(budget)));
            await Task.WhenAny(finishing, Task.Delay(budget + TimeSpan.FromMilliseconds(500))).ConfigureAwait(false);
        }
    }
}
