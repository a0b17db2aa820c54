using System;
using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Server
{
    /// <summary>One upgraded WebSocket connection: its receive loop, serialized sends and fault actions.</summary>
    internal sealed class MockConnection
    {
        /// <summary>Frames above this are refused (the real maximum is undocumented; a 512 KiB chunk is ~700
        /// KB).</summary>
        public const int MaxFrameBytes = 16 * 1024 * 1024;

        private readonly Socket _socket;
        private readonly GateStream _stream;
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly CancellationTokenSource _life = new CancellationTokenSource();
        private int _closed;

        public MockConnection(int id, Socket socket, GateStream stream, WebSocket webSocket)
        {
            Id = id;
            _socket = socket;
            _stream = stream;
            WebSocket = webSocket;
        }

        public int Id { get; }
        public WebSocket WebSocket { get; }

        // Subscription state; guarded by the server's lock.
        public string BotId { get; set; }
        public bool IsSubscribed { get; set; }
        public bool IsKicked { get; set; }

        public bool IsClosed => Volatile.Read(ref _closed) != 0;
        public bool HasSwallowedInput => _stream.HasSwallowed;

        public delegate Task FrameHandler(MockConnection connection, byte[] utf8, bool isBinary);

        /// <summary>Reads whole messages into a growing pooled buffer and hands each to <paramref
        /// name="onFrame"/>.</summary>
        public async Task RunReceiveLoopAsync(FrameHandler onFrame, Action<MockConnection, string> onTooBig,
            CancellationToken cancellation)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (!IsClosed)
                {
                    int length = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        if (length == buffer.Length)
                        {
                            if (buffer.Length >= MaxFrameBytes)
                            {
                                onTooBig(this, "frame larger than " + MaxFrameBytes + " bytes");
                                await CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too big")
                                    .ConfigureAwait(false);
                                return;
                            }
                            var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                            Buffer.BlockCopy(buffer, 0, bigger, 0, length);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }
                        result = await WebSocket.ReceiveAsync(buffer.AsMemory(length), cancellation)
                            .ConfigureAwait(false);
                        length += result.Count;
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await AnswerCloseAsync().ConfigureAwait(false);
                        return;
                    }

                    var frame = new byte[length];
                    Buffer.BlockCopy(buffer, 0, frame, 0, length);
                    await onFrame(this, frame, result.MessageType == WebSocketMessageType.Binary).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException
                || e is ObjectDisposedException || e is System.IO.IOException || e is SocketException)
            {
                // The peer vanished or we aborted: the loop simply ends.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Abort();
            }
        }

        /// <summary>Sends one text frame; sends on one socket are serialized. Returns false when nothing was
        /// sent.</summary>
        public async Task<bool> SendAsync(byte[] utf8)
        {
            if (IsClosed) return false;
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (IsClosed || WebSocket.State != WebSocketState.Open
                    && WebSocket.State != WebSocketState.CloseReceived) return false;
                await WebSocket.SendAsync(utf8.AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None)
                    .ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is WebSocketException || e is ObjectDisposedException
                || e is System.IO.IOException || e is SocketException || e is InvalidOperationException)
            {
                return false;
            }
            finally
            {
                _sendLock.Release();
            }
        }

        /// <summary>Graceful close: sends a close frame; the receive loop ends when the client answers (or after a
        /// grace period).</summary>
        public async Task CloseAsync(WebSocketCloseStatus status, string description)
        {
            if (IsClosed) return;
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (WebSocket.State == WebSocketState.Open || WebSocket.State == WebSocketState.CloseReceived)
                {
                    using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
                        await WebSocket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException || e is ObjectDisposedException
                || e is System.IO.IOException || e is OperationCanceledException || e is SocketException)
            {
            }
            finally
            {
                _sendLock.Release();
            }
            // Do not wait forever for the client's close frame.
            _ = Task.Delay(TimeSpan.FromSeconds(2), _life.Token).ContinueWith(_ => Abort(), TaskScheduler.Default);
        }

        /// <summary>Drops the TCP connection with a RST and no close frame.</summary>
        public void Abort() => Shut(reset: true);

        private void Shut(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            _life.Cancel();
            try
            {
                if (reset) _socket.LingerState = new LingerOption(true, 0);
                else _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }
            _socket.Close();
            WebSocket.Abort();
            _stream.Dispose();
        }

        private async Task AnswerCloseAsync()
        {
            // The client started the close handshake: echo its status, then drop the TCP connection.
            await CloseAsync(WebSocket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "").ConfigureAwait(false);
            Shut(reset: false);
        }
    }
}
