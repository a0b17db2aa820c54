using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// The first exchange on a new socket (docs/protocol.md §2): <c>aibot_subscribe</c> with the bot id and the
    /// secret, and what its ack, its absence or a failed socket mean for the caller.
    /// </summary>
    internal static class Subscription
    {
        public static async Task SubscribeAsync(CommandChannel commands, WebSocketConnection conn,
            WecomSessionOptions options,
            SessionLog log, CancellationToken ct, CancellationTokenSource timeout)
        {
            string reqId = ReqIds.New(WecomCommands.Subscribe);
            using (var frame = SubscribeFrame.Create(reqId, options.BotId, options.Secret, options.Scene,
                options.PlugVersion))
            {
                log.Verbose("-> aibot_subscribe " + reqId + " (bot_id " + options.BotId + ", secret redacted)");
                if (log.DebugEnabled) log.Debug("-> " + frame.ToRedactedString());
                InboundFrame ack;
                try
                {
                    ack = await commands.ExchangeAsync(conn, frame, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is WecomException))
                {
                    conn.Abort();
                    if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                    if (timeout.IsCancellationRequested)
                        throw new WecomException(ErrorIds.ConnectTimeout, ErrorCategory.OperationTimeout,
                            "The server did not acknowledge aibot_subscribe within "
                            + options.ConnectTimeout.TotalSeconds + " s.", e);
                    throw new WecomException(ErrorIds.ConnectFailed, ErrorCategory.ConnectionError,
                        "The connection failed during aibot_subscribe: " + e.Message, e);
                }
                if (ack.ErrCode != 0)
                {
                    conn.Abort();   // the server leaves a rejected socket open; close it ourselves
                    throw new WecomCommandException(WecomCommands.Subscribe, reqId, ack.ErrCode ?? -1, ack.ErrMsg,
                        "bot " + options.BotId);
                }
                log.Verbose("<- aibot_subscribe ack errcode 0: connected as " + options.BotId + ".");
            }
        }
    }

    /// <summary>What a session that has ended says to every command sent on it.</summary>
    internal static class SessionErrors
    {
        public static WecomException Unavailable(WecomSessionState state, string name, string botId, string lastError)
        {
            switch (state)
            {
                case WecomSessionState.Superseded:
                    return new WecomException(ErrorIds.SessionSuperseded, ErrorCategory.ResourceUnavailable,
                        "Another connection took over bot " + botId + " (disconnected_event): session '" + name
                        + "' is closed and does not reconnect. Run Connect-WecomBot to take the bot back.");
                case WecomSessionState.Failed:
                    return new WecomException(ErrorIds.SessionFailed, ErrorCategory.ResourceUnavailable,
                        "Session '" + name + "' has failed" + (lastError != null ? ": " + lastError : "")
                        + ". Run Connect-WecomBot again.");
                default:
                    return new WecomException(ErrorIds.SessionClosed, ErrorCategory.ResourceUnavailable,
                        "Session '" + name + "' is disconnected. Run Connect-WecomBot to open a new one.");
            }
        }
    }
}
