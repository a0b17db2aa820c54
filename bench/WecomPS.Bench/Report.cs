using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace WecomPS.Bench
{
    /// <summary>Collects figures and prints them as plain-text tables at the end.</summary>
    public sealed class Report
    {
        public sealed class UploadRow
        {
            public string Condition;
            public int SizeMb;
            public Dictionary<string, ClientFigures> Clients = new Dictionary<string, ClientFigures>();
        }

        public sealed class ClientFigures
        {
            public List<double> Seconds = new List<double>();
            public List<long> PeakExtra = new List<long>();
            public int Failures;
            public int RejectedChunks;
            public int Violations;
            public int UploadsSeen;
            public string Error;
            public bool Skipped;
            public string SkipReason;
            public double MBps(int sizeMb) => Seconds.Count == 0 ? double.NaN : sizeMb / Stats.Median(Seconds);
            public long MaxPeak => PeakExtra.Count == 0 ? -1 : PeakExtra.Max();
            public double MedianPeak => PeakExtra.Count == 0 ? double.NaN : Stats.Median(PeakExtra.Select(x => (double)x));
        }

        public sealed class SideRow
        {
            public string Name;
            public string Format;
            public bool HigherIsBetter;
            public Dictionary<string, double> Values;
        }

        public sealed class IdleRow
        {
            public int Sessions, HeartbeatSec, WindowSec, Connected;
            public string Client, Error;
            public double ConnectSeconds = double.NaN, KbPerSession = double.NaN, CpuPercent = double.NaN, SteadyCpuPercent = double.NaN, RssAfterMb = double.NaN, WarmupCpuSeconds = double.NaN;
        }

        public readonly List<UploadRow> Uploads = new List<UploadRow>();
        public readonly List<SideRow> Side = new List<SideRow>();
        public readonly List<IdleRow> Idle = new List<IdleRow>();
        public readonly List<(string Section, string Name, string Value, string Goal)> Figures = new List<(string, string, string, string)>();
        public readonly List<string> Notes = new List<string>();
        public bool Failed;

        public void Figure(string section, string name, string value, string goal = "") => Figures.Add((section, name, value, goal));

        public void Print()
        {
            var sb = new StringBuilder();
            sb.AppendLine();
            sb.AppendLine("================================================================ upload (Send-WecomFile)");
            sb.AppendLine("MB = 1048576 bytes. MB/s = file size / median wall time of init + chunks + finish + aibot_send_msg (file read included).");
            sb.AppendLine("Peak = the client process's peak RSS above its idle RSS after a full GC (max over runs). Each client runs in its own process; the double runs in WecomPS.Bench.");
            var cols = new[] { "wecomps-pwsh", "wecomps-core", "node-sdk", "raw-w4", "raw-all" };
            foreach (var cond in Uploads.Select(u => u.Condition).Distinct())
            {
                sb.AppendLine();
                sb.AppendLine("-- " + cond);
                sb.AppendLine(string.Format("{0,-6} {1,13} {2,13} {3,10} {4,9} {5,9} | {6,9} {7,10} {8,10} | {9,10} {10,10} {11,8} | {12}",
                    "size", "WecomPS MB/s", "core MB/s", "Node MB/s", "raw-w4", "raw-all", "WPS/Node", "WPS/raw-w4", "WPS/rawall", "WPS peak", "Node peak", "core pk", "failed/rejected/violations"));
                foreach (var row in Uploads.Where(u => u.Condition == cond).OrderBy(u => u.SizeMb))
                {
                    double V(string c) => row.Clients.TryGetValue(c, out var f) && !f.Skipped ? f.MBps(row.SizeMb) : double.NaN;
                    string P(string c) => row.Clients.TryGetValue(c, out var f) && !f.Skipped && f.MaxPeak >= 0 ? Fmt.MB(f.MaxPeak) + " MB" : "n/a";
                    string problems = string.Join(" ", cols.Where(row.Clients.ContainsKey).Select(c =>
                    {
                        var f = row.Clients[c];
                        return f.Skipped ? c + ":skipped" : c + ":" + f.Failures + "/" + f.RejectedChunks + "/" + f.Violations;
                    }));
                    double wps = V("wecomps-pwsh");
                    sb.AppendLine(string.Format("{0,-6} {1,13} {2,13} {3,10} {4,9} {5,9} | {6,9} {7,10} {8,10} | {9,10} {10,10} {11,8} | {12}",
                        row.SizeMb + " MB", Fmt.N(wps), Fmt.N(V("wecomps-core")), Fmt.N(V("node-sdk")), Fmt.N(V("raw-w4")), Fmt.N(V("raw-all")),
                        Fmt.X(wps / V("node-sdk")), Fmt.Pct(wps / V("raw-w4")), Fmt.Pct(wps / V("raw-all")), P("wecomps-pwsh"), P("node-sdk"), P("wecomps-core"), problems));
                }
            }
            if (Side.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("================================================================ side by side (issue 14), medians of the runs");
                sb.AppendLine("Each client in its own process against a double in WecomPS.Bench. Ratios are WecomPS / column: above 1 means WecomPS is higher");
                sb.AppendLine("(better for msg/s, worse for ms, CPU and GC counts). floor = minimal C# cmdlets (socket thread -> queue + semaphore -> WriteObject; pipeline-bound reply).");
                sb.AppendLine(string.Format("| {0,-78} | {1,9} | {2,9} | {3,9} | {4,9} | {5,8} | {6,8} | {7,9} |", "figure", "Node SDK", "raw ws", "WecomPS", "floor", "WPS/SDK", "WPS/raw", "WPS/floor"));
                sb.AppendLine("|" + new string('-', 80) + "|-----------|-----------|-----------|-----------|----------|----------|-----------|");
                foreach (var r in Side)
                {
                    double V(string c) => r.Values.TryGetValue(c, out var v) ? v : double.NaN;
                    double w = V("wecomps");
                    sb.AppendLine(string.Format("| {0,-78} | {1,9} | {2,9} | {3,9} | {4,9} | {5,8} | {6,8} | {7,9} |", r.Name,
                        Fmt.N(V("node-sdk"), r.Format), Fmt.N(V("node-raw"), r.Format), Fmt.N(w, r.Format), Fmt.N(V("floor"), r.Format),
                        Fmt.R(w / V("node-sdk")), Fmt.R(w / V("node-raw")), Fmt.R(w / V("floor"))));
                }
            }
            if (Idle.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("================================================================ many idle sessions in one process (one run each)");
                sb.AppendLine("One double for all sessions (each its own bot_id + secret), in WecomPS.Bench. connect all = first connect -> last authenticated;");
                sb.AppendLine("memory = client RSS after connecting (after a GC) minus RSS before (after a GC), per session; CPU = client utime+stime over the window / wall time (100 % = one core):");
                sb.AppendLine("idle = the window from 2.5 s after connecting (first heartbeats and warm-up in it); steady = from two heartbeat intervals + 2 s after connecting on, as long or one interval if longer;");
                sb.AppendLine("warm-up = CPU seconds from connected to the start of steady (a forced GC of each client included).");
                sb.AppendLine(string.Format("| {0,-22} | {1,-42} | {2,-42} | {3,-42} | {4,-32} |", "sessions", "Node SDK: connect / KB / idle / steady / warm-up", "raw ws: connect / KB / idle / steady / warm-up", "WecomPS: connect / KB / idle / steady / warm-up", "WecomPS / SDK"));
                sb.AppendLine("|------------------------|--------------------------------------------|--------------------------------------------|--------------------------------------------|----------------------------------|");
                foreach (var g in Idle.GroupBy(i => (i.Sessions, i.HeartbeatSec)))
                {
                    IdleRow C(string c) => g.FirstOrDefault(i => i.Client == c);
                    string Cell(IdleRow i) => i == null ? "skipped" : i.Error != null ? "FAILED" : Fmt.N(i.ConnectSeconds, "0.00") + " s / " + Fmt.N(i.KbPerSession, "0") + " KB / " + Fmt.N(i.CpuPercent, "0.0") + " % / " + Fmt.N(i.SteadyCpuPercent, "0.0") + " % / " + Fmt.N(i.WarmupCpuSeconds, "0.00") + " s" + (i.Connected != g.Key.Sessions ? " (" + i.Connected + " ok)" : "");
                    var w = C("wecomps"); var n = C("node-sdk");
                    string ratio = w == null || n == null ? "n/a" : Fmt.R(w.ConnectSeconds / n.ConnectSeconds) + " / " + Fmt.R(w.KbPerSession / n.KbPerSession) + " / " + Fmt.R(w.CpuPercent / n.CpuPercent) + " / " + Fmt.R(w.SteadyCpuPercent / n.SteadyCpuPercent) + " / " + Fmt.R(w.WarmupCpuSeconds / n.WarmupCpuSeconds);
                    sb.AppendLine(string.Format("| {0,-22} | {1,-42} | {2,-42} | {3,-42} | {4,-32} |", g.Key.Sessions + " (heartbeat " + g.Key.HeartbeatSec + " s)", Cell(n), Cell(C("node-raw")), Cell(w), ratio));
                }
            }
            foreach (var section in Figures.Select(f => f.Section).Distinct())
            {
                sb.AppendLine();
                sb.AppendLine("================================================================ " + section);
                foreach (var f in Figures.Where(f => f.Section == section))
                    sb.AppendLine(string.Format("  {0,-58} {1,-34} {2}", f.Name, f.Value, string.IsNullOrEmpty(f.Goal) ? "" : "goal: " + f.Goal));
            }
            if (Notes.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("Notes:");
                foreach (var n in Notes) sb.AppendLine("  - " + n);
            }
            Console.WriteLine(sb.ToString());
        }
    }
}
