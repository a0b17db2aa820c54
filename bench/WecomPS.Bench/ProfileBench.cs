using System;
using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Media;
using WecomPS.Protocol;
using WecomPS.Session;
using WecomPS.Testing;

namespace WecomPS.Bench
{
    /// <summary>
    /// Where the upload time and memory go (bench profile). Part 1 times each step of the client's chunk path on one
    /// thread with stopwatches and GC.GetAllocatedBytesForCurrentThread; part 2 runs whole uploads in process and
    /// reports allocations, GCs, lock contention, pool work items and CPU time; part 3 prices the double's share.
    /// </summary>
    public static class ProfileBench
    {
        private const int Chunk = 512 * 1024;

        public static async Task<int> RunAsync(Options o)
        {
            Console.WriteLine(Machine.Describe());
            Console.WriteLine("Load: " + Machine.LoadAverage());
            var file = UploadBench.MakeFile(Path.Combine(Path.GetTempPath(), "wecomps-bench-files"), 20);
            var bytes = File.ReadAllBytes(file);
            int chunks = bytes.Length / Chunk;
            int reps = o.Quick ? 3 : 10;

            Console.WriteLine();
            Console.WriteLine("== 1. client steps for one 20 MB file (40 chunks of 512 KiB), one thread, median of " + reps);
            Step("MD5 pass over the file (FileStream 64 KiB, as MediaUploader.Md5Hex)", reps, () =>
            {
                using var md5 = MD5.Create();
                using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                md5.ComputeHash(fs);
            });
            var chunkBuf = new byte[Chunk];
            Step("read 40 chunks (FileStream bufferSize 1, Position + Read, as SendChunkAsync)", reps, () =>
            {
                using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
                for (int i = 0; i < chunks; i++) { fs.Position = (long)i * Chunk; int r = 0; while (r < Chunk) r += fs.Read(chunkBuf, r, Chunk - r); }
            });
            Step("40 x OutboundFrame.Create (Utf8JsonWriter.WriteBase64String into PooledBufferWriter)", reps, () =>
            {
                for (int i = 0; i < chunks; i++)
                {
                    int index = i;
                    using var f = OutboundFrame.Create("aibot_upload_media_chunk", ReqIds.New("aibot_upload_media_chunk"), w =>
                    {
                        w.WriteString("upload_id", "UPLOADIDUPLOADIDUPLOADIDUPLOADID");
                        w.WriteNumber("chunk_index", index);
                        w.WriteBase64String("base64_data", new ReadOnlySpan<byte>(bytes, index * Chunk, Chunk));
                    }, Chunk / 3 * 4 + 256);
                }
            });
            var dest = new byte[Base64.GetMaxEncodedToUtf8Length(Chunk) + 256];
            Step("40 x Base64.EncodeToUtf8 into a reused buffer (the floor for base64)", reps, () =>
            {
                for (int i = 0; i < chunks; i++) Base64.EncodeToUtf8(new ReadOnlySpan<byte>(bytes, i * Chunk, Chunk), dest, out _, out _);
            });
            Step("40 x Convert.ToBase64String (what the Node SDK does: a string per chunk)", reps, () =>
            {
                for (int i = 0; i < chunks; i++) Convert.ToBase64String(bytes, i * Chunk, Chunk);
            });
            var masked = new byte[dest.Length];
            Step("40 x copy + XOR mask of a 700 KB payload (what ClientWebSocket does per frame)", reps, () =>
            {
                for (int i = 0; i < chunks; i++) { Buffer.BlockCopy(dest, 0, masked, 0, dest.Length); Mask(masked, 0x5a3c1f0e); }
            });

            // the double's share (it runs in the same machine, and in process for the pwsh-level runs)
            var frame = OutboundFrame.Create("aibot_upload_media_chunk", "r", w =>
            {
                w.WriteString("upload_id", "UPLOADIDUPLOADIDUPLOADIDUPLOADID");
                w.WriteNumber("chunk_index", 0);
                w.WriteBase64String("base64_data", new ReadOnlySpan<byte>(bytes, 0, Chunk));
            }, Chunk / 3 * 4 + 256);
            var frameCopy = frame.Utf8.AsSpan().ToArray();
            Step("40 x the double's work per chunk (copy frame, JsonDocument.Parse, TryGetBytesFromBase64)", reps, () =>
            {
                for (int i = 0; i < chunks; i++)
                {
                    var copy = frameCopy.AsSpan().ToArray();
                    using var doc = JsonDocument.Parse(copy);
                    doc.RootElement.GetProperty("body").GetProperty("base64_data").TryGetBytesFromBase64(out _);
                }
            });
            frame.Dispose();

            Console.WriteLine();
            Console.WriteLine("== 2. whole uploads in this process (WecomSession + MediaUploader + SendMediaAsync; the double is in process too)");
            foreach (var wan in new[] { false, true })
            {
                using var server = WecomMockServer.Start(wan ? new MockServerOptions { AckDelay = TimeSpan.FromMilliseconds(100), MaxChunksInFlightPerUpload = 4 } : new MockServerOptions());
                using var session = new WecomSession(new WecomSessionOptions { BotId = server.BotId, Secret = Secrets.ToSecure(server.Secret), Endpoint = server.Endpoint, SendsPerMinute = 0 });
                await session.ConnectAsync(CancellationToken.None);
                await UploadOnce(session, file);   // warm-up
                int n = o.Quick ? 2 : 5;
                GC.Collect();
                var gc0 = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
                long alloc0 = GC.GetTotalAllocatedBytes(true);
                long locks0 = Monitor.LockContentionCount;
                long items0 = ThreadPool.CompletedWorkItemCount;
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < n; i++) await UploadOnce(session, file);
                double wall = clock.Elapsed.TotalSeconds / n;
                var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / n;
                long alloc = (GC.GetTotalAllocatedBytes(true) - alloc0) / n;
                Console.WriteLine("  " + (wan ? "WAN-like" : "loopback") + ": " + Fmt.N(20 / wall) + " MB/s, wall " + Fmt.N(wall * 1000, "0") + " ms, CPU (client + double) "
                    + Fmt.N(cpu * 1000, "0") + " ms per upload; allocated " + Fmt.MB(alloc) + " MB per upload (" + Fmt.N(alloc / 40.0 / 1024, "0") + " KB per chunk, both sides); GCs gen0/1/2 "
                    + (GC.CollectionCount(0) - gc0[0]) + "/" + (GC.CollectionCount(1) - gc0[1]) + "/" + (GC.CollectionCount(2) - gc0[2]) + " over " + n
                    + "; lock contentions " + (Monitor.LockContentionCount - locks0) + "; pool work items " + (ThreadPool.CompletedWorkItemCount - items0) / n + " per upload; rejected chunks " + server.RejectedChunks);
            }
            Console.WriteLine();
            Console.WriteLine("== 3. phases of one upload + send on loopback (ms from the call; median of " + reps + "; WecomPS core with a Verbose sink"
                + " that stamps its lines, beside the raw window-4 client whose md5 and frames are made before its clock starts)");
            foreach (var mb in new[] { 1, 5, 20 }) await PhasesAsync(UploadBench.MakeFile(Path.Combine(Path.GetTempPath(), "wecomps-bench-files"), mb), mb, reps);
            Console.WriteLine();
            Console.WriteLine("Read: part 1 prices each step per 20 MB; part 2's CPU per upload against the sum of part 1 shows what is left (sockets, tasks, the double).");
            return 0;
        }

        /// <summary>Stamps the session's Verbose lines: "-> cmd" when a frame is about to be written, "<- ack" when its ack is in.</summary>
        private sealed class PhaseSink : ILogSink
        {
            public readonly System.Collections.Concurrent.ConcurrentQueue<(long At, string Line)> Lines = new();
            public bool WantsDebug => false;
            public bool WantsVerbose => true;
            public void Write(LogLevel level, string message) => Lines.Enqueue((Stopwatch.GetTimestamp(), message));
        }

        private static async Task PhasesAsync(string file, int mb, int reps)
        {
            using var server = WecomMockServer.Start(new MockServerOptions());
            using var session = new WecomSession(new WecomSessionOptions { BotId = server.BotId, Secret = Secrets.ToSecure(server.Secret), Endpoint = server.Endpoint, SendsPerMinute = 0 });
            await session.ConnectAsync(CancellationToken.None);
            await UploadOnce(session, file);
            var names = new[] { "init written", "init acked", "1st chunk written", "last chunk acked", "finish acked", "send acked" };
            var rows = new System.Collections.Generic.List<double[]>();
            for (int r = 0; r < reps; r++)
            {
                var sink = new PhaseSink();
                long t0;
                using (session.AttachLog(sink))
                {
                    t0 = Stopwatch.GetTimestamp();
                    await UploadOnce(session, file);
                }
                double Ms(long t) => (t - t0) * 1000.0 / Stopwatch.Frequency;
                var lines = sink.Lines.ToArray();
                long First(Func<string, bool> f) { foreach (var l in lines) if (f(l.Line)) return l.At; return t0; }
                long Last(Func<string, bool> f) { long at = t0; foreach (var l in lines) if (f(l.Line)) at = l.At; return at; }
                string AckOf(string cmd) { foreach (var l in lines) if (l.Line.StartsWith("-> " + cmd + " ", StringComparison.Ordinal)) return "<- ack " + l.Line.Split(' ')[2] + " "; return "?"; }
                var initAck = AckOf("aibot_upload_media_init"); var finishAck = AckOf("aibot_upload_media_finish"); var sendAck = AckOf("aibot_send_msg");
                rows.Add(new[]
                {
                    Ms(First(l => l.StartsWith("-> aibot_upload_media_init ", StringComparison.Ordinal))),
                    Ms(First(l => l.StartsWith(initAck, StringComparison.Ordinal))),
                    Ms(First(l => l.StartsWith("-> aibot_upload_media_chunk ", StringComparison.Ordinal))),
                    Ms(Last(l => l.StartsWith("<- ack aibot_upload_media_chunk", StringComparison.Ordinal))),
                    Ms(First(l => l.StartsWith(finishAck, StringComparison.Ordinal))),
                    Ms(First(l => l.StartsWith(sendAck, StringComparison.Ordinal))),
                });
            }
            var line = "  " + (mb + " MB").PadRight(6) + " WecomPS:";
            for (int i = 0; i < names.Length; i++) line += " " + names[i] + " " + Fmt.N(Stats.Median(rows.Select(x => x[i])), "0.0") + ";";
            Console.WriteLine(line);

            using var raw = new RawClient();
            await raw.ConnectAsync(server.Endpoint, server.BotId, server.Secret, CancellationToken.None);
            var bytes = File.ReadAllBytes(file);
            await raw.RunAsync(raw.Prepare(bytes, Path.GetFileName(file)), 4, "zhangsan");
            var rawTimes = new double[reps];
            for (int r = 0; r < reps; r++) rawTimes[r] = await raw.RunAsync(raw.Prepare(bytes, Path.GetFileName(file)), 4, "zhangsan") * 1000;
            Console.WriteLine("  " + (mb + " MB").PadRight(6) + " raw-w4: whole run " + Fmt.N(Stats.Median(rawTimes), "0.0") + " ms");
        }

        private static async Task UploadOnce(WecomSession session, string file)
        {
            var media = await new MediaUploader(session).UploadAsync(file, "file", null, CancellationToken.None);
            await MessageSender.SendMediaAsync(session, "zhangsan", 1, "file", media.MediaId, CancellationToken.None);
        }

        private static void Mask(byte[] b, int key)
        {
            var k = BitConverter.GetBytes(key);
            for (int i = 0; i < b.Length; i++) b[i] ^= k[i & 3];
        }

        private static void Step(string name, int reps, Action action)
        {
            action();   // warm-up
            var times = new double[reps]; long allocated = 0;
            for (int r = 0; r < reps; r++)
            {
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                var sw = Stopwatch.StartNew();
                action();
                times[r] = sw.Elapsed.TotalMilliseconds;
                allocated = GC.GetAllocatedBytesForCurrentThread() - a0;
            }
            Console.WriteLine(string.Format("  {0,-92} {1,8} ms  {2,9} KB allocated", name, Fmt.N(Stats.Median(times), "0.0"), Fmt.N(allocated / 1024.0, "0")));
        }
    }
}
