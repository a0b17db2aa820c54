using System;
using System.Buffers;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// One WebSocket to the server: opens it, serializes sends (a ClientWebSocket allows one at a time) and reads
    /// whole text messages into a reused buffer, handing each to <c>onFrame</c> on the reader task.
    /// </summary>
    internal sealed class WebSocketConnection : IDisposable
    {
        private readonly ClientWebSocket _socket = new ClientWebSocket();
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly CancellationTokenSource _life = new CancellationTokenSource();
        private int _closed;

        public int Generation { get; }
        public Task ReaderTask { get; private set; }
        public bool IsOpen => _socket.State == WebSocketState.Open && _closed == 0;

        public WebSocketConnection(int generation) { Generation = generation; }

        public async Task OpenAsync(WecomSessionOptions options, CancellationToken ct)
        {
            _socket.Options.KeepAliveInterval = KeepAliveFor(options.HeartbeatInterval);
            if (options.Proxy != null) _socket.Options.Proxy = options.Proxy;
            if (options.ClientCertificate != null) _socket.Options.ClientCertificates.Add(options.ClientCertificate);
            ApplyCertificatePolicy(options);
            try
            {
                await _socket.ConnectAsync(options.Endpoint, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (_certificateProblem != null && !ct.IsCancellationRequested)
            {
                Dispose();
                throw CertificateRejected(options, _certificateProblem, e);
            }
        }

        /// <summary>
        /// WebSocket keep-alive frames only where the protocol heartbeat is sparser than 30 s, so that the link is
        /// never silent for longer than with the default heartbeat (and the official SDK's). A NAT, firewall or proxy
        /// forgets a link idle for a while (TCP defaults are minutes: 350 s on AWS, 4 min on Azure, hours by RFC
        /// 5382) without telling either end, and what the server sends after that is lost until the heartbeat finds
        /// the link dead; with -HeartbeatIntervalSec 600 that took 20 minutes. At 30 s or less the pings keep the
        /// link warm, and pong frames on top would only cost timers and writes: at the default 30 s, 1000 sessions
        /// sent 50 pongs a second and their steady CPU was 0.6-0.8 % of a core against 0.3 % without.
        /// </summary>
        internal static TimeSpan KeepAliveFor(TimeSpan heartbeatInterval) =>
            heartbeatInterval > KeepWarm ? KeepWarm : TimeSpan.Zero;

        private static readonly TimeSpan KeepWarm = TimeSpan.FromSeconds(30);

        /// <summary>The refused server certificate, named, with what the user can do about it.</summary>
        internal static WecomException CertificateRejected(WecomSessionOptions options, string problem, Exception inner)
        {
            bool haveRoots = options.CertificateAuthorities != null && options.CertificateAuthorities.Count > 0;
            string hint = haveRoots
                ? " Check that -CertificateAuthority holds the root that issued this certificate and that "
                  + options.Endpoint.Host + " is one of its names."
                : " If a corporate proxy inspects TLS, pass its root certificate with -CertificateAuthority.";
            return new WecomException(ErrorIds.CertificateRejected,
                System.Management.Automation.ErrorCategory.SecurityError,
                "The TLS certificate of " + options.Endpoint.GetLeftPart(UriPartial.Authority) + " was rejected: "
                + problem + "." + hint, inner);
        }

        /// <summary>The receive buffer the reader holds now: 0 while it waits for a message where the runtime can
        /// wait without one (tests watch it).</summary>
        internal int ReceiveBufferSize => Volatile.Read(ref _bufferSize);
        private int _bufferSize;

        /// <summary>
        /// The buffer a message is read into; a larger message grows a plain array for that message only. Callbacks
        /// and acks are well under 8 KiB.
        /// </summary>
        internal const int InitialBufferSize = 8 * 1024;

        /// <summary>
        /// Whether the reader waits for the next message with a zero-byte receive and rents its buffer only once
        /// bytes are there, so an idle connection holds no buffer (1000 idle sessions held 8 MB). .NET's managed
        /// WebSocket supports it (down to the socket); .NET Framework's WebSocket is not asked.
        /// </summary>
        internal static readonly bool WaitsWithoutBuffer = !System.Runtime.InteropServices.RuntimeInformation
            .FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        private static readonly ArraySegment<byte> NoBytes = new ArraySegment<byte>(new byte[0]);

        /// <summary>
        /// Starts the reader. <paramref name="onFrame"/> gets each text message of at most
        /// <paramref name="maxFrameBytes"/> bytes; a larger one is read to its end without being kept and reported to
        /// <paramref name="onOversized"/> with its size; <paramref name="onClosed"/> is called once, with why.
        /// </summary>
        public void StartReading(Action<ArraySegment<byte>> onFrame, Action<string, Exception> onClosed,
            int maxFrameBytes = int.MaxValue, Action<long> onOversized = null)
        {
            if (maxFrameBytes < 1) throw new ArgumentOutOfRangeException(nameof(maxFrameBytes));
            ReaderTask = Task.Run(() => ReadLoopAsync(onFrame, onClosed, maxFrameBytes, onOversized));
        }

        private async Task ReadLoopAsync(Action<ArraySegment<byte>> onFrame, Action<string, Exception> onClosed,
            int limit, Action<long> onOversized)
        {
            byte[] small = null;
            string reason = "the connection closed";
            Exception error = null;
            try
            {
                while (!_life.IsCancellationRequested)
                {
                    // count: bytes kept (at most limit); discarded: bytes of an oversized frame read and dropped.
                    int count = 0;
                    long discarded = 0;
                    bool overflow = false;
                    WebSocketReceiveResult result = null;
                    if (WaitsWithoutBuffer)
                    {
                        // Returns once a message has begun (its payload still unread), or with a whole empty one.
                        result = await _socket.ReceiveAsync(NoBytes, _life.Token).ConfigureAwait(false);
                    }
                    if (small == null) small = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
                    byte[] buffer = small;
                    Volatile.Write(ref _bufferSize, buffer.Length);
                    while (result == null || (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close))
                    {
                        ArraySegment<byte> into;
                        if (!overflow && count == Math.Min(buffer.Length, limit))
                        {
                            if (buffer.Length < limit)
                            {
                                // Larger buffers are plain arrays, dropped after the frame: the GC takes them back.
                                var bigger = new byte[(int)Math.Min((long)buffer.Length * 2, limit)];
                                Buffer.BlockCopy(buffer, 0, bigger, 0, count);
                                buffer = bigger;
                                Volatile.Write(ref _bufferSize, buffer.Length);
                            }
                            else overflow = true;
                        }
                        // An oversized frame is read through the buffer and thrown away, never grown into.
                        into = overflow
                            ? new ArraySegment<byte>(buffer, 0, buffer.Length)
                            : new ArraySegment<byte>(buffer, count, Math.Min(buffer.Length, limit) - count);
                        result = await _socket.ReceiveAsync(into, _life.Token).ConfigureAwait(false);
                        if (overflow) discarded += result.Count; else count += result.Count;
                    }

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        reason = "the server closed the connection (" + (result.CloseStatus?.ToString()
                            ?? "no status") +
                                 (string.IsNullOrEmpty(result.CloseStatusDescription) ? "" : ": "
                                     + result.CloseStatusDescription) + ")";
                        try { await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "",
                            CancellationToken.None).ConfigureAwait(false); } catch { }
                        break;
                    }
                    // A frame of exactly the limit fills the buffer and ends on an empty read: nothing was discarded.
                    if (discarded > 0) onOversized?.Invoke(count + discarded);
                    else if (result.MessageType == WebSocketMessageType.Text)
                        onFrame(new ArraySegment<byte>(buffer, 0, count));
                    if (WaitsWithoutBuffer)
                    {
                        ArrayPool<byte>.Shared.Return(small);
                        small = null;
                    }
                    Volatile.Write(ref _bufferSize, small?.Length ?? 0);
                }
            }
            catch (OperationCanceledException) when (_life.IsCancellationRequested) { reason = "closed by the client"; }
            catch (Exception e) { reason = "the connection failed: " + e.Message; error = e; }
            finally
            {
                if (small != null) ArrayPool<byte>.Shared.Return(small);
                Volatile.Write(ref _bufferSize, 0);
                Interlocked.Exchange(ref _closed, 1);
                onClosed(reason, error);
            }
        }

        /// <summary>
        /// Sends one frame. <paramref name="ct"/> only cancels the wait for the send lock: a frame whose write has
        /// begun is finished, because cancelling a WebSocket send aborts the whole connection (one Ctrl+C would
        /// otherwise cut every command in flight and force a reconnect). Only closing the connection stops a write.
        /// </summary>
        public async Task SendAsync(ArraySegment<byte> utf8, CancellationToken ct)
        {
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (!IsOpen) throw new ConnectionLostException("the connection is not open", nothingWritten: true);
                try
                {
                    await _socket.SendAsync(utf8, WebSocketMessageType.Text, true, _life.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_life.IsCancellationRequested)
                {
                    throw new ConnectionLostException("the connection closed during the write");
                }
            }
            finally { _sendLock.Release(); }
        }

        /// <summary>A clean close handshake, bounded in time; the reader ends by itself.</summary>
        public async Task CloseAsync(TimeSpan timeout)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0 && _socket.State != WebSocketState.Open) { Abort(); return; }
            try
            {
                using (var cts = new CancellationTokenSource(timeout))
                {
                    if (_socket.State == WebSocketState.Open)
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token)
                            .ConfigureAwait(false);
                    var reader = ReaderTask;
                    if (reader != null) await Task.WhenAny(reader, Task.Delay(timeout)).ConfigureAwait(false);
                }
            }
            catch { }
            finally { Abort(); }
        }

        /// <summary>Drops the socket at once (dead links, takeover): no handshake.</summary>
        public void Abort()
        {
            Interlocked.Exchange(ref _closed, 1);
            try { _life.Cancel(); } catch (ObjectDisposedException) { }
            try { _socket.Abort(); } catch { }
        }

        public void Dispose()
        {
            Abort();
            _socket.Dispose();
        }

        private string _certificateProblem;

        /// <summary>
        /// Sets the one certificate rule (<see cref="WecomSessionOptions.AcceptsCertificate(X509Certificate, X509Chain,
        /// SslPolicyErrors, out string)"/>) where the runtime allows it, also without a policy: it then only records
        /// why the system refused a certificate, so the error can name the problem.
        /// </summary>
        private void ApplyCertificatePolicy(WecomSessionOptions options)
        {
            RemoteCertificateValidationCallback callback = (sender, cert, chain, errors) =>
            {
                bool accepted = options.AcceptsCertificate(cert, chain, errors, out var problem);
                if (!accepted) _certificateProblem = problem;
                return accepted;
            };
            // ClientWebSocketOptions.RemoteCertificateValidationCallback exists on .NET Core 2.1+ but not in
            // netstandard2.0's surface; set it where the runtime has it.
            var prop = typeof(ClientWebSocketOptions).GetProperty("RemoteCertificateValidationCallback");
            if (prop != null) prop.SetValue(_socket.Options, callback);
            else if (options.HasCertificatePolicy)
                throw new PlatformNotSupportedException(
                    "This runtime cannot set a per-connection certificate policy; use PowerShell 7.");
        }
    }
}
