using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// The session's state and the signal that fires on every change. A closed session (Disconnected, Superseded,
    /// Failed) stays closed: only Disconnected may follow another closed state, and only when asked for.
    /// </summary>
    internal sealed class SessionStateMachine
    {
        private readonly object _gate = new object();
        private WecomSessionState _state = WecomSessionState.Connecting;
        private TaskCompletionSource<bool> _changed = NewSignal();

        public WecomSessionState State { get { lock (_gate) return _state; } }

        /// <summary>Completes at the next change of state.</summary>
        public Task NextChange { get { lock (_gate) return _changed.Task; } }

        public static bool IsClosed(WecomSessionState s) =>
            s == WecomSessionState.Disconnected || s == WecomSessionState.Superseded || s == WecomSessionState.Failed;

        /// <summary>Moves to <paramref name="next"/>; false when refused (no change, or a closed session).</summary>
        public bool TryMove(WecomSessionState next, bool onlyFromLive, out WecomSessionState old)
        {
            TaskCompletionSource<bool> signal;
            lock (_gate)
            {
                old = _state;
                if (old == next) return false;
                if (IsClosed(old) && (onlyFromLive || next != WecomSessionState.Disconnected)) return false;
                _state = next;
                signal = _changed;
                _changed = NewSignal();
            }
            signal.TrySetResult(true);
            return true;
        }

        private static TaskCompletionSource<bool> NewSignal() =>
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
