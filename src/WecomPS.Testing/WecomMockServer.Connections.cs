using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Testing.Server;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private readonly Dictionary<int, MockConnection> _connections = new Dictionary<int, MockConnection>();
        private readonly List<Socket> _heldSockets = new List<Socket>();
        private int _nextConnectionId;
        private int _totalConnections;
        private int _successfulSubscribes;
        private volatile bool _silent;

        /// <summary>Upgraded WebSocket connections that are still open.</summary>
        public int ActiveConnectionCount
        {
            get { lock (_state.Sync) return _connections.Count; }
        }

        /// <summary>WebSocket handshakes completed since start.</summary>
        public int TotalConnections => Volatile.Read(ref _totalConnections);

        public int SuccessfulSubscribes => Volatile.Read(ref _successfulSubscribes);

        /// <summary>Ids of open connections, ascending (the order they connected).</summary>
        public IReadOnlyList<int> ConnectionIds
        {
            get { lock (_state.Sync) return _connections.Keys.OrderBy(id => id).ToArray(); }
        }

        /// <summary>Ids of open connections that are subscribed and not kicked (the ones pushes go to).</summary>
        public IReadOnlyList<int> SubscribedConnectionIds
        {
            get { lock (_state.Sync) return PushTargets().Select(c => c.Id).ToArray(); }
        }

        /// <summary>Ids of the open, subscribed, not kicked connections of one bot (see
        /// <see cref="MockServerOptions.AdditionalBots"/>).</summary>
        public IReadOnlyList<int> SubscribedConnectionIdsOf(string botId)
        {
            lock (_state.Sync)
                return _connections.Values.Where(c => c.IsSubscribed && !c.IsKicked && !c.IsClosed
                    && c.BotId == botId).OrderBy(c => c.Id).Select(c => c.Id).ToArray();
        }

        /// <summary>Raised when a WebSocket connection opens (argument: its id).</summary>
        public event Action<int> ConnectionOpened;

        /// <summary>Raised when a WebSocket connection ended for any reason (argument: its id).</summary>
        public event Action<int> ConnectionClosed;

        /// <summary>Until at least one open connection is subscribed (and not kicked).</summary>
        public bool WaitForSubscribed(TimeSpan timeout) => _state.Changed.WaitUntil(()
            => SubscribedConnectionIds.Count > 0, timeout);

        /// <summary>Until <see cref="SuccessfulSubscribes"/> reaches <paramref name="count"/> and that connection is
        /// still open.</summary>
        public bool WaitForSubscribeCount(int count, TimeSpan timeout) =>
            _state.Changed.WaitUntil(() => SuccessfulSubscribes >= count && SubscribedConnectionIds.Count > 0, timeout);

        public bool WaitForConnectionCount(int activeCount, TimeSpan timeout) =>
            _state.Changed.WaitUntil(() => ActiveConnectionCount == activeCount, timeout);

        /// <summary>
        /// While true the server is a black hole: TCP stays open, nothing is acked, pushed or answered (not even
        /// WebSocket pings), arriving bytes are discarded; new TCP connections are accepted but never get the 101.
        /// Setting it back to false resets every connection that lost bytes meanwhile (its framing is broken).
        /// </summary>
        public bool Silent
        {
            get => _silent;
            set
            {
                _silent = value;
                if (value) return;
                foreach (var connection in LiveConnections().Where(c => c.HasSwallowedInput)) connection.Abort();
                ReleaseHeldSockets();
            }
        }

        /// <summary>While true new TCP connections are reset at once (server down).</summary>
        public bool RefuseConnections { get; set; }

        /// <summary>Aborts every open connection with a TCP RST and no close frame.</summary>
        public void DropConnections()
        {
            foreach (var connection in LiveConnections()) connection.Abort();
        }

        public void DropConnection(int connectionId) => FindConnection(connectionId)?.Abort();

        /// <summary>Sends a close frame on every open connection (the TCP connection ends after the client answers or 2
        /// s).</summary>
        public void CloseConnections(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure,
            string description = "")
        {
            Task.WaitAll(LiveConnections().Select(c => c.CloseAsync(status, description)).ToArray(),
                TimeSpan.FromSeconds(5));
        }

        private IReadOnlyList<MockConnection> LiveConnections()
        {
            lock (_state.Sync) return _connections.Values.Where(c => !c.IsClosed).ToArray();
        }

        private MockConnection FindConnection(int id)
        {
            lock (_state.Sync) return _connections.TryGetValue(id, out var connection) ? connection : null;
        }

        /// <summary>Under the lock. Only <see cref="BotId"/>'s connections: another bot never gets its
        /// pushes.</summary>
        private IEnumerable<MockConnection> PushTargets() =>
            _connections.Values.Where(c => c.IsSubscribed && !c.IsKicked && !c.IsClosed && c.BotId == Options.BotId)
                .OrderBy(c => c.Id);

        private async Task AcceptLoopAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException
                    || e is InvalidOperationException)
                {
                    return;
                }
                _tasks.Track(Task.Run(() => HandleSocketAsync(socket)));
            }
        }

        private async Task HandleSocketAsync(Socket socket)
        {
            if (RefuseConnections || _stopping.IsCancellationRequested)
            {
                Reset(socket);
                return;
            }
            socket.NoDelay = true;
            if (Silent)
            {
                await HoldSilentlyAsync(socket).ConfigureAwait(false);
                return;
            }

            System.IO.Stream network = new NetworkStream(socket, ownsSocket: true);
            try
            {
                if (_certificates != null)
                {
                    network = await AuthenticateTlsAsync(network).ConfigureAwait(false);
                    if (network == null)
                    {
                        Reset(socket);
                        return;
                    }
                }
                HttpRequestHead head;
                using (var headTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    headTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                    head = await HttpRequestHead.ReadAsync(network, headTimeout.Token).ConfigureAwait(false);
                }
                if (head == null)
                {
                    Reset(socket);
                    return;
                }

                if (head.HeaderHasToken("Upgrade", "websocket"))
                    await RunWebSocketAsync(socket, network, head).ConfigureAwait(false);
                else
                    await ServeHttpAsync(socket, network, head).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.IO.IOException || e is SocketException || e is ObjectDisposedException
                || e is OperationCanceledException || e is System.Security.Authentication.AuthenticationException)
            {
                Reset(socket);
            }
        }

        private async Task RunWebSocketAsync(Socket socket, System.IO.Stream network, HttpRequestHead head)
        {
            var key = head.Header("Sec-WebSocket-Key");
            if (head.Method != "GET" || head.Path != "/" || key == null || head.Header("Sec-WebSocket-Version") != "13"
                || !head.HeaderHasToken("Connection", "upgrade"))
            {
                var status = head.Path != "/" ? 404 : 400;
                await HttpResponses.WriteTextAsync(network, status, status == 404 ? "Not Found" : "Bad Request",
                    "bad websocket upgrade", _stopping.Token).ConfigureAwait(false);
                socket.Close();
                return;
            }

            await HttpResponses.WriteSwitchingProtocolsAsync(network, key, _stopping.Token).ConfigureAwait(false);
            var gate = new GateStream(network, head.Leftover, () => _silent);
            var webSocket = WebSocket.CreateFromStream(gate, isServer: true, subProtocol: null,
                keepAliveInterval: Options.KeepAliveInterval);
            var connection = new MockConnection(Interlocked.Increment(ref _nextConnectionId), socket, gate, webSocket);
            lock (_state.Sync) _connections[connection.Id] = connection;
            Interlocked.Increment(ref _totalConnections);
            _state.Changed.Notify();
            RaiseSafely(ConnectionOpened, connection.Id);
            try
            {
                await connection.RunReceiveLoopAsync(OnFrameAsync, OnFrameTooBig, _stopping.Token)
                    .ConfigureAwait(false);
            }
            finally
            {
                lock (_state.Sync) _connections.Remove(connection.Id);
                _state.Changed.Notify();
                RaiseSafely(ConnectionClosed, connection.Id);
            }
        }

        private async Task HoldSilentlyAsync(Socket socket)
        {
            lock (_heldSockets) _heldSockets.Add(socket);
            var scratch = new byte[4096];
            try
            {
                while (true)
                {
                    int read = await socket.ReceiveAsync(new ArraySegment<byte>(scratch), SocketFlags.None)
                        .ConfigureAwait(false);
                    if (read == 0) break;
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }
            finally
            {
                lock (_heldSockets) _heldSockets.Remove(socket);
                Reset(socket);
            }
        }

        private void ReleaseHeldSockets()
        {
            Socket[] held;
            lock (_heldSockets) held = _heldSockets.ToArray();
            foreach (var socket in held) Reset(socket);
        }

        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }
            socket.Close();
        }

        private static void RaiseSafely<T>(Action<T> handler, T argument)
        {
            if (handler == null) return;
            try
            {
                handler(argument);
            }
            catch
            {
                // A test's event handler must not kill the server loop.
            }
        }
    }
}
