using System;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Bench
{
    /// <summary>
    /// The raw limit: a bare ClientWebSocket that sends prebuilt upload frames (no JSON model, no disk reads, base64 done
    /// beforehand). Acks are matched by req_id with a forward-only Utf8JsonReader. Same protocol steps as a real client:
    /// init, chunks (sliding window), finish, aibot_send_msg.
    /// </summary>
    public sealed class RawClient : IDisposable
    {
        public readonly struct Ack
        {
            public Ack(int errcode, string uploadId, string mediaId) { Errcode = errcode; UploadId = uploadId; MediaId = mediaId; }
            public int Errcode { get; }
            public string UploadId { get; }
            public string MediaId { get; }
        }

        private const int ChunkSize = 512 * 1024;
        private const string Placeholder = "################################";   // 32 chars = the double's upload_id length

        private readonly ClientWebSocket _ws = new ClientWebSocket();
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly ConcurrentDictionary<string, TaskCompletionSource<Ack>> _pending = new ConcurrentDictionary<string, TaskCompletionSource<Ack>>(StringComparer.Ordinal);
        private Task _reader;
        private int _seq;
        public int Rejected;

        public async Task ConnectAsync(Uri endpoint, string botId, string secret, CancellationToken ct)
        {
            await _ws.ConnectAsync(endpoint, ct).ConfigureAwait(false);
            _reader = Task.Run(ReadLoopAsync);
            var ack = await ExchangeAsync("sub_0", Frame("aibot_subscribe", "sub_0", "{\"bot_id\":" + Q(botId) + ",\"secret\":" + Q(secret) + "}")).ConfigureAwait(false);
            if (ack.Errcode != 0) throw new InvalidOperationException("subscribe errcode " + ack.Errcode);
        }

        /// <summary>Everything a run sends, built before the clock starts.</summary>
        public sealed class Prepared
        {
            public string InitReqId;
            public byte[] Init;
            public string[] ChunkReqIds;
            public byte[][] Chunks;
            public int[] PlaceholderOffsets;
            public string FinishReqId;
            public string SendReqId;
        }

        public Prepared Prepare(byte[] file, string fileName)
        {
            int run = Interlocked.Increment(ref _seq);
            int chunks = (file.Length + ChunkSize - 1) / ChunkSize;
            string md5;
            using (var h = MD5.Create()) md5 = Convert.ToHexString(h.ComputeHash(file)).ToLowerInvariant();
            var p = new Prepared
            {
                InitReqId = "init_" + run,
                FinishReqId = "finish_" + run,
                SendReqId = "send_" + run,
                ChunkReqIds = new string[chunks],
                Chunks = new byte[chunks][],
                PlaceholderOffsets = new int[chunks],
            };
            p.Init = Frame("aibot_upload_media_init", p.InitReqId,
                "{\"type\":\"file\",\"filename\":" + Q(fileName) + ",\"total_size\":" + file.Length + ",\"total_chunks\":" + chunks + ",\"md5\":\"" + md5 + "\"}");
            for (int i = 0; i < chunks; i++)
            {
                p.ChunkReqIds[i] = "chunk_" + run + "_" + i;
                int len = Math.Min(ChunkSize, file.Length - i * ChunkSize);
                string head = "{\"cmd\":\"aibot_upload_media_chunk\",\"headers\":{\"req_id\":\"" + p.ChunkReqIds[i] + "\"},\"body\":{\"upload_id\":\"";
                string mid = "\",\"chunk_index\":" + i + ",\"base64_data\":\"";
                string b64 = Convert.ToBase64String(file, i * ChunkSize, len);
                p.Chunks[i] = Encoding.UTF8.GetBytes(head + Placeholder + mid + b64 + "\"}}");
                p.PlaceholderOffsets[i] = Encoding.UTF8.GetByteCount(head);
            }
            return p;
        }

        /// <summary>One upload + send; returns elapsed seconds.</summary>
        public async Task<double> RunAsync(Prepared p, int window, string chatId)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var init = await ExchangeAsync(p.InitReqId, p.Init).ConfigureAwait(false);
            if (init.Errcode != 0 || init.UploadId == null) throw new InvalidOperationException("init errcode " + init.Errcode);
            if (init.UploadId.Length != Placeholder.Length) throw new InvalidOperationException("upload_id length " + init.UploadId.Length + " differs from the prebuilt frames");
            var id = Encoding.ASCII.GetBytes(init.UploadId);
            for (int i = 0; i < p.Chunks.Length; i++) Buffer.BlockCopy(id, 0, p.Chunks[i], p.PlaceholderOffsets[i], id.Length);

            var gate = new SemaphoreSlim(window, window);
            var tasks = new Task[p.Chunks.Length];
            for (int i = 0; i < p.Chunks.Length; i++)
            {
                await gate.WaitAsync().ConfigureAwait(false);
                int index = i;
                tasks[i] = SendChunkAsync(p, index, gate);
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);

            var finish = await ExchangeAsync(p.FinishReqId, Frame("aibot_upload_media_finish", p.FinishReqId, "{\"upload_id\":\"" + init.UploadId + "\"}")).ConfigureAwait(false);
            if (finish.Errcode != 0 || finish.MediaId == null) throw new InvalidOperationException("finish errcode " + finish.Errcode);
            var send = await ExchangeAsync(p.SendReqId, Frame("aibot_send_msg", p.SendReqId,
                "{\"chatid\":" + Q(chatId) + ",\"chat_type\":1,\"msgtype\":\"file\",\"file\":{\"media_id\":\"" + finish.MediaId + "\"}}")).ConfigureAwait(false);
            if (send.Errcode != 0) throw new InvalidOperationException("send errcode " + send.Errcode);
            return clock.Elapsed.TotalSeconds;
        }

        private async Task SendChunkAsync(Prepared p, int index, SemaphoreSlim gate)
        {
            try
            {
                for (int attempt = 0; ; attempt++)
                {
                    var ack = await ExchangeAsync(p.ChunkReqIds[index], p.Chunks[index]).ConfigureAwait(false);
                    if (ack.Errcode == 0) return;
                    Interlocked.Increment(ref Rejected);
                    if (attempt > 20) throw new InvalidOperationException("chunk " + index + " errcode " + ack.Errcode);
                    await Task.Delay(5).ConfigureAwait(false);
                }
            }
            finally { gate.Release(); }
        }

        private async Task<Ack> ExchangeAsync(string reqId, byte[] frame)
        {
            var tcs = new TaskCompletionSource<Ack>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[reqId] = tcs;
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try { await _ws.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false); }
            finally { _sendLock.Release(); }
            var done = await Task.WhenAny(tcs.Task, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
            if (done != tcs.Task) throw new TimeoutException("no ack for " + reqId);
            return tcs.Task.Result;
        }

        private async Task ReadLoopAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (_ws.State == WebSocketState.Open)
                {
                    int count = 0;
                    ValueWebSocketReceiveResult r;
                    do
                    {
                        if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                        r = await _ws.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                        count += r.Count;
                    } while (!r.EndOfMessage);
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    ParseAck(new ReadOnlySpan<byte>(buffer, 0, count));
                }
            }
            catch (Exception) { }
            foreach (var kv in _pending) kv.Value.TrySetException(new WebSocketException("closed"));
        }

        private void ParseAck(ReadOnlySpan<byte> utf8)
        {
            var reader = new Utf8JsonReader(utf8);
            string reqId = null, uploadId = null, mediaId = null, cmd = null;
            int errcode = -12345;
            string path = null;   // "headers" / "body" while inside them
            int depth = 0;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: depth++; break;
                    case JsonTokenType.EndObject: depth--; if (depth == 1) path = null; break;
                    case JsonTokenType.PropertyName:
                        if (depth == 1)
                        {
                            if (reader.ValueTextEquals("headers")) path = "h";
                            else if (reader.ValueTextEquals("body")) path = "b";
                            else if (reader.ValueTextEquals("errcode")) { reader.Read(); errcode = reader.GetInt32(); }
                            else if (reader.ValueTextEquals("cmd")) { reader.Read(); cmd = reader.GetString(); }
                            else { reader.Read(); reader.Skip(); }
                        }
                        else if (depth == 2 && path == "h" && reader.ValueTextEquals("req_id")) { reader.Read(); reqId = reader.GetString(); }
                        else if (depth == 2 && path == "b" && reader.ValueTextEquals("upload_id")) { reader.Read(); uploadId = reader.GetString(); }
                        else if (depth == 2 && path == "b" && reader.ValueTextEquals("media_id")) { reader.Read(); mediaId = reader.GetString(); }
                        else { reader.Read(); reader.Skip(); }
                        break;
                }
            }
            if (cmd != null || reqId == null) return;   // a push, not an ack
            if (_pending.TryRemove(reqId, out var tcs)) tcs.TrySetResult(new Ack(errcode, uploadId, mediaId));
        }

        private static byte[] Frame(string cmd, string reqId, string bodyJson) =>
            Encoding.UTF8.GetBytes("{\"cmd\":\"" + cmd + "\",\"headers\":{\"req_id\":\"" + reqId + "\"},\"body\":" + bodyJson + "}");

        private static string Q(string s) => JsonSerializer.Serialize(s);

        public void Dispose()
        {
            try { _ws.Abort(); } catch { }
            _ws.Dispose();
        }
    }
}
