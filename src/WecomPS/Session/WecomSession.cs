using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// A bot's long connection, as cmdlets and tests see it. The session owns the state machine, the current
    /// connection and the secret's lifetime, and connects (subscribe); the parts it delegates to own their own state:
    /// <see cref="CommandChannel"/> (commands and acks), <see cref="InboundDispatcher"/> (frames in),
    /// <see cref="Heartbeat"/> (liveness of one connection) and <see cref="Reconnector"/> (coming back).
    /// </summary>
    public sealed class WecomSession : IDisposable
    {
        private readonly object _gate = new object();   // guards _connection and _heartbeat
        private readonly WecomSessionOptions _options;
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly SessionStateMachine _state = new SessionStateMachine();
        private readonly BackgroundTasks _tasks = new BackgroundTasks();
        private readonly SerialDispatcher _events = new SerialDispatcher();
        private readonly CommandChannel _commands;
        private readonly InboundDispatcher _inbound;
        private readonly Reconnector _reconnector;
        private WebSocketConnection _connection;
        private Heartbeat _heartbeat;
        private int _generation;

        public WecomSession(WecomSessionOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (string.IsNullOrEmpty(options.BotId)) throw new ArgumentException("BotId is required.", nameof(options));
            if (options.Secret == null) throw new ArgumentException("Secret is required.", nameof(options));
            _options = options.Clone();
            // Our own copy: it is wiped when the session ends, without touching the caller's SecureString.
            _options.Secret = options.Secret.Copy();
            _options.Secret.MakeReadOnly();
            Name = options.SessionName;
            Inbox = new Inbox(options.InboxCapacity);
            _commands = new CommandChannel(this, _options, Log);
            _inbound = new InboundDispatcher(Name, _options, Log, Inbox, _commands.Pending, OnMessage);
            _reconnector = new Reconnector(this, _options);
            Replies = new OpenReplies(_tasks);
            Id = Guid.NewGuid();
        }

        public Guid Id { get; }
        public string Name { get; }
        public string BotId => _options.BotId;
        public Uri Endpoint => _options.Endpoint;
        public WecomSessionState State => _state.State;
        public DateTimeOffset? ConnectedSince { get; private set; }
        public DateTimeOffset CreatedAt { get; } = DateTimeOffset.Now;
        public int Reconnects => _reconnector.Reconnects;
        public long MessagesReceived => _inbound.MessagesReceived;
        public long DuplicatesDropped => _inbound.DuplicatesDropped;
        public long FramesSkipped => _inbound.FramesSkipped;
        public int InboxCount => Inbox.Count;
        public long Dropped => Inbox.Dropped;
        /// <summary>Messages Receive-WecomMessage -MaxAgeSec removed from the inbox because they were too
        /// old.</summary>
        public long StaleSkipped => Inbox.StaleSkipped;
        /// <summary>Replies started with Start-WecomReply and not completed yet.</summary>
        public int OpenReplyCount => Replies.Count;
        public string LastError { get; internal set; }
        public int? LastErrorCode { get; private set; }
        public TimeSpan? LastHeartbeatRtt { get; private set; }
        public TimeSpan HeartbeatInterval => _options.HeartbeatInterval;
        public TimeSpan AckTimeout => _options.AckTimeout;
        public int InboxCapacity => Inbox.Capacity;
        public IReadOnlyCollection<ChatInfo> KnownChats => _inbound.KnownChats;

        internal Inbox Inbox { get; }
        internal OpenReplies Replies { get; }
        internal SessionLog Log { get; } = new SessionLog();
        internal WecomSessionOptions Options => _options;
        internal CancellationToken Lifetime => _lifetime.Token;
        /// <summary>Readers, heartbeats, pings, reconnect loop and event deliveries still running.</summary>
        internal int BackgroundTaskCount => _tasks.Count;
        /// <summary>The current connection's receive buffer (it shrinks back after a big frame).</summary>
        internal int ReceiveBufferSize => Volatile.Read(ref _connection)?.ReceiveBufferSize ?? 0;

        /// <summary>Raised on every state change, on a background thread (Register-ObjectEvent friendly).</summary>
        public event EventHandler<SessionStateChangedEventArgs> StateChanged;
        /// <summary>Raised for every accepted inbound message or event, on the connection's reader thread.</summary>
        public event EventHandler<MessageReceivedEventArgs> MessageReceived;

        public IDisposable AttachLog(ILogSink sink) => Log.Attach(sink);

        public override string ToString() => "WecomSession " + Name + " (" + BotId + ", " + State + ")";

        // ---------------------------------------------------------------- connecting

        /// <summary>Connects and subscribes. Returns when the subscribe ack says errcode 0; throws otherwise.</summary>
        public async Task ConnectAsync(CancellationToken ct)
        {
            try
            {
                var conn = await ConnectOnceAsync(ct).ConfigureAwait(false);
                SetState(WecomSessionState.Connected, "subscribed");
                if (!conn.IsOpen) ConnectionLost(conn, "the connection closed right after subscribing");
            }
            catch (Exception e)
            {
                var wrapped = e as WecomException ?? new WecomException(ErrorIds.ConnectFailed,
                    ErrorCategory.ConnectionError,
                    "Could not connect to " + Endpoint + ": " + e.Message, e);
                Fail(wrapped, (wrapped as WecomCommandException)?.ErrCode);
                if (e is OperationCanceledException) throw;
                throw wrapped;
            }
        }

        /// <summary>Opens a socket, makes it the current connection and subscribes on it (the first frame).</summary>
        internal async Task<WebSocketConnection> ConnectOnceAsync(CancellationToken ct)
        {
            int gen = Interlocked.Increment(ref _generation);
            var conn = new WebSocketConnection(gen);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, _lifetime.Token))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                Log.Verbose("Connecting to " + Endpoint + " as bot " + BotId + " (attempt on connection #" + gen
                    + ").");
                try
                {
                    await conn.OpenAsync(_options, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is WecomException))
                {
                    conn.Dispose();
                    if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                    if (timeout.IsCancellationRequested && !_lifetime.IsCancellationRequested)
                        throw new WecomException(ErrorIds.ConnectTimeout, ErrorCategory.OperationTimeout,
                            "Could not open a WebSocket to " + Endpoint + " within "
                                + _options.ConnectTimeout.TotalSeconds + " s.", e);
                    throw new WecomException(ErrorIds.ConnectFailed, ErrorCategory.ConnectionError,
                        "Could not open a WebSocket to " + Endpoint + ": " + CommandChannel.Innermost(e).Message, e);
                }

                var heartbeat = new Heartbeat(_options, _lifetime.Token);
                MakeCurrent(conn, heartbeat);
                conn.StartReading(seg => OnFrame(conn, heartbeat, seg), (reason, error) => ConnectionLost(conn, reason),
                    _options.MaxInboundFrameBytes, size => OnOversizedFrame(conn, heartbeat, size));
                _tasks.Track(conn.ReaderTask);
                await Subscription.SubscribeAsync(_commands, conn, _options, Log, ct, timeout).ConfigureAwait(false);
                ConnectedSince = DateTimeOffset.Now;
                _tasks.Track(heartbeat.RunAsync(
                    live: () => IsCurrent(conn) && State == WecomSessionState.Connected,
                    ping: () => _tasks.Track(PingAsync(conn)),
                    dead: reason =>
                    {
                        Log.Warning("No frame from the server for "
                            + heartbeat.SinceLastFrame.TotalSeconds.ToString("0")
                            + " s (heartbeat " + _options.HeartbeatInterval.TotalSeconds
                                + " s): the connection is dead; reconnecting.");
                        ConnectionLost(conn, reason);
                    }));
            }
            return conn;
        }

        private void MakeCurrent(WebSocketConnection conn, Heartbeat heartbeat)
        {
            WebSocketConnection old;
            Heartbeat oldHeartbeat;
            lock (_gate)
            {
                if (_lifetime.IsCancellationRequested)
                {
                    conn.Dispose();
                    throw new OperationCanceledException("the session was closed");
                }
                old = _connection; oldHeartbeat = _heartbeat;
                _connection = conn; _heartbeat = heartbeat;
            }
            old?.Abort();
            oldHeartbeat?.Dispose();   // stopped, and its link to the session's lifetime released
        }

        private bool IsCurrent(WebSocketConnection conn) => ReferenceEquals(conn, Volatile.Read(ref _connection));

        // ---------------------------------------------------------------- sending

        /// <summary>
        /// Sends a command and returns its ack: on the request's lane, paced per conversation, waiting for a
        /// connection while reconnecting (within the timeout); see <see cref="CommandChannel"/> for the resend rules.
        /// </summary>
        public Task<InboundFrame> SendCommandAsync(CommandRequest request,
            CancellationToken ct) => _commands.SendAsync(request, ct);

        /// <summary>The open connection of a Connected session, waiting (bounded) while it reconnects.</summary>
        internal async Task<WebSocketConnection> WaitForConnectionAsync(DateTime deadline, TimeSpan budget, string cmd,
            CancellationToken ct)
        {
            bool told = false;
            while (true)
            {
                Task signal = _state.NextChange;
                var state = _state.State;
                var conn = Volatile.Read(ref _connection);
                if (state == WecomSessionState.Connected && conn != null && conn.IsOpen) return conn;
                if (SessionStateMachine.IsClosed(state)) throw Unavailable();
                if (!told) { Log.Verbose(cmd + " waits for the session to reconnect (state " + state
                    + ")."); told = true; }
                var left = deadline - MonotonicClock.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new WecomException(ErrorIds.NotConnected, ErrorCategory.ConnectionError,
                        cmd + " was not sent: session '" + Name + "' did not reconnect within " + budget.TotalSeconds
                            + " s (state " + State + ").");
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    var delay = Task.Delay(left < TimeSpan.FromMilliseconds(250) ? left
                        : TimeSpan.FromMilliseconds(250), cts.Token);
                    await Task.WhenAny(signal, delay).ConfigureAwait(false);
                    cts.Cancel();
                }
                ct.ThrowIfCancellationRequested();
            }
        }

        internal WecomException Unavailable() => SessionErrors.Unavailable(State, Name, BotId, LastError);

        // ---------------------------------------------------------------- receiving and liveness

        private void OnFrame(WebSocketConnection conn, Heartbeat heartbeat, ArraySegment<byte> utf8)
        {
            if (!IsCurrent(conn)) return;
            heartbeat.Touch();
            _inbound.OnFrame(utf8);
        }

        /// <summary>A message over MaxInboundFrameBytes: already read to its end and dropped; the reader goes
        /// on.</summary>
        private void OnOversizedFrame(WebSocketConnection conn, Heartbeat heartbeat, long size)
        {
            if (!IsCurrent(conn)) return;
            heartbeat.Touch();
            _inbound.Oversized(size, _options.MaxInboundFrameBytes);
        }

        private void OnMessage(WecomMessage message)
        {
            try { MessageReceived?.Invoke(this, new MessageReceivedEventArgs(message)); } catch { }
            if (message is WecomPS.Event.Disconnected) Supersede(Volatile.Read(ref _connection));
        }

        private async Task PingAsync(WebSocketConnection conn)
        {
            string reqId = ReqIds.New(WecomCommands.Ping);
            var started = MonotonicClock.UtcNow;
            try
            {
                using (var frame = OutboundFrame.Create(WecomCommands.Ping, reqId, null))
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token))
                {
                    cts.CancelAfter(_options.HeartbeatInterval);
                    if (Log.DebugEnabled) Log.Debug("-> " + frame.ToRedactedString());
                    var ack = await _commands.ExchangeAsync(conn, frame, cts.Token).ConfigureAwait(false);
                    LastHeartbeatRtt = MonotonicClock.UtcNow - started;
                    if (ack.ErrCode != 0) Log.Verbose("Heartbeat ack errcode " + ack.ErrCode + ".");
                    if (ack.ErrCode == WecomErrorCodes.NotSubscribed)
                        ConnectionLost(conn, "the heartbeat says the connection is not subscribed (846609)");
                }
            }
            catch (Exception e) { Log.Debug("Heartbeat " + reqId + " got no ack: " + e.Message); }
        }

        // ---------------------------------------------------------------- losing the connection, ending

        /// <summary>The connection is gone (closed, failed, silent, unsubscribed): fail its commands, then
        /// reconnect.</summary>
        internal void ConnectionLost(WebSocketConnection conn, string reason)
        {
            bool startLoop = false;
            lock (_gate)
            {
                conn.Abort();
                if (!ReferenceEquals(conn, _connection)) return;
                _heartbeat?.Stop();
                startLoop = State == WecomSessionState.Connected && _reconnector.TryClaim();
            }
            _commands.Pending.FailGeneration(conn.Generation, (e, id) => new ConnectionLostException(reason));
            if (startLoop)
            {
                LastError = reason;
                SetState(WecomSessionState.Reconnecting, reason);
                _tasks.Track(_reconnector.Start());
            }
        }

        private void Supersede(WebSocketConnection conn)
        {
            const string takenOver = "another connection took over this bot (disconnected_event)";
            if (!SetState(WecomSessionState.Superseded, takenOver, onlyFromLive: true)) return;
            LastError = takenOver;
            Log.Warning("Session '" + Name + "': another connection took over bot " + BotId
                + "; this session stops and will not reconnect.");
            conn?.Abort();
            StopHeartbeat();
            // Commands already written may have reached the server before the takeover: their delivery is unknown.
            _commands.Pending.FailGeneration(null, (e, id) => new ConnectionLostException(takenOver));
        }

        internal void Fail(WecomException error, int? errCode)
        {
            LastError = error.Message;
            LastErrorCode = errCode;
            if (SetState(WecomSessionState.Failed, error.Message, onlyFromLive: true))
            {
                Volatile.Read(ref _connection)?.Abort();
                StopHeartbeat();
                _commands.Pending.FailGeneration(null, (e, id) => Unavailable());
            }
        }

        private void StopHeartbeat() { lock (_gate) _heartbeat?.Stop(); }

        /// <summary>Returns false when the change is refused (a closed session stays closed).</summary>
        internal bool SetState(WecomSessionState next, string reason, bool onlyFromLive = false)
        {
            if (!_state.TryMove(next, onlyFromLive, out var old)) return false;
            if (SessionStateMachine.IsClosed(next)) ForgetSecret();
            Log.Verbose("Session '" + Name + "': " + old + " -> " + next + (reason != null ? " (" + reason + ")" : "")
                + ".");
            var handler = StateChanged;
            if (handler != null)
            {
                // Handlers run off the caller's thread but one at a time, in the order the changes happened.
                var args = new SessionStateChangedEventArgs(old, next, reason);
                _tasks.Track(_events.Post(() => handler(this, args)));
            }
            return true;
        }

        /// <summary>A session that has ended never subscribes again: the secret is kept only as long as reconnects need
        /// it.</summary>
        private void ForgetSecret()
        {
            try { _options.Secret.Dispose(); } catch (ObjectDisposedException) { }
        }

        /// <summary>Exponential backoff with full jitter (see <see cref="Backoff"/>).</summary>
        internal TimeSpan NextDelay(int attempt) => _reconnector.NextDelay(attempt);

        /// <summary>Waits (bounded) until the state leaves Connecting/Reconnecting or the token fires; returns the
        /// state.</summary>
        public async Task<WecomSessionState> WaitForStateChangeAsync(TimeSpan timeout, CancellationToken ct)
        {
            Task signal = _state.NextChange;
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await Task.WhenAny(signal, Task.Delay(timeout, cts.Token)).ConfigureAwait(false);
                cts.Cancel();
            }
            return State;
        }

        /// <summary>
        /// Finishes the open replies (bounded by <see cref="OpenReplies.FinishBudget"/>), then closes the socket
        /// cleanly and stops the heartbeat and reconnects. State becomes Disconnected.
        /// </summary>
        public async Task DisconnectAsync(TimeSpan? timeout = null)
        {
            if (!SessionStateMachine.IsClosed(State) && Replies.Count > 0)
                await Replies.FinishAllAsync(OpenReplies.FinishBudget).ConfigureAwait(false);
            SetState(WecomSessionState.Disconnected, "closed by the user");
            try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
            WebSocketConnection conn;
            lock (_gate) conn = _connection;
            _commands.Pending.FailGeneration(null, (e, id) => Unavailable());
            if (conn != null)
            {
                Log.Verbose("Closing the connection of session '" + Name + "'.");
                await conn.CloseAsync(timeout ?? TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                conn.Dispose();
            }
            await _tasks.WaitAllAsync(timeout ?? TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        public void Dispose()
        {
            try { DisconnectAsync(TimeSpan.FromSeconds(1)).Wait(TimeSpan.FromSeconds(3)
                + OpenReplies.FinishBudget); } catch { }
        }
    }
}
