using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;
using Xunit.Abstractions;

namespace WecomPS.Tests
{
    /// <summary>
    /// Figures, not assertions: how long a reconnect takes after a server close, and how long a silent (half-open)
    /// socket takes to be noticed. Runs only with WECOMPS_MEASURE=1 (the default-settings case takes over a minute):
    /// <c>WECOMPS_MEASURE=1 dotnet test tests/WecomPS.Tests --filter FullyQualifiedName~Measurements --logger "console;verbosity=detailed"</c>
    /// </summary>
    public sealed class Measurements
    {
        private readonly ITestOutputHelper _out;
        public Measurements(ITestOutputHelper output) { _out = output; }

        private static bool Enabled => Environment.GetEnvironmentVariable("WECOMPS_MEASURE") == "1";

        private static WecomSession Connect(WecomMockServer server, TimeSpan? heartbeat = null)
        {
            var options = new WecomSessionOptions { BotId = server.BotId, Secret = SessionHarness.Secure(server.Secret), Endpoint = server.Endpoint };
            if (heartbeat.HasValue) options.HeartbeatInterval = heartbeat.Value;
            var s = new WecomSession(options);
            s.ConnectAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(15));
            return s;
        }

        private static TimeSpan Until(Func<bool> condition, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!condition() && clock.Elapsed < timeout) Thread.Sleep(1);
            return clock.Elapsed;
        }

        private string Summary(IReadOnlyCollection<TimeSpan> samples)
        {
            var ms = samples.Select(t => t.TotalMilliseconds).OrderBy(x => x).ToList();
            return "n=" + ms.Count + " median " + ms[ms.Count / 2].ToString("0.0") + " ms, min " + ms[0].ToString("0.0") + " ms, max " + ms[ms.Count - 1].ToString("0.0") + " ms";
        }

        [Fact]
        public void Reconnect_time_after_a_server_close_and_a_reset()
        {
            if (!Enabled) return;
            using (var server = WecomMockServer.Start())
            using (var s = Connect(server))
            {
                foreach (var how in new[] { "close frame", "TCP RST" })
                {
                    var samples = new List<TimeSpan>();
                    for (int i = 0; i < 20; i++)
                    {
                        int before = s.Reconnects;
                        var clock = Stopwatch.StartNew();
                        if (how == "close frame") server.CloseConnections(); else server.DropConnections();
                        Until(() => s.Reconnects > before && s.State == WecomSessionState.Connected, TimeSpan.FromSeconds(30));
                        samples.Add(clock.Elapsed);
                        Thread.Sleep(50);   // spacing between samples of a measurement, not a wait for anything
                    }
                    _out.WriteLine("reconnect after " + how + " (default settings, double on loopback): " + Summary(samples));
                }
            }
        }

        [Fact]
        public void Silent_socket_detection_time()
        {
            if (!Enabled) return;
            foreach (var (heartbeat, runs) in new[] { (TimeSpan.FromSeconds(1), 5), (TimeSpan.FromSeconds(30), 1) })
            {
                var samples = new List<TimeSpan>();
                for (int i = 0; i < runs; i++)
                {
                    using (var server = WecomMockServer.Start())
                    using (var s = Connect(server, heartbeat))
                    {
                        // Right after a frame arrived (the subscribe ack): the worst case, a full DeadAfter of silence.
                        var clock = Stopwatch.StartNew();
                        server.Silent = true;
                        Until(() => s.State != WecomSessionState.Connected, TimeSpan.FromSeconds(120));
                        samples.Add(clock.Elapsed);
                        server.Silent = false;
                    }
                }
                var deadAfter = new WecomSessionOptions { HeartbeatInterval = heartbeat }.DeadAfter;
                _out.WriteLine("silent socket noticed, heartbeat " + heartbeat.TotalSeconds + " s (DeadAfter " + deadAfter.TotalSeconds + " s): " + Summary(samples));
            }
        }
    }
}
