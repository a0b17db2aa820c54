using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Session;
using WecomPS.Testing;

namespace WecomPS.Bench
{
    /// <summary>Reconnect at the core level: server close / reset to Connected again, and silent socket to detection.</summary>
    public static class ReconnectBench
    {
        public static async Task RunAsync(Options o, Report report)
        {
            int reps = Math.Max(5, o.Runs);
            using (var server = WecomMockServer.Start())
            using (var session = await ConnectAsync(server, TimeSpan.FromSeconds(30)))
            {
                var close = new List<double>(); var drop = new List<double>();
                for (int i = 0; i < reps; i++) close.Add(await TimeToConnectedAsync(session, () => server.CloseConnections()));
                for (int i = 0; i < reps; i++) drop.Add(await TimeToConnectedAsync(session, () => server.DropConnections()));
                report.Figure("reconnect", "server close frame (CloseConnections) -> Connected, median / max", Fmt.N(Stats.Median(close), "0.0") + " / " + Fmt.N(Max(close), "0.0") + " ms (" + reps + ")");
                report.Figure("reconnect", "TCP reset (DropConnections) -> Connected, median / max", Fmt.N(Stats.Median(drop), "0.0") + " / " + Fmt.N(Max(drop), "0.0") + " ms (" + reps + ")");
            }

            foreach (var hb in new[] { 1, 2 })
            {
                using var server = WecomMockServer.Start();
                using var session = await ConnectAsync(server, TimeSpan.FromSeconds(hb));
                await Task.Delay(200);
                var dead = new WecomSessionOptions { HeartbeatInterval = TimeSpan.FromSeconds(hb) }.DeadAfter;
                var detect = await WaitStateAsync(session, WecomSessionState.Reconnecting, () => server.Silent = true, TimeSpan.FromSeconds(hb * 10 + 10));
                var back = await WaitStateAsync(session, WecomSessionState.Connected, () => server.Silent = false, TimeSpan.FromSeconds(30));
                report.Figure("reconnect", "silent socket -> detected, heartbeat " + hb + " s (DeadAfter " + dead.TotalSeconds + " s)", Fmt.N(detect / 1000, "0.00") + " s");
                report.Figure("reconnect", "  then server back -> Connected", Fmt.N(back, "0") + " ms");
            }
            var def = new WecomSessionOptions().DeadAfter;
            report.Figure("reconnect", "silent socket -> detected, default heartbeat 30 s (computed)", "~" + def.TotalSeconds + "-" + (def.TotalSeconds + 1) + " s",
                "SDK: 60-90 s; brief: ~65 s");
            report.Notes.Add("Silent detection with the default 30 s heartbeat is computed, not measured: DeadAfter = 2 x interval + min(interval/2, 10 s) = "
                + def.TotalSeconds + " s, checked every min(1 s, interval/4); the 1 s and 2 s rows measure the same rule scaled down.");
        }

        private static double Max(List<double> v) { double m = double.NaN; foreach (var x in v) if (double.IsNaN(m) || x > m) m = x; return m; }

        private static async Task<WecomSession> ConnectAsync(WecomMockServer server, TimeSpan heartbeat)
        {
            var session = new WecomSession(new WecomSessionOptions
            {
                BotId = server.BotId, Secret = Secrets.ToSecure(server.Secret), Endpoint = server.Endpoint, HeartbeatInterval = heartbeat,
            });
            await session.ConnectAsync(CancellationToken.None);
            return session;
        }

        private static async Task<double> TimeToConnectedAsync(WecomSession session, Action fault)
        {
            int before = session.Reconnects;
            var connected = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            EventHandler<SessionStateChangedEventArgs> h = (s, e) => { if (session.Reconnects > before && session.State == WecomSessionState.Connected) connected.TrySetResult(true); };
            session.StateChanged += h;
            try
            {
                var clock = Stopwatch.StartNew();
                fault();
                while (!(session.Reconnects > before && session.State == WecomSessionState.Connected))
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("no reconnect within 30 s");
                    await Task.WhenAny(connected.Task, Task.Delay(1));
                }
                var ms = clock.Elapsed.TotalMilliseconds;
                await Task.Delay(100);
                return ms;
            }
            finally { session.StateChanged -= h; }
        }

        private static async Task<double> WaitStateAsync(WecomSession session, WecomSessionState target, Action fault, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            fault();
            while (session.State != target)
            {
                if (clock.Elapsed > timeout) throw new TimeoutException("state " + session.State + " after " + timeout.TotalSeconds + " s, wanted " + target);
                await Task.Delay(1);
            }
            return clock.Elapsed.TotalMilliseconds;
        }
    }
}
