using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace WecomPS.Bench
{
    /// <summary>
    /// A client process driven by a line protocol (bench/node-peer/peer.js, bench/Peer.ps1): it prints "READY pid", then
    /// for each command line "ARMED" (ready for the pushes) and "DONE json". Other stdout lines are echoed.
    /// </summary>
    public sealed class PeerProcess : IDisposable
    {
        private readonly Process _p;
        private readonly BlockingCollection<string> _lines = new BlockingCollection<string>();
        private readonly StringBuilder _err = new StringBuilder();
        public readonly string Name;
        public int Pid { get; private set; }

        private PeerProcess(string name, string file, IEnumerable<string> args, string cwd, IDictionary<string, string> env)
        {
            Name = name;
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = cwd,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);
            if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
            _p = new Process { StartInfo = psi };
            _p.OutputDataReceived += (s, e) => { if (e.Data != null) _lines.Add(e.Data); };
            _p.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (_err) _err.AppendLine(e.Data); };
            _p.Start();
            _p.BeginOutputReadLine();
            _p.BeginErrorReadLine();
            Pid = int.Parse(Expect("READY ", TimeSpan.FromSeconds(60)).Trim(), CultureInfo.InvariantCulture);
        }

        public static PeerProcess Start(string name, string file, IEnumerable<string> args, string cwd, IDictionary<string, string> env) =>
            new PeerProcess(name, file, args, cwd, env);

        public string Stderr { get { lock (_err) return _err.ToString(); } }

        public string Expect(string prefix, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !_lines.TryTake(out var line, left))
                {
                    if (_p.HasExited) throw new InvalidOperationException(Name + " exited (" + _p.ExitCode + ") while waiting for " + prefix.Trim() + ": " + Tail(Stderr));
                    throw new TimeoutException(Name + ": no " + prefix.Trim() + " within " + timeout.TotalSeconds + " s. stderr: " + Tail(Stderr));
                }
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line.Substring(prefix.Length);
                Console.WriteLine("  [" + Name + "] " + (line.Length > 300 ? line.Substring(0, 300) + "..." : line));
            }
        }

        /// <summary>Sends a command; with <paramref name="armed"/>, waits for ARMED and runs it (the pushes) before waiting for DONE.</summary>
        public JsonElement Command(string command, TimeSpan timeout, Action armed = null)
        {
            _p.StandardInput.WriteLine(command);
            _p.StandardInput.Flush();
            if (armed != null)
            {
                Expect("ARMED", timeout);
                armed();
            }
            var json = JsonDocument.Parse(Expect("DONE ", timeout)).RootElement.Clone();
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                throw new InvalidOperationException(Name + " " + command.Split(' ')[0] + ": " + e.GetString());
            return json;
        }

        public static long Long(JsonElement e) => e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString(), CultureInfo.InvariantCulture) : e.GetInt64();

        private static string Tail(string s) => s.Length > 800 ? s.Substring(s.Length - 800) : s;

        public void Dispose()
        {
            try
            {
                if (!_p.HasExited)
                {
                    _p.StandardInput.WriteLine("quit");
                    _p.StandardInput.Flush();
                    if (!_p.WaitForExit(10000)) _p.Kill(true);
                }
            }
            catch { try { _p.Kill(true); } catch { } }
            _p.Dispose();
        }
    }

    /// <summary>CPU time and resident memory of another process, from /proc (Linux).</summary>
    public static class ProcOf
    {
        private static readonly double TicksPerSecond = 100.0;   // USER_HZ; /proc/pid/stat reports clock ticks

        public static double CpuSeconds(int pid)
        {
            var stat = File.ReadAllText("/proc/" + pid + "/stat");
            var f = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            // after "pid (comm) ": state(0) ... utime(11) stime(12)
            return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }

        public static long Rss(int pid)
        {
            foreach (var line in File.ReadLines("/proc/" + pid + "/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Substring(6).Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            return -1;
        }
    }
}
