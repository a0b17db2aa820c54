using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using WecomPS.Testing;

namespace WecomPS.Bench
{
    /// <summary>
    /// Issue 14: inbound burst, push -> pipeline latency, inbound -> reply ack, and many idle sessions, measured the same
    /// way for every client. Each client runs in its own process (node-peer/peer.js --kind sdk|raw, Peer.ps1 -Kind
    /// WecomPS|Floor under dotnet pwsh) against a double in this process; this process pushes prebuilt frames (PushRaw,
    /// so the double costs little) and takes the push times; the client takes the arrival times. Both clocks are
    /// CLOCK_MONOTONIC in ns (Stopwatch.GetTimestamp on Linux, process.hrtime.bigint in node).
    /// One fresh process per client per run; the order of the clients rotates per run; figures are medians over runs.
    /// </summary>
    public static class SideBench
    {
        public static readonly string[] AllClients = { "node-sdk", "node-raw", "wecomps", "floor" };

        public sealed class Settings
        {
            public int Burst = 20000;
            public int Latency = 10000;
            public int LatencyRate = 2000;
            public int Replies = 500;
            public int Warm = 20000;
            public int SettleMs = 2000;
        }

        /// <summary>Frames in the double's shape from one real PushText, unique req_id and msgid each (see Pusher.PrebuiltFrames).</summary>
        private sealed class FrameFactory
        {
            private readonly PushedFrame _template;
            private int _next;
            public FrameFactory(WecomMockServer server) { _template = server.PushText("prebuilt frame", "user0"); }

            public string[] Make(int count)
            {
                var frames = new string[count];
                for (int i = 0; i < count; i++)
                {
                    var tag = (++_next).ToString("D8", CultureInfo.InvariantCulture);
                    frames[i] = _template.RawJson
                        .Replace(_template.ReqId, _template.ReqId.Substring(0, _template.ReqId.Length - 8) + tag)
                        .Replace(_template.MsgId, _template.MsgId.Substring(0, _template.MsgId.Length - 9) + tag + "=");
                }
                return frames;
            }
        }

        public sealed class Figures
        {
            public List<double> BurstRate = new List<double>(), PushRate = new List<double>(), BurstCpuUs = new List<double>();
            public List<double> LatP50 = new List<double>(), LatP99 = new List<double>(), LatMax = new List<double>();
            public List<double> ReplyP50 = new List<double>(), ReplyP99 = new List<double>(), ReplyPushMs = new List<double>();
            public List<double> Gen0Per10k = new List<double>(), Gen1Per10k = new List<double>(), BurstGen0Per10k = new List<double>(), BurstGen1Per10k = new List<double>();
            public List<double> BurstGen2Per10k = new List<double>(), BurstPauseMsPer10k = new List<double>();
            public int ReplyErrors, Violations;
            public string Error;
        }

        public static Dictionary<string, Figures> Run(Options o, Report report)
        {
            var s = new Settings();
            if (o.Quick) { s.Latency = 4000; s.Replies = 200; s.Warm = 10000; }
            if (o.Burst > 0) s.Burst = o.Burst;
            if (o.SettleMs >= 0) s.SettleMs = o.SettleMs;
            if (Stopwatch.Frequency != 1_000_000_000) report.Notes.Add("Stopwatch.Frequency is " + Stopwatch.Frequency + ", not 1e9: cross-process times with node are not comparable.");
            var clients = Clients(o, report);
            var figures = clients.ToDictionary(c => c, c => new Figures());
            for (int run = 0; run < o.Runs; run++)
            {
                var order = clients.Skip(run % clients.Length).Concat(clients.Take(run % clients.Length)).ToArray();
                foreach (var c in order)
                {
                    try { RunOne(o, s, c, figures[c]); }
                    catch (Exception e) { figures[c].Error = e.Message; Console.WriteLine("  side " + c + " run " + run + " FAILED: " + e.Message); if (c == "wecomps" || c == "floor") report.Failed = true; }
                    var f = figures[c];
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  side run {0} {1,-9} burst {2} msg/s (push {3}, gc pause {8} ms/10k) | latency p50/p99 {4}/{5} ms | reply p50/p99 {6}/{7} ms",
                        run, c, Fmt.N(Last(f.BurstRate), "0"), Fmt.N(Last(f.PushRate), "0"), Fmt.N(Last(f.LatP50), "0.000"), Fmt.N(Last(f.LatP99), "0.000"),
                        Fmt.N(Last(f.ReplyP50), "0.000"), Fmt.N(Last(f.ReplyP99), "0.000"), Fmt.N(Last(f.BurstPauseMsPer10k), "0.0")));
                }
            }
            AddRows(report, figures, s);
            return figures;
        }

        private static double Last(List<double> l) => l.Count == 0 ? double.NaN : l[l.Count - 1];

        private static string[] Clients(Options o, Report report)
        {
            bool node = !o.NoNode && Machine.HasNode() && Directory.Exists(Path.Combine(o.Root, "bench", "node-peer", "node_modules", "@wecom"));
            if (!node) report.Notes.Add("side by side: Node SDK and raw ws columns skipped (no node or no bench/node-peer/node_modules).");
            return AllClients.Where(c => o.Clients == null || o.Clients.Contains(c)).Where(c => (node || !c.StartsWith("node", StringComparison.Ordinal)) && (!o.NoPwsh || c.StartsWith("node", StringComparison.Ordinal))).ToArray();
        }

        public static PeerProcess StartPeer(Options o, string client, WecomMockServer server)
        {
            var env = new Dictionary<string, string> { ["WECOM_BENCH_SECRET"] = server?.Secret ?? "" };
            var endpoint = server?.Endpoint.ToString() ?? "none";
            var bot = server?.BotId ?? "none";
            switch (client)
            {
                case "node-sdk":
                case "node-raw":
                    return PeerProcess.Start(client, "node", new[] { "--expose-gc", "peer.js", "--kind", client == "node-sdk" ? "sdk" : "raw", "--endpoint", endpoint, "--bot", bot },
                        Path.Combine(o.Root, "bench", "node-peer"), env);
                case "wecomps":
                case "floor":
                    return PeerProcess.Start(client, "dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", Path.Combine(o.Root, "bench", "Peer.ps1"),
                        "-Kind", client == "wecomps" ? "WecomPS" : "Floor", "-BenchAssembly", typeof(SideBench).Assembly.Location, "-Endpoint", endpoint, "-BotId", bot }, o.Root, env);
                default: throw new ArgumentException(client);
            }
        }

        private static void RunOne(Options o, Settings s, string client, Figures f)
        {
            using var server = WecomMockServer.Start();
            using var peer = StartPeer(o, client, server);
            var minute = TimeSpan.FromMinutes(3);
            peer.Command("connect", minute);
            FrameFactory factory = null;
            string[] warmFrames = null;
            // Two warm-up rounds, each followed by a pause, for every client alike. Every runtime here recompiles hot
            // code in the background (.NET's tiers, V8's optimizing tiers). Measured in pwsh: .NET starts counting
            // calls only once no new code has been compiled for 100 ms, which never happens during the first round
            // (pwsh compiles its own pipeline code then), so after one round the burst still ran part of the path
            // unoptimized, with the tiering thread busy during the burst (40 000-77 000 msg/s against 177 000 over a
            // 600 000-message burst). A long-lived host, the case this figure is for, is past that point.
            for (int round = 0; round < 2; round++)
            {
                peer.Command("warm " + s.Warm, minute, () =>
                {
                    // The factory's template is itself pushed (and received) once, in the first round.
                    if (factory == null) { factory = new FrameFactory(server); warmFrames = factory.Make(s.Warm - 1); }
                    else warmFrames = factory.Make(s.Warm);
                    foreach (var x in warmFrames) server.PushRaw(x);
                });
                Thread.Sleep(s.SettleMs);
            }

            // (1) burst: first push -> Nth message out of the client
            var frames = factory.Make(s.Burst);
            long t0 = 0, pushEnd = 0; double cpu0 = 0; Dictionary<string, (string, long)> threads0 = null;
            var burst = peer.Command("burst " + s.Burst, minute, () =>
            {
                cpu0 = ProcOf.CpuSeconds(peer.Pid);
                threads0 = ThreadCpu.Snapshot(peer.Pid);
                t0 = Stopwatch.GetTimestamp();
                foreach (var x in frames) server.PushRaw(x);
                pushEnd = Stopwatch.GetTimestamp();
            });
            double cpu1 = ProcOf.CpuSeconds(peer.Pid);
            // WECOM_BENCH_THREADS=1: which threads of the client burned the burst's CPU (/proc/PID/task/*/stat)
            if (Environment.GetEnvironmentVariable("WECOM_BENCH_THREADS") == "1") ThreadCpu.Print(peer.Pid, threads0);
            long end = PeerProcess.Long(burst.GetProperty("end"));
            f.BurstRate.Add(s.Burst / ((end - t0) / 1e9));
            f.PushRate.Add(s.Burst / ((pushEnd - t0) / 1e9));
            f.BurstCpuUs.Add((cpu1 - cpu0) * 1e6 / s.Burst);
            if (burst.TryGetProperty("gen0", out var bg0))
            {
                f.BurstGen0Per10k.Add(bg0.GetInt32() * 10000.0 / s.Burst);
                f.BurstGen1Per10k.Add(burst.GetProperty("gen1").GetInt32() * 10000.0 / s.Burst);
                f.BurstGen2Per10k.Add(burst.GetProperty("gen2").GetInt32() * 10000.0 / s.Burst);
                if (burst.TryGetProperty("pauseMs", out var pause)) f.BurstPauseMsPer10k.Add(pause.GetDouble() * 10000.0 / s.Burst);
            }

            // (2) latency at a steady rate: push time here, arrival time in the client, paired by order
            frames = factory.Make(s.Latency);
            var pushed = new long[s.Latency];
            var lat = peer.Command("latency " + s.Latency, minute, () =>
            {
                var clock = Stopwatch.StartNew();
                int sent = 0;
                while (sent < frames.Length)
                {
                    long due = (long)(clock.Elapsed.TotalSeconds * s.LatencyRate) + 1;
                    while (sent < frames.Length && sent < due) { pushed[sent] = Stopwatch.GetTimestamp(); server.PushRaw(frames[sent]); sent++; }
                    Thread.Sleep(1);
                }
            });
            var arrived = lat.GetProperty("t").EnumerateArray().Select(PeerProcess.Long).ToArray();
            var ms = new List<double>(arrived.Length);
            for (int i = 0; i < Math.Min(arrived.Length, pushed.Length); i++) ms.Add((arrived[i] - pushed[i]) / 1e6);
            f.LatP50.Add(Stats.Percentile(ms, 50)); f.LatP99.Add(Stats.Percentile(ms, 99)); f.LatMax.Add(ms.Max());
            if (lat.TryGetProperty("gen0", out var g0))
            {
                f.Gen0Per10k.Add(g0.GetInt32() * 10000.0 / s.Latency);
                f.Gen1Per10k.Add(lat.GetProperty("gen1").GetInt32() * 10000.0 / s.Latency);
            }

            // (3) one at a time: push -> the client's reply -> its ack back in the client. The next push waits for the
            //     reply frame at the double plus 2 ms.
            // PushRaw registers no callback, so a reply to it is refused: this phase pushes with PushText (the double builds
            // the frame with JsonObject; that time, the same for every client, is in every figure and printed as its own row).
            var replied = new SemaphoreSlim(0);
            Action<ReceivedFrame> onFrame = fr => { if (fr.Cmd == "aibot_respond_msg") replied.Release(); };
            server.FrameReceived += onFrame;
            var pushedR = new long[s.Replies];
            var pushCost = new List<double>();
            JsonElement rep;
            try
            {
                rep = peer.Command("reply " + s.Replies, minute, () =>
                {
                    for (int i = 0; i < s.Replies; i++)
                    {
                        pushedR[i] = Stopwatch.GetTimestamp();
                        server.PushText("question " + i.ToString(CultureInfo.InvariantCulture), "user" + (i % 16).ToString(CultureInfo.InvariantCulture));
                        pushCost.Add((Stopwatch.GetTimestamp() - pushedR[i]) / 1e6);
                        if (!replied.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("no reply to push " + i);
                        Thread.Sleep(2);
                    }
                });
            }
            finally { server.FrameReceived -= onFrame; }
            f.ReplyPushMs.Add(Stats.Percentile(pushCost, 50));
            var acked = rep.GetProperty("t").EnumerateArray().Select(PeerProcess.Long).ToArray();
            var rms = new List<double>();
            for (int i = 0; i < Math.Min(acked.Length, pushedR.Length); i++) rms.Add((acked[i] - pushedR[i]) / 1e6);
            // the first 10 % are warm-up (first replies JIT the reply path in every runtime)
            rms = rms.Skip(rms.Count / 10).ToList();
            f.ReplyP50.Add(Stats.Percentile(rms, 50)); f.ReplyP99.Add(Stats.Percentile(rms, 99));
            f.ReplyErrors += rep.GetProperty("errors").GetInt32();
            f.Violations += server.Violations.Count;
            if (server.Violations.Count > 0) Console.WriteLine("  [" + client + "] violation: " + server.Violations[0]);
        }

        private static void AddRows(Report report, Dictionary<string, Figures> figs, Settings s)
        {
            double M(string c, Func<Figures, List<double>> pick) => figs.TryGetValue(c, out var f) ? Stats.Median(pick(f)) : double.NaN;
            void Row(string name, Func<Figures, List<double>> pick, string format, bool higherIsBetter) =>
                report.Side.Add(new Report.SideRow
                {
                    Name = name, Format = format, HigherIsBetter = higherIsBetter,
                    Values = AllClients.ToDictionary(c => c, c => M(c, pick)),
                });
            Row("(1) inbound burst of " + s.Burst + " text callbacks, first push -> all received, msg/s", f => f.BurstRate, "0", true);
            Row("    the double's PushRaw rate during that burst, msg/s", f => f.PushRate, "0", true);
            Row("    client CPU per message during the burst, us", f => f.BurstCpuUs, "0.0", false);
            Row("    gen0 GCs per 10 000 messages in the burst", f => f.BurstGen0Per10k, "0.0", false);
            Row("    gen1 GCs per 10 000 messages in the burst", f => f.BurstGen1Per10k, "0.0", false);
            Row("    gen2 GCs per 10 000 messages in the burst", f => f.BurstGen2Per10k, "0.0", false);
            Row("    GC pause per 10 000 messages in the burst, ms", f => f.BurstPauseMsPer10k, "0.00", false);
            Row("(2) push -> pipeline at " + s.LatencyRate + " msg/s (" + s.Latency + "), p50 ms", f => f.LatP50, "0.000", false);
            Row("    same, p99 ms", f => f.LatP99, "0.000", false);
            Row("    same, max ms", f => f.LatMax, "0.00", false);
            Row("    gen0 GCs per 10 000 messages at that rate", f => f.Gen0Per10k, "0.0", false);
            Row("    gen1 GCs per 10 000 messages at that rate", f => f.Gen1Per10k, "0.0", false);
            Row("(3) inbound -> ack of the reply, one at a time (" + s.Replies + "), p50 ms", f => f.ReplyP50, "0.000", false);
            Row("    same, p99 ms", f => f.ReplyP99, "0.000", false);
            Row("    of which the double's PushText call (builds + sends the callback), p50 ms", f => f.ReplyPushMs, "0.000", false);
            foreach (var kv in figs)
            {
                if (kv.Value.ReplyErrors > 0) report.Notes.Add(kv.Key + ": " + kv.Value.ReplyErrors + " reply errors");
                if (kv.Value.Violations > 0) report.Notes.Add(kv.Key + ": " + kv.Value.Violations + " protocol violations recorded by the double");
                if (kv.Value.Error != null) report.Notes.Add(kv.Key + " failed at least once: " + kv.Value.Error);
            }
        }

        // ------------------------------------------------------------------ (5) many idle sessions
        public static void RunIdle(Options o, Report report)
        {
            var configs = new[] { (100, 5), (1000, 5), (1000, 30) };
            int window = o.Quick ? 10 : 20;
            var clients = Clients(o, report).Where(c => c != "floor").ToArray();
            // One double serves every bot (MockServerOptions.AdditionalBots), each with its own bot_id and secret.
            int max = configs.Max(c => c.Item1);
            var bots = Enumerable.Range(0, max).Select(i => (Bot: "aib-bench-" + i.ToString("D4", CultureInfo.InvariantCulture),
                Secret: new MockServerOptions().Secret)).ToArray();   // a random secret each
            var options = new MockServerOptions { BotId = bots[0].Bot, Secret = bots[0].Secret };
            foreach (var b in bots.Skip(1)) options.AdditionalBots[b.Bot] = b.Secret;
            using var server = WecomMockServer.Start(options);
            foreach (var (n, hb) in configs)
            {
                var file = Path.Combine(Path.GetTempPath(), "wecomps-bench-bots-" + n + ".json");
                File.WriteAllText(file, JsonSerializer.Serialize(bots.Take(n).Select(x => new { endpoint = server.Endpoint.ToString(), bot = x.Bot, secret = x.Secret })));
                foreach (var c in clients)
                {
                    var row = new Report.IdleRow { Sessions = n, HeartbeatSec = hb, Client = c, WindowSec = window };
                    report.Idle.Add(row);
                    try
                    {
                        using var peer = StartPeer(o, c, null);
                        peer.Command("gc", TimeSpan.FromMinutes(1));
                        Thread.Sleep(500);
                        long rss0 = ProcOf.Rss(peer.Pid);
                        var r = peer.Command("idle " + file + " " + hb, TimeSpan.FromMinutes(10));
                        var sinceConnected = Stopwatch.StartNew();
                        double cpuConnected = ProcOf.CpuSeconds(peer.Pid);
                        row.ConnectSeconds = r.GetProperty("seconds").GetDouble();
                        row.Connected = r.GetProperty("connected").GetInt32();
                        Thread.Sleep(2000);
                        peer.Command("gc", TimeSpan.FromMinutes(1));
                        Thread.Sleep(500);
                        row.KbPerSession = (ProcOf.Rss(peer.Pid) - rss0) / 1024.0 / Math.Max(1, row.Connected);
                        double cpu0 = ProcOf.CpuSeconds(peer.Pid);
                        var clock = Stopwatch.StartNew();
                        Thread.Sleep(window * 1000);
                        row.CpuPercent = (ProcOf.CpuSeconds(peer.Pid) - cpu0) / clock.Elapsed.TotalSeconds * 100;
                        // steady: past every session's second heartbeat (the runtimes' warm-up of the connect and ping
                        // paths, .NET's tiered JIT above all, runs into the first interval), over at least one whole
                        // heartbeat interval, so that it holds a ping of every session. What the warm-up cost is its
                        // own figure: CPU seconds from connected to the start of steady.
                        var steadyFrom = TimeSpan.FromSeconds(2 * hb + 2);
                        if (sinceConnected.Elapsed < steadyFrom) Thread.Sleep(steadyFrom - sinceConnected.Elapsed);
                        cpu0 = ProcOf.CpuSeconds(peer.Pid);
                        row.WarmupCpuSeconds = cpu0 - cpuConnected;
                        clock.Restart();
                        Thread.Sleep(Math.Max(window, hb) * 1000);
                        row.SteadyCpuPercent = (ProcOf.CpuSeconds(peer.Pid) - cpu0) / clock.Elapsed.TotalSeconds * 100;
                        row.RssAfterMb = ProcOf.Rss(peer.Pid) / 1048576.0;
                    }
                    catch (Exception e) { row.Error = e.Message; if (c == "wecomps") report.Failed = true; }
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  idle {0} sessions hb {1}s {2,-9} connect {3} s ({4} ok), {5} KB/session, idle CPU {6} % over {7} s / steady {9} %, warm-up {10} CPU s{8}",
                        n, hb, c, Fmt.N(row.ConnectSeconds, "0.00"), row.Connected, Fmt.N(row.KbPerSession, "0"), Fmt.N(row.CpuPercent, "0.0"), window, row.Error != null ? " ERROR " + row.Error : "", Fmt.N(row.SteadyCpuPercent, "0.0"), Fmt.N(row.WarmupCpuSeconds, "0.00")));
                }
            }
            if (server.Violations.Count > 0)
                report.Notes.Add("idle: " + server.Violations.Count + " protocol violations recorded by the double, first: " + server.Violations[0]);
        }
    }

    /// <summary>CPU per thread of a client process, by name (Linux /proc): a diagnostic for the burst.</summary>
    internal static class ThreadCpu
    {
        public static Dictionary<string, (string, long)> Snapshot(int pid)
        {
            var d = new Dictionary<string, (string, long)>();
            foreach (var dir in Directory.GetDirectories("/proc/" + pid + "/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                    var name = stat.Substring(open + 1, close - open - 1);
                    var f = stat.Substring(close + 2).Split(' ');
                    d[Path.GetFileName(dir)] = (name, long.Parse(f[11]) + long.Parse(f[12]));
                }
                catch { }
            }
            return d;
        }

        public static void Print(int pid, Dictionary<string, (string, long)> before)
        {
            var after = Snapshot(pid);
            foreach (var kv in after.OrderByDescending(k => k.Value.Item2 - (before.TryGetValue(k.Key, out var b) ? b.Item2 : 0)).Take(12))
            {
                long d = kv.Value.Item2 - (before.TryGetValue(kv.Key, out var b) ? b.Item2 : 0);
                if (d > 0) Console.WriteLine("    thread " + kv.Key + " " + kv.Value.Item1 + ": " + d * 10 + " ms");
            }
        }
    }
}
