using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Testing.Media;
using WecomPS.Testing.Server;

namespace WecomPS.Testing
{
    /// <summary>
    /// An in-process double of the WeCom AI-bot WebSocket server (docs/protocol.md), listening on 127.0.0.1.
    /// Strict: it records every client frame, answers like the real server, and lists rule breaks in <see
    /// cref="Violations"/>.
    /// </summary>
    public sealed partial class WecomMockServer : IDisposable, IAsyncDisposable
    {
        private readonly MockState _state;
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly TaskTracker _tasks = new TaskTracker();
        private readonly MediaStore _media = new MediaStore();
        private int _disposed;

        private WecomMockServer(MockServerOptions options)
        {
            Options = options;
            _state = new MockState(options);
            if (options.Tls) _certificates = MockCertificates.Create(options.CertificateNames);
            _listener = new TcpListener(IPAddress.Loopback, options.Port);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Endpoint = new Uri((options.Tls ? "wss" : "ws") + "://127.0.0.1:" + Port + "/");
            HttpBase = new Uri((options.Tls ? "https" : "http") + "://127.0.0.1:" + Port + "/");
            _tasks.Track(AcceptLoopAsync());
        }

        /// <summary>Starts listening; the server accepts connections when this returns.</summary>
        public static WecomMockServer Start(MockServerOptions options = null) => new WecomMockServer(options
            ?? new MockServerOptions());

        public MockServerOptions Options { get; }
        public int Port { get; }

        /// <summary>ws://127.0.0.1:&lt;port&gt;/ (wss:// with <see cref="MockServerOptions.Tls"/>)</summary>
        public Uri Endpoint { get; }

        /// <summary>http://127.0.0.1:&lt;port&gt;/ (media downloads;
        /// https:// with <see cref="MockServerOptions.Tls"/>).</summary>
        public Uri HttpBase { get; }

        public string BotId => Options.BotId;
        public string Secret => Options.Secret;

        /// <summary>Raised on a pool thread for every frame a client sends (after it is recorded).</summary>
        public event Action<ReceivedFrame> FrameReceived;

        /// <summary>Snapshot of every frame clients sent, in arrival order.</summary>
        public IReadOnlyList<ReceivedFrame> Frames
        {
            get { lock (_state.Sync) return _state.Frames.ToArray(); }
        }

        public IReadOnlyList<ReceivedFrame> FramesFor(string cmd)
        {
            lock (_state.Sync) return _state.Frames.Where(f => f.Cmd == cmd).ToArray();
        }

        /// <summary>The reply frames (respond_msg / welcome / update) sent on a callback's req_id, in order.</summary>
        public IReadOnlyList<ReceivedFrame> RepliesTo(string callbackReqId)
        {
            lock (_state.Sync)
                return _state.Frames.Where(f => f.ReqId == callbackReqId && IsReplyCommand(f.Cmd)).ToArray();
        }

        /// <summary>Every ack decided so far (recorded before any AckDelay).</summary>
        public IReadOnlyList<SentAck> Acks
        {
            get { lock (_state.Sync) return _state.Acks.ToArray(); }
        }

        public void ClearFrames()
        {
            lock (_state.Sync)
            {
                _state.Frames.Clear();
                _state.Acks.Clear();
            }
        }

        /// <summary>Frames that broke a protocol rule; a correct client leaves this empty.</summary>
        public IReadOnlyList<ProtocolViolation> Violations
        {
            get { lock (_state.Sync) return _state.Violations.ToArray(); }
        }

        public void ClearViolations()
        {
            lock (_state.Sync) _state.Violations.Clear();
        }

        /// <summary>Finished uploads, in finish order.</summary>
        public IReadOnlyList<UploadedMedia> Uploads
        {
            get { lock (_state.Sync) return _state.Uploads.ToArray(); }
        }

        /// <summary>Chunks refused with -1 because <see cref="MockServerOptions.MaxChunksInFlightPerUpload"/> were in
        /// flight.</summary>
        public int RejectedChunks
        {
            get { lock (_state.Sync) return _state.RejectedChunks; }
        }

        /// <summary>The highest number of chunks of one upload that were in flight at once.</summary>
        public int MaxChunksInFlightSeen
        {
            get { lock (_state.Sync) return _state.UploadSessions.Values.Select(s => s.MaxInFlightSeen)
                .DefaultIfEmpty(0).Max(); }
        }

        /// <summary>Moves the double's clock forward (reply windows, stream lifetime, upload and media URL expiry, rate
        /// window).</summary>
        public void AdvanceClock(TimeSpan by)
        {
            lock (_state.Sync) _state.ClockOffset += by;
        }

        public ReceivedFrame WaitForFrame(Func<ReceivedFrame, bool> predicate, TimeSpan timeout,
            string description = null)
        {
            ReceivedFrame found = null;
            if (_state.Changed.WaitUntil(() => (found = FindFrame(predicate)) != null, timeout)) return found;
            throw FrameTimeout(description, timeout);
        }

        /// <summary>The first frame (already received or still to come) with this cmd.</summary>
        public ReceivedFrame WaitForFrame(string cmd, TimeSpan timeout) => WaitForFrame(f => f.Cmd == cmd, timeout,
            "cmd " + cmd);

        public async Task<ReceivedFrame> WaitForFrameAsync(Func<ReceivedFrame, bool> predicate, TimeSpan timeout,
            string description = null, CancellationToken cancellation = default)
        {
            ReceivedFrame found = null;
            if (await _state.Changed.WaitUntilAsync(() => (found = FindFrame(predicate)) != null, timeout,
                cancellation).ConfigureAwait(false)) return found;
            throw FrameTimeout(description, timeout);
        }

        public Task<ReceivedFrame> WaitForFrameAsync(string cmd, TimeSpan timeout,
            CancellationToken cancellation = default) =>
            WaitForFrameAsync(f => f.Cmd == cmd, timeout, "cmd " + cmd, cancellation);

        /// <summary>Waits until <paramref name="condition"/> (evaluated against this server) holds; false on
        /// timeout.</summary>
        public bool WaitUntil(Func<WecomMockServer, bool> condition,
            TimeSpan timeout) => _state.Changed.WaitUntil(() => condition(this), timeout);

        private ReceivedFrame FindFrame(Func<ReceivedFrame, bool> predicate)
        {
            foreach (var frame in Frames)
                if (predicate(frame)) return frame;
            return null;
        }

        private TimeoutException FrameTimeout(string description, TimeSpan timeout)
        {
            var seen = Frames;
            var recent = string.Join(", ", seen.Skip(Math.Max(0, seen.Count - 10)).Select(f => f.Cmd ?? "<no cmd>"));
            return new TimeoutException("No client frame matching " + (description ?? "the predicate") + " within "
                + timeout.TotalSeconds + " s; "
                + seen.Count + " frames received, last: [" + recent + "]");
        }

        private static bool IsReplyCommand(string cmd) =>
            cmd == "aibot_respond_msg" || cmd == "aibot_respond_welcome_msg" || cmd == "aibot_respond_update_msg";

        /// <summary>True once <see cref="Dispose"/> ran: the port is closed and pushes have nowhere to go.</summary>
        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        /// <summary>Background tasks still running (accept loop, connections, delayed acks); 0 after Dispose.</summary>
        internal int BackgroundTaskCount => _tasks.Count;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _stopping.Cancel();
            _listener.Stop();
            foreach (var connection in LiveConnections()) connection.Abort();
            ReleaseHeldSockets();
            _tasks.WaitAll(TimeSpan.FromSeconds(5));
            _certificates?.Dispose();
            _state.Changed.Notify();
        }

        public ValueTask DisposeAsync()
        {
            return new ValueTask(Task.Run(Dispose));
        }
    }
}
