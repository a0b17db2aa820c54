using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace WecomPS.Bench
{
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
            switch (mode)
            {
                case "client-raw": return await UploadClients.RawAsync(UploadClients.Args.Parse(args));
                case "client-core": return await UploadClients.CoreAsync(UploadClients.Args.Parse(args));
                case "profile": return await ProfileBench.RunAsync(Options.Parse(args));
                case "all":
                case "upload":
                case "inbound":
                case "reconnect":
                case "pwsh":
                case "side":
                case "idle":
                case "import":
                    return await RunAllAsync(mode, Options.Parse(args));
                default:
                    Console.Error.WriteLine("usage: WecomPS.Bench [all|upload|side|idle|inbound|reconnect|pwsh|import|profile] [--runs N] [--sizes 1,5,20] [--no-node] [--no-pwsh] [--quick] [--clients a,b] [--burst N] [--settle MS]");
                    return 2;
            }
        }

        private static async Task<int> RunAllAsync(string mode, Options o)
        {
            var report = new Report();
            Console.WriteLine("WecomPS benchmarks (issue 8) — " + DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm") + " UTC");
            Console.WriteLine(Machine.Describe());
            Console.WriteLine("Load while running: " + Machine.LoadAverage() + " (nproc " + Environment.ProcessorCount + "). Figures from a loaded machine are noisy.");
            Console.WriteLine();
            // "all" = the side-by-side figures of issue 14 + uploads + reconnect + import. The older single-client
            // PowerShell inbound/reply scripts and the core-level inbound run only in their own modes (pwsh, inbound).
            if (mode == "all" || mode == "side") SideBench.Run(o, report);
            if (mode == "all" || mode == "idle") SideBench.RunIdle(o, report);
            if (mode == "all" || mode == "upload") UploadBench.Run(o, report);
            if (mode == "inbound") await InboundBench.RunCoreAsync(o, report);
            if (mode == "all" || mode == "reconnect") await ReconnectBench.RunAsync(o, report);
            if ((mode == "all" || mode == "pwsh") && !o.NoPwsh) PwshBench.Run(o, report, inboundAndReply: mode == "pwsh");
            if (mode == "import") PwshBench.RunImportOnly(o, report);
            report.Print();
            Console.WriteLine("Load at the end: " + Machine.LoadAverage());
            return report.Failed ? 1 : 0;
        }
    }

    public sealed class Options
    {
        public int Runs = 3;
        public int[] SizesMb = { 1, 5, 20 };
        public bool NoNode;
        public bool NoPwsh;
        public bool Quick;
        public string[] Clients;
        public int Burst;
        public int SettleMs = -1;   // side: pause after the warm-up (default 2000 ms)   // side: messages in the burst (default 20000); a large one gives a profiler time to attach
        public string Root;

        public static Options Parse(string[] a)
        {
            var o = new Options();
            for (int i = 0; i < a.Length; i++)
            {
                switch (a[i])
                {
                    case "--runs": o.Runs = Math.Max(1, int.Parse(a[++i], CultureInfo.InvariantCulture)); break;
                    case "--sizes": o.SizesMb = a[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                    case "--no-node": o.NoNode = true; break;
                    case "--no-pwsh": o.NoPwsh = true; break;
                    case "--quick": o.Quick = true; break;
                    case "--settle": o.SettleMs = int.Parse(a[++i], CultureInfo.InvariantCulture); break;
                    case "--burst": o.Burst = int.Parse(a[++i], CultureInfo.InvariantCulture); break;
                    case "--clients": o.Clients = a[++i].Split(','); break;
                    case "--root": o.Root = a[++i]; break;
                }
            }
            o.Root = o.Root ?? FindRoot();
            if (!o.NoNode && Environment.GetEnvironmentVariable("WECOMPS_BENCH_NO_NODE") == "1") o.NoNode = true;
            return o;
        }

        private static string FindRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                var d = new DirectoryInfo(start);
                while (d != null)
                {
                    if (File.Exists(Path.Combine(d.FullName, "WecomPS.psd1")) && Directory.Exists(Path.Combine(d.FullName, "bench"))) return d.FullName;
                    d = d.Parent;
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (WecomPS.psd1 next to bench/).");
        }
    }

    public static class Machine
    {
        public static string Describe()
        {
            string model = "unknown";
            try { model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model; } catch { }
            long memKb = 0;
            try { memKb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture); } catch { }
            return "Machine: nproc " + Environment.ProcessorCount + ", CPU \"" + model + "\", memory " + (memKb / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB, "
                + System.Runtime.InteropServices.RuntimeInformation.OSDescription + ", " + System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription
                + ", node " + NodeVersion();
        }

        public static string LoadAverage()
        {
            try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); } catch { return "n/a"; }
        }

        public static string NodeVersion()
        {
            try
            {
                var r = Child.Run("node", new[] { "--version" }, Directory.GetCurrentDirectory(), null, TimeSpan.FromSeconds(20));
                return r.ExitCode == 0 ? r.Stdout.FirstOrDefault() : "absent";
            }
            catch { return "absent"; }
        }

        public static bool HasNode() => NodeVersion() != "absent";
    }
}
