using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace WecomPS.Bench
{
    /// <summary>Runs the PowerShell-level scripts under the pinned pwsh (dotnet pwsh) and collects their RESULT lines.</summary>
    public static class PwshBench
    {
        public static void RunImportOnly(Options o, Report report) => RunImport(o, report, Path.Combine(o.Root, "bench"));

        public static void Run(Options o, Report report, bool inboundAndReply = true)
        {
            var bench = Path.Combine(o.Root, "bench");
            var self = typeof(PwshBench).Assembly.Location;
            if (inboundAndReply) RunInboundAndReply(o, report, bench, self);
            RunImport(o, report, bench);
        }

        private static void RunInboundAndReply(Options o, Report report, string bench, string self)
        {

            // 4. inbound through Receive-WecomMessage
            var inbound = Pwsh(o, Path.Combine(bench, "Inbound.ps1"), "-BenchAssembly", self, "-Runs", o.Runs.ToString(), "-Count", o.Quick ? "20000" : "100000");
            if (inbound?.TryGetProperty("rates", out var rates) == true)
            {
                report.Figure("inbound", "pwsh: PushText -> Receive-WecomMessage -Wait -Count N, msg/s", Fmt.N(Stats.Median(rates.EnumerateArray().Select(x => x.GetDouble())), "0") + " (N=" + inbound.Value.GetProperty("count").GetInt32() + ")");
                report.Figure("inbound", "  the double's push rate in that run, msg/s", Fmt.N(Stats.Median(inbound.Value.GetProperty("pushRates").EnumerateArray().Select(x => x.GetDouble())), "0"));
                report.Figure("inbound", "pwsh: prebuilt frames (PushRaw) -> Receive-WecomMessage, msg/s", Fmt.N(Stats.Median(inbound.Value.GetProperty("rawRates").EnumerateArray().Select(x => x.GetDouble())), "0"), ">= 50000");
                report.Figure("inbound", "  the double's PushRaw rate in that run, msg/s", Fmt.N(Stats.Median(inbound.Value.GetProperty("rawPushRates").EnumerateArray().Select(x => x.GetDouble())), "0"));
                report.Figure("inbound", "  pipeline only (N queued first, then Receive), msg/s", Fmt.N(Stats.Median(inbound.Value.GetProperty("drainRates").EnumerateArray().Select(x => x.GetDouble())), "0"));
                var p = inbound.Value.GetProperty("latency");
                report.Figure("inbound", "pwsh: latency push -> pipeline at 1000 msg/s, p50 / p99", Fmt.N(p.GetProperty("p50").GetDouble(), "0.000") + " / " + Fmt.N(p.GetProperty("p99").GetDouble(), "0.000") + " ms (" + p.GetProperty("n").GetInt32() + ")", "p99 < 5 ms");
                report.Figure("inbound", "  of which push -> session parsed it (double + socket), p50 / p99", Fmt.N(p.GetProperty("sessionP50").GetDouble(), "0.000") + " / " + Fmt.N(p.GetProperty("sessionP99").GetDouble(), "0.000") + " ms");
            }
            else { report.Figure("inbound", "pwsh inbound", "FAILED (see output above)"); report.Failed = true; }

            // 5. reply latency
            var reply = Pwsh(o, Path.Combine(bench, "Reply.ps1"), "-BenchAssembly", self, "-Count", o.Quick ? "100" : "300");
            if (reply?.TryGetProperty("p50", out var rp50) == true)
                report.Figure("reply", "pwsh: push -> ack of Send-WecomMessage -ReplyTo, p50 / p99", Fmt.N(rp50.GetDouble(), "0.00") + " / " + Fmt.N(reply.Value.GetProperty("p99").GetDouble(), "0.00") + " ms (" + reply.Value.GetProperty("n").GetInt32() + ", errors " + reply.Value.GetProperty("errors").GetInt32() + ")");
            else { report.Figure("reply", "pwsh reply latency", "FAILED (see output above)"); report.Failed = true; }

        }

        private static void RunImport(Options o, Report report, string bench)
        {
            // 7. import time, fresh process each
            var times = new List<double>(); int before = 0, after = 0; string added = "";
            for (int i = 0; i < Math.Max(10, o.Runs); i++)
            {
                var imp = Pwsh(o, Path.Combine(bench, "Import.ps1"));
                if (imp == null) continue;
                times.Add(imp.Value.GetProperty("ms").GetDouble());
                before = imp.Value.GetProperty("before").GetInt32();
                after = imp.Value.GetProperty("after").GetInt32();
                added = imp.Value.GetProperty("added").GetString();
            }
            if (times.Count > 0)
            {
                report.Figure("import", "Import-Module ./out/WecomPS in a fresh pwsh, median / min / max", Fmt.N(Stats.Median(times), "0") + " / " + Fmt.N(times.Min(), "0") + " / " + Fmt.N(times.Max(), "0") + " ms (" + times.Count + " processes)", "<= 50 ms");
                report.Figure("import", "assemblies in the AppDomain before -> after", before + " -> " + after + " (+" + (after - before) + ")");
                report.Figure("import", "  loaded by the import", added);
            }
            else { report.Figure("import", "import", "FAILED"); report.Failed = true; }
        }

        private static JsonElement? Pwsh(Options o, string script, params string[] args)
        {
            var r = Child.Run("dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script }.Concat(args), o.Root, null, TimeSpan.FromMinutes(10));
            foreach (var line in r.Stdout.Where(l => !l.StartsWith("RESULT ", StringComparison.Ordinal))) Console.WriteLine("  [" + Path.GetFileName(script) + "] " + line);
            if (r.Json == null)
                Console.WriteLine("  [" + Path.GetFileName(script) + "] no RESULT (exit " + r.ExitCode + "): " + (r.Stderr.Length > 1500 ? r.Stderr.Substring(0, 1500) : r.Stderr));
            return r.Json;
        }
    }
}
