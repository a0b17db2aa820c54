using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Diagnostics.Runtime;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// The README's promise, checked on the heap: the secret goes from the SecureString into the subscribe frame
    /// without ever becoming a managed string, on connect and reconnect, with -Debug shown or not. The module runs in a
    /// child process (the double in this one holds the secret as a string, so this heap cannot be the witness); the
    /// child gets the secret on stdin byte by byte into a SecureString and runs with a gen0 budget large enough that
    /// no GC runs, so a string made and dropped on the way would still be on its heap when ClrMD walks it.
    /// </summary>
    [Collection(InboundMemory.Name)]
    public sealed class SecretHeapTests
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void After_connects_and_reconnects_with_Debug_on_and_off_no_string_on_the_heap_holds_the_secret(
            bool control)
        {
            // control: the child itself makes one string of the secret and drops it; the walk must find it, which
            // proves the walk sees dead strings and that a GetString() on the secret path would fail this test.
            var secret = "heap-" + Guid.NewGuid().ToString("N");
            var marker = "marker-" + Guid.NewGuid().ToString("N");
            using (var server = WecomMockServer.Start(new MockServerOptions { Secret = secret }))
            using (var child = StartChild(server, marker, control))
            {
                try
                {
                    var stdin = child.StandardInput.BaseStream;
                    stdin.Write(Encoding.ASCII.GetBytes(secret + "\n"));
                    stdin.Flush();

                    string report = null;
                    for (int round = 0; round < 2; round++)
                    {
                        var line = ReadLine(child);
                        Assert.Equal("receiving", line);
                        int subscribes = server.FramesFor("aibot_subscribe").Count;
                        Thread.Sleep(300);   // let Receive-WecomMessage attach its log before the reconnect
                        server.DropConnections();
                        Assert.True(SessionHarness.Eventually(
                            () => server.FramesFor("aibot_subscribe").Count > subscribes, Wait),
                            "the child did not subscribe again");
                        Assert.True(SessionHarness.Eventually(() => TryPush(server), Wait),
                            "no subscribed connection to push to");
                    }
                    report = ReadLine(child);
                    var parts = report.Split(' ');
                    Assert.True(parts.Length == 5 && parts[0] == "ready", "child said: " + report);
                    int gen0 = int.Parse(parts[1]), dumpsWithDebug = int.Parse(parts[2]);
                    int dumpsWithout = int.Parse(parts[3]);
                    Assert.Equal(0, gen0);                    // no GC ran: every string ever made is still on the heap
                    Assert.True(dumpsWithDebug >= 2, report); // the Debug path ran, for the connect and the reconnect
                    Assert.Equal(0, dumpsWithout);
                    Assert.Equal("2", parts[4]);              // both messages pushed after the reconnects arrived

                    // Bounded: a heap walk that cannot attach must fail the test, not hang the run.
                    var walk = Task.Run(() => WalkStrings(child.Id, secret, marker));
                    if (!walk.Wait(TimeSpan.FromSeconds(120)))
                    {
                        child.Kill();
                        throw new Xunit.Sdk.XunitException("the heap walk did not finish within 120 s");
                    }
                    var (strings, markerSeen, holding) = walk.Result;
                    Assert.True(strings > 1000, "walked only " + strings + " strings");
                    Assert.True(markerSeen, "the walk did not find the child's marker string");
                    if (control) Assert.NotEmpty(holding);
                    else Assert.True(holding.Count == 0,
                        holding.Count + " string(s) hold the secret: " + string.Join(", ", holding));
                }
                finally
                {
                    if (!child.HasExited) child.Kill();
                    child.WaitForExit(10000);
                }
            }
        }

        private static bool TryPush(WecomMockServer server)
        {
            try { return server.PushText("after reconnect").ConnectionCount > 0; }
            catch (InvalidOperationException) { return false; }
        }

        private static Process StartChild(WecomMockServer server, string marker, bool control)
        {
            var dll = typeof(SecretHeapTests).Assembly.Location;
            var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(dll),
            };
            foreach (var a in new[] { dll, SecretHeapChild.Verb, server.Endpoint.ToString(), server.BotId, marker,
                control ? "leak" : "clean" })
                psi.ArgumentList.Add(a);
            // A gen0 budget of 1 GiB: the child makes far less, so no GC collects a dropped string before the walk.
            psi.Environment["DOTNET_GCgen0size"] = "0x40000000";
            psi.Environment["DOTNET_gcServer"] = "0";
            psi.Environment["DOTNET_GCHeapHardLimit"] = null;
            var child = Process.Start(psi);
            // Read stderr as it comes: a child that fills the pipe would otherwise block before it says anything.
            var errors = new StringBuilder();
            child.ErrorDataReceived += (o, e) => { if (e.Data != null) lock (errors) errors.AppendLine(e.Data); };
            child.BeginErrorReadLine();
            ChildErrors[child.Id] = errors;
            return child;
        }

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, StringBuilder> ChildErrors =
            new System.Collections.Concurrent.ConcurrentDictionary<int, StringBuilder>();

        private static string ReadLine(Process child)
        {
            var read = child.StandardOutput.ReadLineAsync();
            if (!read.Wait(Wait) || read.Result == null)
                throw new Xunit.Sdk.XunitException("the child said nothing (exited: " + child.HasExited + "): "
                    + StdErr(child));
            if (read.Result.StartsWith("error", StringComparison.Ordinal))
                throw new Xunit.Sdk.XunitException("child: " + read.Result + " " + StdErr(child));
            return read.Result;
        }

        private static string StdErr(Process child)
        {
            if (!ChildErrors.TryGetValue(child.Id, out var errors)) return "";
            lock (errors) return (child.HasExited ? "" : "(running) ") + errors;
        }

        private static (int strings, bool markerSeen, List<string> holding) WalkStrings(int pid, string secret,
            string marker)
        {
            // The runtime writes a dump of the child (its own createdump, through the diagnostics port): more robust
            // than attaching a debugger to a live process, which can wait forever for a thread to stop.
            var dump = Path.Combine(Path.GetTempPath(), "wecomps-heap-" + Guid.NewGuid().ToString("N") + ".dmp");
            try
            {
                new Microsoft.Diagnostics.NETCore.Client.DiagnosticsClient(pid)
                    .WriteDump(Microsoft.Diagnostics.NETCore.Client.DumpType.WithHeap, dump, logDumpGeneration: false);
                return WalkDump(dump, secret, marker);
            }
            finally
            {
                try { File.Delete(dump); } catch (IOException) { }
            }
        }

        private static (int strings, bool markerSeen, List<string> holding) WalkDump(string dump, string secret,
            string marker)
        {
            int strings = 0;
            bool markerSeen = false;
            var holding = new List<string>();
            using (var target = DataTarget.LoadDump(dump))
            {
                var clr = target.ClrVersions.Single();
                // The DAC that ships beside the child's runtime (no symbol server here).
                var dac = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName),
                    RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "mscordaccore.dll" : "libmscordaccore.so");
                var runtime = File.Exists(dac) ? clr.CreateRuntime(dac, ignoreMismatch: true) : clr.CreateRuntime();
                foreach (var obj in runtime.Heap.EnumerateObjects())
                {
                    if (!obj.IsValid || obj.Type == null || !obj.Type.IsString) continue;
                    strings++;
                    var text = obj.AsString(1 << 24);
                    if (text == null) continue;
                    if (text.Contains(marker)) markerSeen = true;
                    int at = text.IndexOf(secret, StringComparison.Ordinal);
                    if (at >= 0)
                        holding.Add("0x" + obj.Address.ToString("x") + " (" + text.Length + " chars, secret at " + at
                            + ")");
                }
            }
            return (strings, markerSeen, holding);
        }
    }

    /// <summary>
    /// The child: connects with -Debug, reconnects, disconnects; then again without -Debug; then waits.
    /// </summary>
    internal static class SecretHeapChild
    {
        public const string Verb = "secret-heap-child";
        private static string _marker;

        public static int Run(string[] args)
        {
            try
            {
                var endpoint = new Uri(args[1]);
                var botId = args[2];
                _marker = string.Concat("", args[3]);
                bool leak = args[4] == "leak";
                var secret = ReadSecret();
                if (leak) LeakOnce(secret);

                using (var host = new PowerShellHost())
                {
                    var vars = new Dictionary<string, object> { ["secret"] = secret, ["botId"] = botId,
                        ["endpoint"] = endpoint };
                    int withDebug = 0, without = 0, received = 0;
                    foreach (var debug in new[] { true, false })
                    {
                        var d = debug ? " -Debug" : "";
                        var connect = host.Run(
                            "Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -Name heap" + d, vars);
                        Check(connect, "connect");
                        Console.Out.WriteLine("receiving");
                        Console.Out.Flush();
                        var receive = host.Run("Receive-WecomMessage -Session heap -Wait -Count 1 -TimeoutSec 60" + d);
                        Check(receive, "receive");
                        received += receive.Output.Count;
                        int dumps = connect.Debug.Concat(receive.Debug)
                            .Count(l => l.StartsWith("-> ") && l.Contains("aibot_subscribe"));
                        if (debug) withDebug = dumps; else without = dumps;
                        Check(host.Run("Disconnect-WecomBot heap"), "disconnect");
                    }
                    Console.Out.WriteLine("ready " + GC.CollectionCount(0) + " " + withDebug + " " + without + " "
                        + received);
                    Console.Out.Flush();
                    Console.In.ReadLine();   // the parent walks the heap now, then ends this process
                    GC.KeepAlive(_marker);
                }
                return 0;
            }
            catch (Exception e)
            {
                Console.Out.WriteLine("error " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
                return 2;
            }
        }

        private static void Check(PsResult r, string what)
        {
            if (r.Terminating != null || r.Errors.Count > 0)
                throw new InvalidOperationException(
                    what + " failed: " + (r.Terminating?.ToString() ?? r.Errors[0].ToString()));
        }

        /// <summary>Byte by byte from stdin into a SecureString: no string of it is ever made here.</summary>
        private static SecureString ReadSecret()
        {
            var s = new SecureString();
            var stdin = Console.OpenStandardInput();
            int b;
            while ((b = stdin.ReadByte()) >= 0 && b != '\n') s.AppendChar((char)b);
            s.MakeReadOnly();
            return s;
        }

        /// <summary>The control case: one managed string of the secret, made and dropped.</summary>
        private static void LeakOnce(SecureString secret)
        {
            var ptr = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try { GC.KeepAlive(Marshal.PtrToStringUni(ptr)); }
            finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
        }
    }
}
