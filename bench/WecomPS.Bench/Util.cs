using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace WecomPS.Bench
{
    /// <summary>Resident memory of this process from /proc (Linux). Peak = VmHWM, reset with clear_refs 5.</summary>
    public static class ProcMem
    {
        public static long Rss() => StatusKb("VmRSS") * 1024;
        public static long Hwm() => StatusKb("VmHWM") * 1024;

        public static bool ResetPeak()
        {
            try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
            catch { return false; }
        }

        private static long StatusKb(string key)
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith(key + ":", StringComparison.Ordinal))
                        return long.Parse(line.Substring(key.Length + 1).Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            catch { }
            return Environment.WorkingSet / 1024;
        }
    }

    /// <summary>
    /// Peak resident memory above a baseline taken after a full GC: VmHWM (reset at start) where the kernel allows it,
    /// and a 2 ms sampler of VmRSS as a fallback and cross-check.
    /// </summary>
    public sealed class PeakMeter : IDisposable
    {
        private readonly long _baseline;
        private readonly bool _hwm;
        private long _sampledMax;
        private volatile bool _stop;
        private readonly Thread _sampler;

        private PeakMeter()
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            _baseline = ProcMem.Rss();
            _hwm = ProcMem.ResetPeak();
            _sampledMax = _baseline;
            _sampler = new Thread(() =>
            {
                while (!_stop)
                {
                    long r = ProcMem.Rss();
                    if (r > _sampledMax) _sampledMax = r;
                    Thread.Sleep(2);
                }
            }) { IsBackground = true, Name = "rss-sampler" };
            _sampler.Start();
        }

        public static PeakMeter Start() => new PeakMeter();
        public long Baseline => _baseline;

        /// <summary>Bytes above the baseline at the peak.</summary>
        public long Stop()
        {
            _stop = true;
            _sampler.Join();
            long peak = Math.Max(_sampledMax, _hwm ? ProcMem.Hwm() : 0);
            return Math.Max(0, peak - _baseline);
        }

        public void Dispose() { _stop = true; }
    }

    public static class Stats
    {
        public static double Median(IEnumerable<double> values)
        {
            var v = values.OrderBy(x => x).ToArray();
            if (v.Length == 0) return double.NaN;
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        }

        /// <summary>Nearest-rank percentile (p in 0..100).</summary>
        public static double Percentile(IReadOnlyList<double> values, double p)
        {
            if (values.Count == 0) return double.NaN;
            var v = values.OrderBy(x => x).ToArray();
            int rank = (int)Math.Ceiling(p / 100.0 * v.Length);
            return v[Math.Min(v.Length - 1, Math.Max(0, rank - 1))];
        }
    }

    public static class Fmt
    {
        public static string N(double v, string format = "0.0") => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);
        public static string MB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
        public static string Pct(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : (v * 100).ToString("0", CultureInfo.InvariantCulture) + " %";
        public static string R(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : v.ToString(v >= 10 ? "0" : "0.00", CultureInfo.InvariantCulture);
        public static string X(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture) + "x";
    }

    public static class Secrets
    {
        public static SecureString ToSecure(string plain)
        {
            var s = new SecureString();
            foreach (var c in plain) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }
    }

    /// <summary>Runs a child process, returns its exit code, stdout lines and stderr.</summary>
    public static class Child
    {
        public sealed class Result
        {
            public int ExitCode;
            public List<string> Stdout = new List<string>();
            public string Stderr = "";
            public bool TimedOut;
            public JsonElement? Json;
        }

        public static Result Run(string file, IEnumerable<string> args, string workingDir, IDictionary<string, string> env, TimeSpan timeout)
        {
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDir,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);
            if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
            var result = new Result();
            var err = new StringBuilder();
            using (var p = new Process { StartInfo = psi })
            {
                p.OutputDataReceived += (s, e) => { if (e.Data != null) lock (result.Stdout) result.Stdout.Add(e.Data); };
                p.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (err) err.AppendLine(e.Data); };
                p.Start();
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                if (!p.WaitForExit((int)timeout.TotalMilliseconds))
                {
                    result.TimedOut = true;
                    try { p.Kill(true); } catch { }
                    p.WaitForExit(5000);
                }
                p.WaitForExit();
                result.ExitCode = result.TimedOut ? -999 : p.ExitCode;
            }
            result.Stderr = err.ToString();
            string line;
            lock (result.Stdout) line = result.Stdout.LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            if (line != null)
            {
                try { result.Json = JsonDocument.Parse(line.Substring(7)).RootElement.Clone(); } catch { }
            }
            return result;
        }
    }
}
