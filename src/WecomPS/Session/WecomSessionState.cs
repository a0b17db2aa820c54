using System;

namespace WecomPS.Session
{
    public enum WecomSessionState
    {
        /// <summary>Opening the socket and waiting for the aibot_subscribe ack.</summary>
        Connecting,
        Connected,
        /// <summary>The connection was lost; the session is connecting again with backoff.</summary>
        Reconnecting,
        /// <summary>Closed by the user (Disconnect-WecomBot, module removal).</summary>
        Disconnected,
        /// <summary>Another connection for the same bot took over (disconnected_event). Never reconnects.</summary>
        Superseded,
        /// <summary>Gave up: auth rejected, or reconnect attempts exhausted. See LastError.</summary>
        Failed,
    }

    public sealed class SessionStateChangedEventArgs : EventArgs
    {
        public WecomSessionState OldState { get; }
        public WecomSessionState NewState { get; }
        public string Reason { get; }
        public DateTimeOffset At { get; }

        public SessionStateChangedEventArgs(WecomSessionState oldState, WecomSessionState newState, string reason)
        {
            OldState = oldState; NewState = newState; Reason = reason; At = DateTimeOffset.Now;
        }

        public override string ToString() => OldState + " -> " + NewState + (Reason != null ? " (" + Reason + ")" : "");
    }

    public sealed class MessageReceivedEventArgs : EventArgs
    {
        public Messages.WecomMessage Message { get; }
        public MessageReceivedEventArgs(Messages.WecomMessage message) { Message = message; }
    }
}
