using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Media;
using WecomPS.Session;

namespace WecomPS.Bench
{
    /// <summary>
    /// The client side of the upload benchmark, run as a child process so that its memory is measured alone
    /// (the double runs in the parent). Prints one line "RESULT {json}".
    /// </summary>
    public static class UploadClients
    {
        public sealed class Args
        {
            public Uri Endpoint;
            public string BotId;
            public string Secret = Environment.GetEnvironmentVariable("WECOM_BENCH_SECRET");
            public string File;
            public string WarmupFile;
            public int Runs = 3;
            public int Window = 4;
            public string Chat = "zhangsan";

            public static Args Parse(string[] a)
            {
                var r = new Args();
                for (int i = 1; i < a.Length; i++)
                {
                    switch (a[i])
                    {
                        case "--endpoint": r.Endpoint = new Uri(a[++i]); break;
                        case "--bot": r.BotId = a[++i]; break;
                        case "--file": r.File = a[++i]; break;
                        case "--warmup": r.WarmupFile = a[++i]; break;
                        case "--runs": r.Runs = int.Parse(a[++i]); break;
                        case "--window": r.Window = int.Parse(a[++i]); break;
                        default: throw new ArgumentException("unknown argument " + a[i]);
                    }
                }
                return r;
            }
        }

        private static void Emit(List<double> seconds, List<long> peaks, int failures, string error, Dictionary<string, object> extra = null)
        {
            var o = new Dictionary<string, object>
            {
                ["seconds"] = seconds, ["peakExtraBytes"] = peaks, ["failures"] = failures, ["error"] = error,
            };
            if (extra != null) foreach (var kv in extra) o[kv.Key] = kv.Value;
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(o));
        }

        /// <summary>Raw ClientWebSocket, prebuilt frames, sliding window (0 = every chunk in flight).</summary>
        public static async Task<int> RawAsync(Args a)
        {
            var seconds = new List<double>(); var peaks = new List<long>(); int failures = 0; string error = null;
            using (var raw = new RawClient())
            {
                try
                {
                    await raw.ConnectAsync(a.Endpoint, a.BotId, a.Secret, CancellationToken.None);
                    var bytes = System.IO.File.ReadAllBytes(a.File);
                    var name = Path.GetFileName(a.File);
                    // warm-up: one run at the same size (the frames are in memory anyway)
                    var warm = raw.Prepare(bytes, name);
                    await raw.RunAsync(warm, a.Window <= 0 ? warm.Chunks.Length : a.Window, a.Chat);
                    for (int r = 0; r < a.Runs; r++)
                    {
                        var p = raw.Prepare(bytes, name);
                        int window = a.Window <= 0 ? p.Chunks.Length : a.Window;
                        var meter = PeakMeter.Start();
                        try { seconds.Add(await raw.RunAsync(p, window, a.Chat)); }
                        catch (Exception e) { failures++; error = e.Message; }
                        peaks.Add(meter.Stop());
                    }
                }
                catch (Exception e) { error = e.ToString(); failures++; }
                Emit(seconds, peaks, failures, error, new Dictionary<string, object> { ["rejectedChunks"] = raw.Rejected });
            }
            return 0;
        }

        /// <summary>WecomPS core: WecomSession + MediaUploader + MessageSender, no PowerShell.</summary>
        public static async Task<int> CoreAsync(Args a)
        {
            var seconds = new List<double>(); var peaks = new List<long>(); int failures = 0; string error = null;
            var session = new WecomSession(new WecomSessionOptions
            {
                BotId = a.BotId, Secret = Secrets.ToSecure(a.Secret), Endpoint = a.Endpoint, SendsPerMinute = 0,
            });
            try
            {
                await session.ConnectAsync(CancellationToken.None);
                await OneAsync(session, a.WarmupFile ?? a.File, a.Chat);
                for (int r = 0; r < a.Runs; r++)
                {
                    var meter = PeakMeter.Start();
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    try { await OneAsync(session, a.File, a.Chat); seconds.Add(clock.Elapsed.TotalSeconds); }
                    catch (Exception e) { failures++; error = e.Message; }
                    peaks.Add(meter.Stop());
                }
            }
            catch (Exception e) { error = e.ToString(); failures++; }
            finally { await session.DisconnectAsync(); }
            Emit(seconds, peaks, failures, error);
            return 0;
        }

        private static async Task OneAsync(WecomSession session, string file, string chat)
        {
            var media = await new MediaUploader(session).UploadAsync(file, "file", null, CancellationToken.None);
            await MessageSender.SendMediaAsync(session, chat, 1, "file", media.MediaId, CancellationToken.None);
        }
    }
}
