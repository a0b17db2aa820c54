using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// A bot's long connection: subscribe, heartbeat, reconnect with backoff, acks by req_id, inbox with dedup,
    /// per-conversation pacing, takeover handling. Cmdlets only call into this; tests drive it without PowerShell.
    /// </summary>
    public sealed class WecomSession : IDisposable
    {
        private readonly object _gate = new object();
        private readonly WecomSessionOptions _options;
        private readonly PendingRequests _pending = new PendingRequests();
        private readonly KeyedSerializer _replyLanes = new KeyedSerializer();
        private readonly RecentIds _recentIds;
        private readonly ConversationPacer _pacer;
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly ConcurrentDictionary<string, ChatInfo> _chats = new ConcurrentDictionary<string, ChatInfo>(StringComparer.Ordinal);
        private readonly Random _jitter = new Random();
        private readonly BackgroundTasks _tasks = new BackgroundTasks();
        private readonly SerialDispatcher _events = new SerialDispatcher();
        private WebSocketConnection _connection;
        private int _generation;
        private WecomSessionState _state = WecomSessionState.Connecting;
        private TaskCompletionSource<bool> _stateChanged = NewSignal();
        private long _lastFrameTicks;
        private bool _reconnectLoopRunning;
        private long _messagesReceived, _duplicatesDropped, _framesSkipped, _reconnects;

        public WecomSession(WecomSessionOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (string.IsNullOrEmpty(options.BotId)) throw new ArgumentException("BotId is required.", nameof(options));
            if (options.Secret == null) throw new ArgumentException("Secret is required.", nameof(options));
            _options = options.Clone();
            // Our own copy: it is wiped when the session ends, without touching the caller's SecureString.
            _options.Secret = options.Secret.Copy();
            _options.Secret.MakeReadOnly();
            Name = string.IsNullOrEmpty(options.Name) ? options.BotId : options.Name;
            Inbox = new Inbox(options.InboxCapacity);
            _recentIds = new RecentIds(options.DedupCapacity, options.DedupWindow, options.UtcClock);
            _pacer = new ConversationPacer(options.SendsPerMinute, options.SendsPerHour, options.UtcClock);
            Id = Guid.NewGuid();
        }

        public Guid Id { get; }
        public string Name { get; }
        public string BotId => _options.BotId;
        public Uri Endpoint => _options.Endpoint;
        public WecomSessionState State { get { lock (_gate) return _state; } }
        public DateTimeOffset? ConnectedSince { get; private set; }
        public DateTimeOffset CreatedAt { get; } = DateTimeOffset.Now;
        public int Reconnects => (int)Interlocked.Read(ref _reconnects);
        public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
        public long DuplicatesDropped => Interlocked.Read(ref _duplicatesDropped);
        public long FramesSkipped => Interlocked.Read(ref _framesSkipped);
        public int InboxCount => Inbox.Count;
        public long Dropped => Inbox.Dropped;
        public string LastError { get; private set; }
        public int? LastErrorCode { get; private set; }
        public TimeSpan? LastHeartbeatRtt { get; private set; }
        public TimeSpan HeartbeatInterval => _options.HeartbeatInterval;
        public TimeSpan AckTimeout => _options.AckTimeout;
        public int InboxCapacity => Inbox.Capacity;
        public IReadOnlyCollection<ChatInfo> KnownChats => (IReadOnlyCollection<ChatInfo>)_chats.Values;

        internal Inbox Inbox { get; }
        internal SessionLog Log { get; } = new SessionLog();
        internal WecomSessionOptions Options => _options;
        internal CancellationToken Lifetime => _lifetime.Token;
        /// <summary>Readers, heartbeats, pings, reconnect loop and event deliveries still running.</summary>
        internal int BackgroundTaskCount => _tasks.Count;
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
                var wrapped = e as WecomException ?? new WecomException("WecomConnectFailed", ErrorCategory.ConnectionError, "Could not connect to " + Endpoint + ": " + e.Message, e);
                Fail(wrapped, (wrapped as WecomCommandException)?.ErrCode);
                if (e is OperationCanceledException) throw;
                throw wrapped;
            }
        }

        private async Task<WebSocketConnection> ConnectOnceAsync(CancellationToken ct)
        {
            int gen = Interlocked.Increment(ref _generation);
            var conn = new WebSocketConnection(gen);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, _lifetime.Token))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                Log.Verbose("Connecting to " + Endpoint + " as bot " + BotId + " (attempt on connection #" + gen + ").");
                try
                {
                    await conn.OpenAsync(_options, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is WecomException))
                {
                    conn.Dispose();
                    if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                    if (timeout.IsCancellationRequested && !_lifetime.IsCancellationRequested)
                        throw new WecomException("WecomConnectTimeout", ErrorCategory.OperationTimeout,
                            "Could not open a WebSocket to " + Endpoint + " within " + _options.ConnectTimeout.TotalSeconds + " s.", e);
                    throw new WecomException("WecomConnectFailed", ErrorCategory.ConnectionError,
                        "Could not open a WebSocket to " + Endpoint + ": " + Innermost(e).Message, e);
                }

                lock (_gate)
                {
                    if (_lifetime.IsCancellationRequested)
                    {
                        conn.Dispose();
                        throw new OperationCanceledException("the session was closed");
                    }
                    var old = _connection;
                    _connection = conn;
                    old?.Abort();
                }
                Touch();
                conn.StartReading(seg => OnFrame(conn, seg), (reason, error) => OnConnectionClosed(conn, reason, error),
                    _options.MaxInboundFrameBytes, size => OnOversizedFrame(conn, size));
                _tasks.Track(conn.ReaderTask);

                string reqId = ReqIds.New(WecomCommands.Subscribe);
                using (var frame = OutboundFrame.Create(WecomCommands.Subscribe, reqId, WriteSubscribeBody, sensitive: true))
                {
                    Log.Verbose("-> aibot_subscribe " + reqId + " (bot_id " + BotId + ", secret redacted)");
                    if (Log.DebugEnabled) Log.Debug("-> " + frame.ToRedactedString());
                    InboundFrame ack;
                    try
                    {
                        ack = await ExchangeAsync(conn, frame, timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (!(e is WecomException))
                    {
                        conn.Abort();
                        if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                        if (timeout.IsCancellationRequested)
                            throw new WecomException("WecomConnectTimeout", ErrorCategory.OperationTimeout,
                                "The server did not acknowledge aibot_subscribe within " + _options.ConnectTimeout.TotalSeconds + " s.", e);
                        throw new WecomException("WecomConnectFailed", ErrorCategory.ConnectionError, "The connection failed during aibot_subscribe: " + e.Message, e);
                    }
                    if (ack.ErrCode != 0)
                    {
                        conn.Abort();   // the server leaves a rejected socket open; close it ourselves
                        throw new WecomCommandException(WecomCommands.Subscribe, reqId, ack.ErrCode ?? -1, ack.ErrMsg, "bot " + BotId);
                    }
                    Log.Verbose("<- aibot_subscribe ack errcode 0: connected as " + BotId + ".");
                }
            }
            ConnectedSince = DateTimeOffset.Now;
            _tasks.Track(HeartbeatLoopAsync(conn));
            return conn;
        }

        private unsafe void WriteSubscribeBody(System.Text.Json.Utf8JsonWriter w)
        {
            w.WriteString("bot_id", _options.BotId);
            // The secret goes from the SecureString into the frame without ever becoming a managed string.
            IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(_options.Secret);
            try
            {
                w.WriteString("secret", new ReadOnlySpan<char>((void*)ptr, _options.Secret.Length));
            }
            finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
        }

        // ---------------------------------------------------------------- sending

        /// <summary>
        /// Sends a command and returns its ack. Waits for a connection while reconnecting (within the timeout), paces
        /// per conversation, resends once after 846609, resends idempotent commands after a lost connection, and
        /// reports a lost ack of anything else as delivery unknown.
        /// </summary>
        public async Task<InboundFrame> SendCommandAsync(CommandRequest request, CancellationToken ct)
        {
            if (request.Conversation != null) await PaceAsync(request.Conversation, ct).ConfigureAwait(false);

            var budget = request.Timeout ?? _options.AckTimeout;
            var deadline = DateTime.UtcNow + budget;
            string reqId = request.ReqId ?? ReqIds.New(request.Cmd);
            bool resentAfterNotSubscribed = false;
            using (var frame = OutboundFrame.Create(request.Cmd, reqId, request.WriteBody, request.SizeHint))
            {
                while (true)
                {
                    var conn = await WaitForConnectionAsync(deadline, budget, request, ct).ConfigureAwait(false);
                    using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, _lifetime.Token))
                    {
                        var left = deadline - DateTime.UtcNow;
                        attempt.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
                        if (Log.VerboseEnabled) Log.Verbose("-> " + request.Cmd + " " + reqId + (request.Describe != null ? " " + request.Describe : "") + " (" + frame.Length + " bytes)");
                        if (Log.DebugEnabled && request.Cmd != WecomCommands.UploadChunk) Log.Debug("-> " + frame.ToRedactedString());
                        InboundFrame ack;
                        try
                        {
                            ack = await ExchangeAsync(conn, frame, attempt.Token).ConfigureAwait(false);
                        }
                        catch (ConnectionLostException lost)
                        {
                            if (request.Idempotent || lost.NothingWritten) { Log.Verbose(request.Cmd + " " + reqId + ": connection lost (" + lost.Message + "); sending again when connected."); continue; }
                            throw new WecomDeliveryUnknownException(request.Cmd, reqId, lost.Message, lost);
                        }
                        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                        {
                            if (_lifetime.IsCancellationRequested) throw Unavailable();
                            throw new WecomException("WecomAckTimeout", ErrorCategory.OperationTimeout,
                                request.Cmd + " " + reqId + " got no ack within " + budget.TotalSeconds + " s: delivery is unknown.");
                        }
                        if (Log.VerboseEnabled) Log.Verbose("<- ack " + reqId + " errcode " + ack.ErrCode + (ack.ErrCode == 0 ? "" : " " + FrameRedactor.RedactText(ack.ErrMsg, 200)));
                        if (ack.ErrCode == WecomErrorCodes.NotSubscribed)
                        {
                            // The server did not process it: reconnect, then send once more.
                            ConnectionLost(conn, "the server says the connection is not subscribed (846609)");
                            if (!resentAfterNotSubscribed) { resentAfterNotSubscribed = true; continue; }
                        }
                        if (ack.ErrCode != 0)
                            throw new WecomCommandException(request.Cmd, reqId, ack.ErrCode ?? -1, ack.ErrMsg, request.Conversation != null ? "conversation " + request.Conversation : null);
                        return ack;
                    }
                }
            }
        }

        /// <summary>Runs <paramref name="action"/> alone on the lane of a callback req_id (replies go one at a time).</summary>
        public async Task<T> OnReplyLaneAsync<T>(string reqId, Func<Task<T>> action, CancellationToken ct)
        {
            using (await _replyLanes.AcquireAsync(reqId, ct).ConfigureAwait(false))
                return await action().ConfigureAwait(false);
        }

        private const string NotWritten = "the connection was not open, nothing was written";

        private async Task<InboundFrame> ExchangeAsync(WebSocketConnection conn, OutboundFrame frame, CancellationToken ct)
        {
            var entry = _pending.Register(frame.ReqId, frame.Cmd, conn.Generation);
            try
            {
                if (!conn.IsOpen) throw new ConnectionLostException(NotWritten, nothingWritten: true);
                // A write that has begun is never cancelled (that would abort the shared socket): on cancellation the
                // caller stops waiting, and the frame's buffer stays alive until the write is done.
                var write = conn.SendAsync(frame.Utf8, ct);
                try
                {
                    await WhenDoneOrCancelled(write, ct).ConfigureAwait(false);
                }
                catch (ConnectionLostException lost) when (lost.NothingWritten) { throw new ConnectionLostException(NotWritten, nothingWritten: true); }
                catch (ConnectionLostException) { throw; }   // closed during the write: whether the server got it is unknown
                catch (OperationCanceledException) { frame.HoldUntil(write); throw; }
                catch (Exception e) { throw new ConnectionLostException("the send failed: " + Innermost(e).Message, e); }
                await WhenDoneOrCancelled(entry.Ack.Task, ct).ConfigureAwait(false);
                return await entry.Ack.Task.ConfigureAwait(false);
            }
            finally
            {
                _pending.Remove(frame.ReqId, entry);
            }
        }

        /// <summary>Awaits <paramref name="task"/>, or throws OperationCanceledException as soon as <paramref name="ct"/> fires.</summary>
        private static async Task WhenDoneOrCancelled(Task task, CancellationToken ct)
        {
            if (!task.IsCompleted && ct.CanBeCanceled)
            {
                var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (ct.Register(() => cancelled.TrySetResult(true)))
                {
                    if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
                    {
                        _ = task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                        throw new OperationCanceledException(ct);
                    }
                }
            }
            await task.ConfigureAwait(false);
        }

        private async Task<WebSocketConnection> WaitForConnectionAsync(DateTime deadline, TimeSpan budget, CommandRequest request, CancellationToken ct)
        {
            bool told = false;
            while (true)
            {
                Task signal;
                lock (_gate)
                {
                    if (_state == WecomSessionState.Connected && _connection != null && _connection.IsOpen) return _connection;
                    if (_state == WecomSessionState.Disconnected || _state == WecomSessionState.Superseded || _state == WecomSessionState.Failed) throw Unavailable();
                    signal = _stateChanged.Task;
                }
                if (!told) { Log.Verbose(request.Cmd + " waits for the session to reconnect (state " + State + ")."); told = true; }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new WecomException("WecomNotConnected", ErrorCategory.ConnectionError,
                        request.Cmd + " was not sent: session '" + Name + "' did not reconnect within " + budget.TotalSeconds + " s (state " + State + ").");
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    var delay = Task.Delay(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), cts.Token);
                    await Task.WhenAny(signal, delay).ConfigureAwait(false);
                    cts.Cancel();
                }
                ct.ThrowIfCancellationRequested();
            }
        }

        private async Task PaceAsync(string conversation, CancellationToken ct)
        {
            bool told = false;
            while (true)
            {
                var wait = _pacer.TryReserve(conversation);
                if (wait <= TimeSpan.Zero) return;
                if (!told)
                {
                    Log.Verbose("Pacing: waiting " + wait.TotalSeconds.ToString("0.0") + " s before the next send to " + conversation + " (limit " + _options.SendsPerMinute + "/min, " + _options.SendsPerHour + "/h).");
                    told = true;
                }
                // Ask the pacer again at least once a second: its clock, not this timer, decides when a slot frees up.
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _lifetime.Token))
                    await Task.Delay(wait < PacingRecheck ? wait : PacingRecheck, linked.Token).ConfigureAwait(false);
            }
        }

        private static readonly TimeSpan PacingRecheck = TimeSpan.FromSeconds(1);

        internal WecomException Unavailable()
        {
            switch (State)
            {
                case WecomSessionState.Superseded:
                    return new WecomException("WecomSessionSuperseded", ErrorCategory.ResourceUnavailable,
                        "Another connection took over bot " + BotId + " (disconnected_event): session '" + Name + "' is closed and does not reconnect. Run Connect-WecomBot to take the bot back.");
                case WecomSessionState.Failed:
                    return new WecomException("WecomSessionFailed", ErrorCategory.ResourceUnavailable,
                        "Session '" + Name + "' has failed" + (LastError != null ? ": " + LastError : "") + ". Run Connect-WecomBot again.");
                default:
                    return new WecomException("WecomSessionClosed", ErrorCategory.ResourceUnavailable,
                        "Session '" + Name + "' is disconnected. Run Connect-WecomBot to open a new one.");
            }
        }

        // ---------------------------------------------------------------- receiving

        private void OnFrame(WebSocketConnection conn, ArraySegment<byte> utf8)
        {
            if (!ReferenceEquals(conn, Volatile.Read(ref _connection))) return;
            Touch();
            try { HandleFrame(conn, utf8); }
            catch (Exception e)
            {
                // Whatever a frame holds, it must not end the reader (and with it the connection).
                Interlocked.Increment(ref _framesSkipped);
                Log.Verbose("Skipped a frame that could not be handled (" + e.GetType().Name + ": " + e.Message + "): " + Excerpt(utf8));
            }
        }

        /// <summary>A message over MaxInboundFrameBytes: already read to its end and dropped; the reader goes on.</summary>
        private void OnOversizedFrame(WebSocketConnection conn, long size)
        {
            if (!ReferenceEquals(conn, Volatile.Read(ref _connection))) return;
            Touch();
            Interlocked.Increment(ref _framesSkipped);
            Log.Verbose("Skipped a frame of " + size + " bytes: larger than MaxInboundFrameBytes (" +
                        _options.MaxInboundFrameBytes + " bytes); it was not kept.");
        }

        private void HandleFrame(WebSocketConnection conn, ArraySegment<byte> utf8)
        {
            if (Log.DebugEnabled) Log.Debug("<- " + FrameRedactor.Redact(utf8));
            InboundFrame frame;
            try { frame = InboundFrame.Parse(utf8); }
            catch (FormatException e)
            {
                Interlocked.Increment(ref _framesSkipped);
                Log.Verbose("Skipped a malformed frame (" + e.Message.Split('\n')[0] + "): " + Excerpt(utf8));
                return;
            }

            if (frame.IsAck)
            {
                if (!_pending.Complete(frame)) Log.Verbose("<- ack for " + frame.ReqId + " that nobody waits for (late or unknown): ignored.");
                return;
            }
            if (frame.Cmd != null && MessageParser.IsCallback(frame.Cmd))
            {
                WecomMessage message;
                try { message = MessageParser.Parse(frame, DateTimeOffset.Now); }
                catch (Exception e)
                {
                    Interlocked.Increment(ref _framesSkipped);
                    Log.Verbose("Skipped a " + frame.Cmd + " frame that could not be read (" + e.Message + "): " + Excerpt(utf8));
                    return;
                }
                message.SessionName = Name;
                Deliver(message, conn);
                return;
            }
            Interlocked.Increment(ref _framesSkipped);
            Log.Verbose("Skipped an unknown frame (cmd " + (frame.Cmd ?? "none") + ", req_id " + frame.ReqId + "): " + Excerpt(utf8));
        }

        private void Deliver(WecomMessage message, WebSocketConnection conn)
        {
            if (!_recentIds.TryAccept(message.MsgId))
            {
                Interlocked.Increment(ref _duplicatesDropped);
                Log.Verbose("<- " + message.Cmd + " msgid " + message.MsgId + " was already delivered: duplicate dropped.");
                return;
            }
            Interlocked.Increment(ref _messagesReceived);
            if (message.ChatId != null)
                _chats[message.ChatId] = new ChatInfo(message.ChatId, message.ChatType, message.UserId, message.ReceivedAt);
            if (Log.VerboseEnabled) Log.Verbose("<- " + message.Cmd + " " + message.ReqId + " " + (message is WecomEvent ev ? "event " + ev.EventType : message.MsgType) + " msgid " + message.MsgId);
            Inbox.Add(message);
            try { MessageReceived?.Invoke(this, new MessageReceivedEventArgs(message)); } catch { }
            if (message is WecomPS.Event.Disconnected) Supersede(conn);
        }

        /// <summary>A short redacted excerpt of a frame for Verbose: secrets, aes keys and URL signatures masked.</summary>
        private static string Excerpt(ArraySegment<byte> utf8)
        {
            try { return FrameRedactor.Redact(utf8, 160); }
            catch { return "(" + utf8.Count + " bytes)"; }
        }

        // ---------------------------------------------------------------- liveness and reconnects

        private void Touch() => Interlocked.Exchange(ref _lastFrameTicks, DateTime.UtcNow.Ticks);

        private TimeSpan SinceLastFrame => TimeSpan.FromTicks(DateTime.UtcNow.Ticks - Interlocked.Read(ref _lastFrameTicks));

        private async Task HeartbeatLoopAsync(WebSocketConnection conn)
        {
            var interval = _options.HeartbeatInterval;
            var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(20).Ticks, Math.Min(TimeSpan.FromSeconds(1).Ticks, interval.Ticks / 4)));
            var lastPing = DateTime.UtcNow;
            try
            {
                while (ReferenceEquals(conn, Volatile.Read(ref _connection)) && conn.IsOpen && !_lifetime.IsCancellationRequested)
                {
                    await Task.Delay(tick, _lifetime.Token).ConfigureAwait(false);
                    if (!ReferenceEquals(conn, Volatile.Read(ref _connection)) || State != WecomSessionState.Connected) continue;
                    if (SinceLastFrame > _options.DeadAfter)
                    {
                        Log.Warning("No frame from the server for " + SinceLastFrame.TotalSeconds.ToString("0") + " s (heartbeat " + interval.TotalSeconds + " s): the connection is dead; reconnecting.");
                        ConnectionLost(conn, "no frame within " + _options.DeadAfter.TotalSeconds + " s (half-open socket)");
                        return;
                    }
                    if (DateTime.UtcNow - lastPing >= interval)
                    {
                        lastPing = DateTime.UtcNow;
                        _tasks.Track(PingAsync(conn, interval));
                    }
                }
            }
            catch (OperationCanceledException) { }
        }

        private async Task PingAsync(WebSocketConnection conn, TimeSpan timeout)
        {
            string reqId = ReqIds.New(WecomCommands.Ping);
            var started = DateTime.UtcNow;
            try
            {
                using (var frame = OutboundFrame.Create(WecomCommands.Ping, reqId, null))
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token))
                {
                    cts.CancelAfter(timeout);
                    if (Log.DebugEnabled) Log.Debug("-> " + frame.ToRedactedString());
                    var ack = await ExchangeAsync(conn, frame, cts.Token).ConfigureAwait(false);
                    LastHeartbeatRtt = DateTime.UtcNow - started;
                    if (ack.ErrCode != 0) Log.Verbose("Heartbeat ack errcode " + ack.ErrCode + ".");
                    if (ack.ErrCode == WecomErrorCodes.NotSubscribed) ConnectionLost(conn, "the heartbeat says the connection is not subscribed (846609)");
                }
            }
            catch (Exception e) { Log.Debug("Heartbeat " + reqId + " got no ack: " + e.Message); }
        }

        private void OnConnectionClosed(WebSocketConnection conn, string reason, Exception error)
        {
            ConnectionLost(conn, reason);
        }

        /// <summary>The connection is gone (closed, failed, silent, unsubscribed): fail its commands, then reconnect.</summary>
        private void ConnectionLost(WebSocketConnection conn, string reason)
        {
            bool startLoop = false;
            lock (_gate)
            {
                if (!ReferenceEquals(conn, _connection)) { conn.Abort(); return; }
                conn.Abort();
                if (_state == WecomSessionState.Connected)
                {
                    startLoop = !_reconnectLoopRunning;
                    _reconnectLoopRunning = true;
                }
            }
            _pending.FailGeneration(conn.Generation, (e, id) => new ConnectionLostException(reason));
            if (startLoop)
            {
                LastError = reason;
                SetState(WecomSessionState.Reconnecting, reason);
                _tasks.Track(Task.Run(ReconnectLoopAsync));
            }
        }

        private async Task ReconnectLoopAsync()
        {
            WebSocketConnection connected = null;
            try
            {
                connected = await ConnectAgainAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !_lifetime.IsCancellationRequested)
            {
                Fail(new WecomException("WecomReconnectFailed", ErrorCategory.ConnectionError, "Reconnecting failed: " + e.Message, e), null);
            }
            catch (Exception) { /* the session was closed meanwhile */ }
            finally { lock (_gate) _reconnectLoopRunning = false; }
            if (connected == null) return;

            Interlocked.Increment(ref _reconnects);
            if (!SetState(WecomSessionState.Connected, "reconnected"))
            {
                // Closed (Disconnect, takeover) while the last attempt was finishing: that socket must not live on.
                connected.Abort();
                return;
            }
            if (!connected.IsOpen) ConnectionLost(connected, "the connection closed right after subscribing");
        }

        /// <summary>Attempts with backoff until one subscribes (returns its connection) or the session stops (returns null).</summary>
        private async Task<WebSocketConnection> ConnectAgainAsync()
        {
            int attempt = 0;
            while (State == WecomSessionState.Reconnecting && !_lifetime.IsCancellationRequested)
            {
                if (_options.MaxReconnectAttempts >= 0 && attempt >= _options.MaxReconnectAttempts)
                {
                    Fail(new WecomException("WecomReconnectExhausted", ErrorCategory.ConnectionError,
                        "Gave up after " + attempt + " reconnect attempts (" + LastError + ")."), null);
                    return null;
                }
                var delay = NextDelay(attempt++);
                if (delay > TimeSpan.Zero)
                {
                    Log.Verbose("Reconnect attempt " + attempt + " in " + delay.TotalSeconds.ToString("0.00") + " s.");
                    await Task.Delay(delay, _lifetime.Token).ConfigureAwait(false);
                }
                try
                {
                    return await ConnectOnceAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (WecomCommandException refused) when (refused.ErrCode == WecomErrorCodes.InvalidCredentials)
                {
                    // An auth rejection on a reconnect is final: retrying would only trip the subscribe rate limit.
                    Fail(refused, refused.ErrCode);
                    return null;
                }
                catch (Exception e) when (!_lifetime.IsCancellationRequested)
                {
                    // Anything else (refused socket, timeout, a transient errcode on subscribe) is retried with backoff.
                    Log.Verbose("Reconnect attempt " + attempt + " failed: " + e.Message);
                    LastError = e.Message;
                }
            }
            return null;
        }

        /// <summary>Exponential backoff with full jitter: the first retry at once, then random(0, min(cap, base·2^(n-1))).</summary>
        internal TimeSpan NextDelay(int attempt)
        {
            if (attempt == 0) return TimeSpan.Zero;
            double capMs = _options.ReconnectDelayMax.TotalMilliseconds;
            double ceiling = Math.Min(capMs, _options.ReconnectDelayBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
            double r; lock (_jitter) r = _jitter.NextDouble();
            return TimeSpan.FromMilliseconds(r * ceiling);
        }

        private void Supersede(WebSocketConnection conn)
        {
            const string takenOver = "another connection took over this bot (disconnected_event)";
            if (!SetState(WecomSessionState.Superseded, takenOver, onlyFromLive: true)) return;
            LastError = takenOver;
            Log.Warning("Session '" + Name + "': another connection took over bot " + BotId + "; this session stops and will not reconnect.");
            conn.Abort();
            // Commands already written may have reached the server before the takeover: their delivery is unknown.
            _pending.FailGeneration(null, (e, id) => new ConnectionLostException(takenOver));
        }

        private void Fail(WecomException error, int? errCode)
        {
            LastError = error.Message;
            LastErrorCode = errCode;
            if (SetState(WecomSessionState.Failed, error.Message, onlyFromLive: true))
            {
                Volatile.Read(ref _connection)?.Abort();
                _pending.FailGeneration(null, (e, id) => Unavailable());
            }
        }

        /// <summary>Returns false when the change is refused (a closed session stays closed).</summary>
        private bool SetState(WecomSessionState next, string reason, bool onlyFromLive = false)
        {
            WecomSessionState old;
            TaskCompletionSource<bool> signal;
            lock (_gate)
            {
                old = _state;
                if (old == next) return false;
                bool closed = old == WecomSessionState.Disconnected || old == WecomSessionState.Superseded || old == WecomSessionState.Failed;
                if (closed && (onlyFromLive || next != WecomSessionState.Disconnected)) return false;
                _state = next;
                signal = _stateChanged;
                _stateChanged = NewSignal();
            }
            signal.TrySetResult(true);
            if (next == WecomSessionState.Disconnected || next == WecomSessionState.Superseded || next == WecomSessionState.Failed)
                ForgetSecret();
            Log.Verbose("Session '" + Name + "': " + old + " -> " + next + (reason != null ? " (" + reason + ")" : "") + ".");
            var handler = StateChanged;
            if (handler != null)
            {
                // Handlers run off the caller's thread but one at a time, in the order the changes happened.
                var args = new SessionStateChangedEventArgs(old, next, reason);
                _tasks.Track(_events.Post(() => handler(this, args)));
            }
            return true;
        }

        /// <summary>A session that has ended never subscribes again: the secret is kept only as long as reconnects need it.</summary>
        private void ForgetSecret()
        {
            try { _options.Secret.Dispose(); } catch (ObjectDisposedException) { }
        }

        private static TaskCompletionSource<bool> NewSignal() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Waits (bounded) until the state leaves Connecting/Reconnecting or the token fires; returns the state.</summary>
        public async Task<WecomSessionState> WaitForStateChangeAsync(TimeSpan timeout, CancellationToken ct)
        {
            Task signal;
            lock (_gate) signal = _stateChanged.Task;
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await Task.WhenAny(signal, Task.Delay(timeout, cts.Token)).ConfigureAwait(false);
                cts.Cancel();
            }
            return State;
        }

        // ---------------------------------------------------------------- closing

        /// <summary>Closes the socket cleanly and stops the heartbeat and reconnects. State becomes Disconnected.</summary>
        public async Task DisconnectAsync(TimeSpan? timeout = null)
        {
            SetState(WecomSessionState.Disconnected, "closed by the user");
            try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
            WebSocketConnection conn;
            lock (_gate) conn = _connection;
            _pending.FailGeneration(null, (e, id) => Unavailable());
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
            try { DisconnectAsync(TimeSpan.FromSeconds(1)).Wait(TimeSpan.FromSeconds(3)); } catch { }
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }
    }

    /// <summary>A conversation this session has seen (for -ChatId completion).</summary>
    public sealed class ChatInfo
    {
        public string ChatId { get; }
        public string ChatType { get; }
        public string LastUserId { get; }
        public DateTimeOffset LastSeen { get; }
        public ChatInfo(string chatId, string chatType, string lastUserId, DateTimeOffset lastSeen)
        {
            ChatId = chatId; ChatType = chatType; LastUserId = lastUserId; LastSeen = lastSeen;
        }
        public override string ToString() => ChatId;
    }
}
