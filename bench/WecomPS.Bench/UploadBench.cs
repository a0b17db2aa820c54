using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using WecomPS.Testing;

namespace WecomPS.Bench
{
    /// <summary>
    /// Upload side by side: for each network condition and file size, each client (PowerShell Send-WecomFile, WecomPS core,
    /// the official Node SDK, and the raw limit) runs in its own process against a fresh double in this process.
    /// The order of the clients rotates from one size to the next so that drift in the machine's load spreads evenly.
    /// </summary>
    public static class UploadBench
    {
        public sealed class Condition
        {
            public string Name;
            public Func<MockServerOptions> Options;
            public string[] Clients;
        }

        public static void Run(Options o, Report report)
        {
            var dir = Path.Combine(Path.GetTempPath(), "wecomps-bench-files");
            Directory.CreateDirectory(dir);
            var files = o.SizesMb.Concat(new[] { 1 }).Distinct().ToDictionary(mb => mb, mb => MakeFile(dir, mb));
            bool node = !o.NoNode && Machine.HasNode() && Directory.Exists(Path.Combine(o.Root, "bench", "node-peer", "node_modules", "@wecom"));
            if (!node) report.Notes.Add("Node SDK column skipped: " + (o.NoNode ? "--no-node" : "node or bench/node-peer/node_modules missing (run npm ci in bench/node-peer)") + ".");

            var conditions = new[]
            {
                new Condition
                {
                    Name = "plain loopback (no ack delay, no in-flight limit)",
                    Options = () => new MockServerOptions(),
                    Clients = new[] { "wecomps-pwsh", "wecomps-core", "node-sdk", "raw-w4", "raw-all" },
                },
                new Condition
                {
                    Name = "WAN-like double (every ack +100 ms, chunk beyond 4 in flight per upload -> errcode -1)",
                    Options = () => new MockServerOptions { AckDelay = TimeSpan.FromMilliseconds(100), MaxChunksInFlightPerUpload = 4 },
                    Clients = new[] { "wecomps-pwsh", "wecomps-core", "node-sdk", "raw-w4" },
                },
            };

            int rotation = 0;
            foreach (var cond in conditions)
            {
                foreach (var mb in o.SizesMb)
                {
                    var row = new Report.UploadRow { Condition = cond.Name, SizeMb = mb };
                    report.Uploads.Add(row);
                    var order = cond.Clients.Skip(rotation % cond.Clients.Length).Concat(cond.Clients.Take(rotation % cond.Clients.Length)).ToArray();
                    rotation++;
                    foreach (var client in order)
                    {
                        var f = new Report.ClientFigures();
                        row.Clients[client] = f;
                        if (client == "node-sdk" && !node) { f.Skipped = true; continue; }
                        if (client == "wecomps-pwsh" && o.NoPwsh) { f.Skipped = true; continue; }
                        RunOne(o, cond, client, files[mb], files[1], f);
                        Console.WriteLine(string.Format("  upload {0,-4} {1,-13} {2,-10} runs {3}  MB/s {4}  peak {5}  failed {6} rejected {7}{8}",
                            mb + "MB", client, cond.Name.Split(' ')[0], string.Join(",", f.Seconds.Select(s => Fmt.N(mb / s, "0.0"))),
                            Fmt.N(f.MBps(mb)), f.MaxPeak >= 0 ? Fmt.MB(f.MaxPeak) + "MB" : "n/a", f.Failures, f.RejectedChunks,
                            f.Error != null ? "  error: " + f.Error.Split('\n')[0] : ""));
                        if (client != "raw-all" && client != "raw-w4" && f.Failures > 0) report.Failed = true;
                    }
                }
            }
            foreach (var row in report.Uploads.Where(u => u.Condition == conditions[0].Name))
                if (row.Clients.TryGetValue("raw-w4", out var raw) && raw.Seconds.Count > 0) report.Notes.Add(Md5Ceiling(files[row.SizeMb], row.SizeMb, Stats.Median(raw.Seconds)));
        }

        /// <summary>
        /// WecomPS hashes the whole file before init (init carries its md5); raw-w4 hashes before its clock starts. The
        /// hash is timed here the way MediaUploader does it, to show what that costs against raw-w4 on loopback.
        /// </summary>
        private static string Md5Ceiling(string file, int mb, double rawSeconds)
        {
            var ms = new double[5];
            for (int i = 0; i < ms.Length; i++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using (var md5 = System.Security.Cryptography.MD5.Create())
                using (var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                    md5.ComputeHash(fs);
                ms[i] = clock.Elapsed.TotalMilliseconds;
            }
            double md5Ms = Stats.Median(ms), rawMs = rawSeconds * 1000;
            return "loopback " + mb + " MB: the md5 pass before init takes " + Fmt.N(md5Ms, "0.0") + " ms here (median of 5, in the bench process); raw-w4's median upload "
                + Fmt.N(rawMs, "0.0") + " ms. A client that hashes before init reaches at most " + Fmt.N(100 * rawMs / (rawMs + md5Ms), "0") + " % of raw-w4.";
        }

        private static void RunOne(Options o, Condition cond, string client, string file, string warmup, Report.ClientFigures f)
        {
            using var server = WecomMockServer.Start(cond.Options());
            var env = new Dictionary<string, string> { ["WECOM_BENCH_SECRET"] = server.Secret };
            var common = new List<string> { "--endpoint", server.Endpoint.ToString(), "--bot", server.BotId, "--file", file, "--runs", o.Runs.ToString() };
            Child.Result r;
            var timeout = TimeSpan.FromMinutes(5);
            switch (client)
            {
                case "raw-w4":
                case "raw-all":
                    r = Child.Run(SelfExe(out var pre), pre.Concat(new[] { "client-raw" }).Concat(common).Concat(new[] { "--window", client == "raw-w4" ? "4" : "0" }), o.Root, env, timeout);
                    break;
                case "wecomps-core":
                    r = Child.Run(SelfExe(out var pre2), pre2.Concat(new[] { "client-core" }).Concat(common).Concat(new[] { "--warmup", warmup }), o.Root, env, timeout);
                    break;
                case "wecomps-pwsh":
                    r = Child.Run("dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", Path.Combine(o.Root, "bench", "Upload-Client.ps1"),
                        "-Endpoint", server.Endpoint.ToString(), "-BotId", server.BotId, "-File", file, "-WarmupFile", warmup, "-Runs", o.Runs.ToString() }, o.Root, env, timeout);
                    break;
                case "node-sdk":
                    r = Child.Run("node", new[] { "--expose-gc", "upload.js" }.Concat(common).Concat(new[] { "--warmup", warmup }),
                        Path.Combine(o.Root, "bench", "node-peer"), env, timeout);
                    break;
                default: throw new ArgumentException(client);
            }
            if (r.Json is JsonElement j)
            {
                foreach (var s in j.GetProperty("seconds").EnumerateArray()) f.Seconds.Add(s.GetDouble());
                foreach (var p in j.GetProperty("peakExtraBytes").EnumerateArray()) f.PeakExtra.Add(p.GetInt64());
                f.Failures = j.GetProperty("failures").GetInt32();
                if (j.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String) f.Error = e.GetString();
            }
            else
            {
                f.Failures = o.Runs;
                f.Error = "no RESULT line (exit " + r.ExitCode + (r.TimedOut ? ", timed out" : "") + "): " + Tail(r.Stderr) + " " + Tail(string.Join("\n", r.Stdout));
            }
            f.RejectedChunks = server.RejectedChunks;
            f.Violations = server.Violations.Count;
            f.UploadsSeen = server.Uploads.Count;
            if (f.Violations > 0) f.Error = (f.Error ?? "") + " violation: " + server.Violations[0].Reason;
        }

        private static string Tail(string s) => s.Length > 600 ? s.Substring(s.Length - 600) : s;

        /// <summary>How to start this program again: the apphost, or dotnet + the dll.</summary>
        public static string SelfExe(out string[] prefix)
        {
            var exe = Environment.ProcessPath;
            var dll = typeof(UploadBench).Assembly.Location;
            if (exe != null && Path.GetFileNameWithoutExtension(exe).Equals("WecomPS.Bench", StringComparison.OrdinalIgnoreCase)) { prefix = Array.Empty<string>(); return exe; }
            prefix = new[] { dll };
            return "dotnet";
        }

        /// <summary>Random (incompressible) bytes, MB = 1048576; 20 MB is exactly the file limit.</summary>
        public static string MakeFile(string dir, int mb)
        {
            var path = Path.Combine(dir, "bench-" + mb + "MB.bin");
            long size = mb * 1048576L;
            if (File.Exists(path) && new FileInfo(path).Length == size) return path;
            var rng = new Random(mb);
            var buf = new byte[size];
            rng.NextBytes(buf);
            File.WriteAllBytes(path, buf);
            return path;
        }
    }
}
