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

        public readonly List<UploadRow> Uploads = new List<UploadRow>();
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
