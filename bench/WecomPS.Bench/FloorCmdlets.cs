using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Bench.Floor
{
    /// <summary>
    /// The PowerShell floor (issue 14): what any binary module pays to get a message from a socket reader thread onto the
    /// pipeline, and to take one object from the pipeline and send a reply. A bare ClientWebSocket reader thread enqueues a
    /// pre-built object per callback frame (no JSON parse, no allocation per message beyond the frame buffer reuse) and
    /// wakes the pipeline thread through a SemaphoreSlim exactly as WecomPS's Inbox.OnAdded + WecomCmdlet.Wake do;
    /// Receive-BenchFloor drains the queue with WriteObject. Send-BenchFloorReply binds one pipeline object, sends a
    /// reply frame built by concatenation, and waits for the ack on the pipeline thread the way WecomCmdlet.Await does.
    /// </summary>
    public sealed class FloorMessage
    {
        public int Index;
        public string ReqId;   // filled only while a reply phase wants it (scanned from the bytes, not parsed)
    }

    public sealed class FloorConnection
    {
        public static FloorConnection Current;

        private readonly ClientWebSocket _ws = new ClientWebSocket();
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _pending = new ConcurrentDictionary<string, TaskCompletionSource<int>>(StringComparer.Ordinal);
        private readonly FloorMessage[] _pool = new FloorMessage[1 << 16];
        private int _next;
        public readonly ConcurrentQueue<FloorMessage> Queue = new ConcurrentQueue<FloorMessage>();
        public volatile Action Added;
        public volatile bool WantReqId;
        private static readonly byte[] Callback = Encoding.UTF8.GetBytes("\"aibot_msg_callback\"");
        private static readonly byte[] ReqIdKey = Encoding.UTF8.GetBytes("\"req_id\":\"");

        public FloorConnection() { for (int i = 0; i < _pool.Length; i++) _pool[i] = new FloorMessage { Index = i }; }

        public void Connect(Uri endpoint, string botId, string secret)
        {
            _ws.Options.KeepAliveInterval = TimeSpan.Zero;
            _ws.ConnectAsync(endpoint, CancellationToken.None).GetAwaiter().GetResult();
            new Thread(ReadLoop) { IsBackground = true, Name = "floor-reader" }.Start();
            var ack = SendAsync("aibot_subscribe_1", "{\"cmd\":\"aibot_subscribe\",\"headers\":{\"req_id\":\"aibot_subscribe_1\"},\"body\":{\"bot_id\":"
                + System.Text.Json.JsonSerializer.Serialize(botId) + ",\"secret\":" + System.Text.Json.JsonSerializer.Serialize(secret) + "}}").GetAwaiter().GetResult();
            if (ack != 0) throw new InvalidOperationException("subscribe errcode " + ack);
        }

        public async Task<int> SendAsync(string reqId, string frame)
        {
            var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[reqId] = tcs;
            var bytes = Encoding.UTF8.GetBytes(frame);
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try { await _ws.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false); }
            finally { _sendLock.Release(); }
            return await tcs.Task.ConfigureAwait(false);
        }

        private void ReadLoop()
        {
            var buf = new byte[1 << 20];
            try
            {
                while (_ws.State == WebSocketState.Open)
                {
                    int len = 0;
                    while (true)
                    {
                        var r = _ws.ReceiveAsync(new ArraySegment<byte>(buf, len, buf.Length - len), CancellationToken.None).GetAwaiter().GetResult();
                        if (r.MessageType == WebSocketMessageType.Close) return;
                        len += r.Count;
                        if (r.EndOfMessage) break;
                        if (len == buf.Length) Array.Resize(ref buf, buf.Length * 2);
                    }
                    var span = new ReadOnlySpan<byte>(buf, 0, len);
                    if (span.IndexOf(Callback) >= 0)
                    {
                        var m = _pool[_next++ & (_pool.Length - 1)];
                        if (WantReqId) m.ReqId = ReqId(span);
                        Queue.Enqueue(m);
                        Added?.Invoke();
                    }
                    else
                    {
                        var id = ReqId(span);
                        if (id != null && _pending.TryRemove(id, out var tcs))
                        {
                            int at = span.IndexOf(Encoding.UTF8.GetBytes("\"errcode\":"));
                            tcs.TrySetResult(at >= 0 && span[at + 10] == (byte)'0' ? 0 : -1);
                        }
                    }
                }
            }
            catch (Exception) { }
        }

        private static string ReqId(ReadOnlySpan<byte> frame)
        {
            int at = frame.IndexOf(ReqIdKey);
            if (at < 0) return null;
            var rest = frame.Slice(at + ReqIdKey.Length);
            int end = rest.IndexOf((byte)'"');
            if (end < 0) return null;
            var raw = rest.Slice(0, end);
            // ids may hold JSON escapes (the default encoder writes '+' as \u002B): decode them
            return raw.IndexOf((byte)'\\') < 0 ? Encoding.UTF8.GetString(raw) : System.Text.Json.JsonSerializer.Deserialize<string>("\"" + Encoding.UTF8.GetString(raw) + "\"");
        }
    }

    [Cmdlet(VerbsCommunications.Connect, "BenchFloor")]
    public sealed class ConnectBenchFloorCommand : PSCmdlet
    {
        [Parameter(Mandatory = true)] public Uri Endpoint { get; set; }
        [Parameter(Mandatory = true)] public string BotId { get; set; }
        [Parameter(Mandatory = true)] public string Secret { get; set; }

        protected override void EndProcessing()
        {
            var c = new FloorConnection();
            c.Connect(Endpoint, BotId, Secret);
            FloorConnection.Current = c;
        }
    }

    /// <summary>The emit floor: queue + semaphore wake + WriteObject on the pipeline thread (Receive-WecomMessage -Wait's shape).</summary>
    [Cmdlet(VerbsCommunications.Receive, "BenchFloor")]
    public sealed class ReceiveBenchFloorCommand : PSCmdlet
    {
        private readonly SemaphoreSlim _wake = new SemaphoreSlim(0, 1);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        [Parameter(Mandatory = true)] public int Count { get; set; }
        [Parameter] public SwitchParameter WantReqId { get; set; }

        private void Wake()
        {
            if (_wake.CurrentCount == 0) { try { _wake.Release(); } catch (SemaphoreFullException) { } }
        }

        protected override void EndProcessing()
        {
            var c = FloorConnection.Current;
            c.WantReqId = WantReqId;
            c.Added = Wake;
            try
            {
                int emitted = 0;
                while (true)
                {
                    while (emitted < Count && c.Queue.TryDequeue(out var m)) { WriteObject(m); emitted++; }
                    if (emitted >= Count) break;
                    try { _wake.Wait(TimeSpan.FromSeconds(1), _stop.Token); } catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                }
            }
            finally { c.Added = null; }
        }

        protected override void StopProcessing() => _stop.Cancel();
    }

    /// <summary>The reply floor: one object bound from the pipeline, a frame by concatenation, the ack awaited on the pipeline thread.</summary>
    [Cmdlet(VerbsCommunications.Send, "BenchFloorReply")]
    public sealed class SendBenchFloorReplyCommand : PSCmdlet
    {
        private readonly SemaphoreSlim _wake = new SemaphoreSlim(0, 1);
        private static int _seq;

        [Parameter(Mandatory = true, ValueFromPipeline = true)] public FloorMessage InputObject { get; set; }
        [Parameter(Mandatory = true, Position = 0)] public string Content { get; set; }

        protected override void ProcessRecord()
        {
            var id = InputObject.ReqId;
            var frame = "{\"cmd\":\"aibot_respond_msg\",\"headers\":{\"req_id\":" + System.Text.Json.JsonSerializer.Serialize(id) + "},\"body\":{\"msgtype\":\"stream\",\"stream\":{\"id\":\"floor"
                + Interlocked.Increment(ref _seq) + "\",\"finish\":true,\"content\":" + System.Text.Json.JsonSerializer.Serialize(Content) + "}}}";
            var task = FloorConnection.Current.SendAsync(id, frame);
            task.ContinueWith(_ => { if (_wake.CurrentCount == 0) { try { _wake.Release(); } catch (SemaphoreFullException) { } } }, TaskContinuationOptions.ExecuteSynchronously);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!task.IsCompleted) { if (!_wake.Wait(TimeSpan.FromSeconds(1)) && DateTime.UtcNow > deadline) throw new TimeoutException("no ack for " + id); }
            if (task.Result != 0) WriteError(new ErrorRecord(new InvalidOperationException("reply errcode " + task.Result), "FloorReply", ErrorCategory.InvalidResult, id));
        }
    }

    /// <summary>Records Stopwatch.GetTimestamp() for every pipeline object (the arrival clock of the latency figure).</summary>
    [Cmdlet(VerbsCommon.Add, "BenchArrival")]
    public sealed class AddBenchArrivalCommand : PSCmdlet
    {
        public static long[] Times = new long[0];
        public static int Count;

        [Parameter(Mandatory = true, ValueFromPipeline = true)] public object InputObject { get; set; }

        public static void Reset(int n) { Times = new long[n]; Count = 0; }

        protected override void ProcessRecord()
        {
            long t = Stopwatch.GetTimestamp();
            if (Count < Times.Length) Times[Count++] = t;
        }
    }
}
