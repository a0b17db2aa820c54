using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// Brings a session back after its connection is lost: attempts with backoff until one subscribes, the session
    /// is closed, the attempts run out, or the server refuses the credentials more than -MaxAuthFailureRetries times
    /// (then final: retrying would only trip the subscribe rate limit). At most one loop runs per session.
    /// </summary>
    internal sealed class Reconnector
    {
        private readonly WecomSession _session;
        private readonly WecomSessionOptions _options;
        private readonly Random _jitter = new Random();
        private int _running;
        private long _reconnects;

        public Reconnector(WecomSession session, WecomSessionOptions options)
        {
            _session = session; _options = options;
        }

        public int Reconnects => (int)Interlocked.Read(ref _reconnects);

        /// <summary>Claims the one loop of this session; false when one is running already.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _running, 1, 0) == 0;

        /// <summary>Runs the claimed loop on the thread pool.</summary>
        public Task Start() => Task.Run(RunAsync);

        private async Task RunAsync()
        {
            WebSocketConnection connected = null;
            try
            {
                connected = await ConnectAgainAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !_session.Lifetime.IsCancellationRequested)
            {
                _session.Fail(new WecomException(ErrorIds.ReconnectFailed, ErrorCategory.ConnectionError,
                    "Reconnecting failed: " + e.Message, e), null);
            }
            catch (Exception) { /* the session was closed meanwhile */ }
            finally { Volatile.Write(ref _running, 0); }
            if (connected == null) return;

            Interlocked.Increment(ref _reconnects);
            if (!_session.SetState(WecomSessionState.Connected, "reconnected"))
            {
                // Closed (Disconnect, takeover) while the last attempt was finishing: that socket must not live on.
                connected.Abort();
                return;
            }
            if (!connected.IsOpen) _session.ConnectionLost(connected, "the connection closed right after subscribing");
        }

        /// <summary>Attempts with backoff until one subscribes (returns its connection) or the session stops
        /// (null).</summary>
        private async Task<WebSocketConnection> ConnectAgainAsync()
        {
            int attempt = 0, authFailures = 0;
            var log = _session.Log;
            while (_session.State == WecomSessionState.Reconnecting && !_session.Lifetime.IsCancellationRequested)
            {
                if (_options.MaxReconnectAttempts >= 0 && attempt >= _options.MaxReconnectAttempts)
                {
                    _session.Fail(new WecomException(ErrorIds.ReconnectExhausted, ErrorCategory.ConnectionError,
                        "Gave up after " + attempt + " reconnect attempts (" + _session.LastError + ")."), null);
                    return null;
                }
                var delay = NextDelay(attempt++);
                if (delay > TimeSpan.Zero)
                {
                    log.Verbose("Reconnect attempt " + attempt + " in " + delay.TotalSeconds.ToString("0.00") + " s.");
                    await Task.Delay(delay, _session.Lifetime).ConfigureAwait(false);
                }
                try
                {
                    return await _session.ConnectOnceAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (WecomCommandException refused) when (refused.ErrCode == WecomErrorCodes.InvalidCredentials)
                {
                    // -MaxAuthFailureRetries (default 0): the SDK retries a refused subscribe up to 5 times, since a
                    // 853000 right after a server restart can be passing; beyond that retrying only trips the limit.
                    if (++authFailures > _options.MaxAuthFailureRetries)
                    {
                        _session.Fail(refused, refused.ErrCode);
                        return null;
                    }
                    log.Warning("Reconnect attempt " + attempt + " was refused (853000 invalid bot_id or secret); "
                        + "retrying (" + authFailures + " of " + _options.MaxAuthFailureRetries
                        + " -MaxAuthFailureRetries).");
                    _session.LastError = refused.Message;
                }
                catch (Exception e) when (!_session.Lifetime.IsCancellationRequested)
                {
                    // Anything else (refused socket, timeout, a transient errcode on subscribe) is retried with
                    // backoff.
                    log.Verbose("Reconnect attempt " + attempt + " failed: " + e.Message);
                    _session.LastError = e.Message;
                }
            }
            return null;
        }

        public TimeSpan NextDelay(int attempt)
        {
            double r;
            lock (_jitter) r = _jitter.NextDouble();
            return Backoff.Delay(attempt, _options.ReconnectDelayBase, _options.ReconnectDelayMax, r);
        }
    }
}
