using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;

namespace WecomPS.Bench
{
    /// <summary>Pushes from the double on a background thread. Public: bench/Inbound.ps1 and Reply.ps1 use it too.</summary>
    public static class Pusher
    {
        /// <summary>Pushes <paramref name="count"/> text messages as fast as the double sends them; the task's result is the seconds taken.</summary>
        public static Task<double> BurstAsync(WecomMockServer server, int count) => Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) server.PushText("m" + i.ToString(CultureInfo.InvariantCulture), "user" + (i % 64).ToString(CultureInfo.InvariantCulture));
            return clock.Elapsed.TotalSeconds;
        });

        /// <summary>
        /// Frames in the double's own shape, made before the clock starts from one real PushText (which is itself delivered,
        /// so the receiver gets <paramref name="count"/> + 1 messages): unique req_id and msgid each.
        /// </summary>
        public static string[] PrebuiltFrames(WecomMockServer server, int count)
        {
            var template = server.PushText("prebuilt template", "user0");
            var frames = new string[count];
            for (int i = 0; i < count; i++)
            {
                var tag = i.ToString("D8", CultureInfo.InvariantCulture);
                frames[i] = template.RawJson
                    .Replace(template.ReqId, template.ReqId.Substring(0, template.ReqId.Length - 8) + tag)
                    .Replace(template.MsgId, template.MsgId.Substring(0, template.MsgId.Length - 9) + tag + "=");
            }
            return frames;
        }

        /// <summary>Pushes prebuilt frames through PushRaw (no JSON building in the double); result = seconds taken.</summary>
        public static Task<double> BurstRawAsync(WecomMockServer server, string[] frames) => Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            foreach (var f in frames) server.PushRaw(f);
            return clock.Elapsed.TotalSeconds;
        });

        /// <summary>Pushes at about <paramref name="perSecond"/>; each content is DateTime.UtcNow.Ticks just before its push (comparable with WecomMessage.ReceivedAt).</summary>
        public static Task<double> PacedAsync(WecomMockServer server, int count, int perSecond) => Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            int sent = 0;
            while (sent < count)
            {
                long due = (long)(clock.Elapsed.TotalSeconds * perSecond) + 1;
                while (sent < count && sent < due)
                {
                    server.PushText(DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture), "user" + (sent % 64).ToString(CultureInfo.InvariantCulture));
                    sent++;
                }
                Thread.Sleep(1);
            }
            return clock.Elapsed.TotalSeconds;
        });

        /// <summary>Milliseconds from the push (ticks in the content) to now.</summary>
        public static double MillisecondsSince(string utcTicks) => (DateTime.UtcNow.Ticks - long.Parse(utcTicks, CultureInfo.InvariantCulture)) / 10000.0;

        /// <summary>Milliseconds from the push to the moment the session parsed the frame (WecomMessage.ReceivedAt).</summary>
        public static double PushToSession(WecomMessage m) => (m.ReceivedAt.UtcTicks - long.Parse(m.Content, CultureInfo.InvariantCulture)) / 10000.0;
    }

    /// <summary>Inbound at the core level: double push -> WecomSession -> its inbox, drained by a plain loop (no PowerShell).</summary>
    public static class InboundBench
    {
        private static readonly PropertyInfo InboxProperty = typeof(WecomSession).GetProperty("Inbox", BindingFlags.Instance | BindingFlags.NonPublic);

        public static async Task RunCoreAsync(Options o, Report report)
        {
            int n = o.Quick ? 20000 : 100000;
            var rates = new List<double>(); var pushRates = new List<double>();
            for (int run = 0; run < o.Runs; run++)
            {
                using var server = WecomMockServer.Start();
                using var session = await ConnectAsync(server, n * 2);
                var inbox = (Inbox)InboxProperty.GetValue(session);
                // warm-up
                await DrainAsync(inbox, server, 2000);
                var clock = Stopwatch.StartNew();
                var push = Pusher.BurstAsync(server, n);
                await DrainAsync(inbox, null, n);
                rates.Add(n / clock.Elapsed.TotalSeconds);
                pushRates.Add(n / await push);
                if (session.MessagesReceived != n + 2000) report.Notes.Add("core inbound: session received " + session.MessagesReceived + " of " + (n + 2000));
            }
            report.Figure("inbound", "core: PushText -> session inbox -> consumer, msg/s (N=" + n + ")", Fmt.N(Stats.Median(rates), "0"));
            report.Figure("inbound", "  the double's own PushText rate in that run, msg/s", Fmt.N(Stats.Median(pushRates), "0"));

            var rawRates = new List<double>(); var rawPush = new List<double>();
            for (int run = 0; run < o.Runs; run++)
            {
                using var server = WecomMockServer.Start();
                using var session = await ConnectAsync(server, n * 2);
                var inbox = (Inbox)InboxProperty.GetValue(session);
                await DrainAsync(inbox, server, 2000);
                var frames = Pusher.PrebuiltFrames(server, n);
                await DrainAsync(inbox, null, 1);
                var clock = Stopwatch.StartNew();
                var push = Pusher.BurstRawAsync(server, frames);
                await DrainAsync(inbox, null, n);
                rawRates.Add(n / clock.Elapsed.TotalSeconds);
                rawPush.Add(n / await push);
            }
            report.Figure("inbound", "core: prebuilt frames (PushRaw) -> inbox -> consumer, msg/s", Fmt.N(Stats.Median(rawRates), "0"), "core level, no goal");
            report.Figure("inbound", "  the double's PushRaw rate in that run, msg/s", Fmt.N(Stats.Median(rawPush), "0"));

            var lat = new List<double>(); var toSession = new List<double>();
            {
                using var server = WecomMockServer.Start();
                using var session = await ConnectAsync(server, 100000);
                var inbox = (Inbox)InboxProperty.GetValue(session);
                await DrainAsync(inbox, server, 1000);
                int count = o.Quick ? 2000 : 5000;
                var push = Pusher.PacedAsync(server, count, 1000);
                await DrainAsync(inbox, null, count, m => { lat.Add(Pusher.MillisecondsSince(m.Content)); toSession.Add(Pusher.PushToSession(m)); });
                await push;
            }
            report.Figure("inbound", "core: latency push -> inbox consumer at 1000 msg/s, p50 / p99", Fmt.N(Stats.Percentile(lat, 50), "0.000") + " / " + Fmt.N(Stats.Percentile(lat, 99), "0.000") + " ms (" + lat.Count + ")");
            report.Figure("inbound", "  of which push -> session parsed it (double + socket), p50 / p99", Fmt.N(Stats.Percentile(toSession, 50), "0.000") + " / " + Fmt.N(Stats.Percentile(toSession, 99), "0.000") + " ms");
        }

        private static async Task<WecomSession> ConnectAsync(WecomMockServer server, int inboxCapacity)
        {
            var session = new WecomSession(new WecomSessionOptions
            {
                BotId = server.BotId, Secret = Secrets.ToSecure(server.Secret), Endpoint = server.Endpoint, InboxCapacity = inboxCapacity, DedupCapacity = 10000,
            });
            await session.ConnectAsync(CancellationToken.None);
            return session;
        }

        /// <summary>Takes <paramref name="count"/> messages from the inbox as a receiver would (wake on add). With a server, pushes them first.</summary>
        private static Task DrainAsync(Inbox inbox, WecomMockServer pushFirst, int count, Action<WecomMessage> onMessage = null) => Task.Run(() =>
        {
            if (pushFirst != null) Pusher.BurstAsync(pushFirst, count).Wait();
            var signal = new SemaphoreSlim(0);
            using (inbox.OnAdded(() => { if (signal.CurrentCount == 0) signal.Release(); }))
            {
                int taken = 0;
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (taken < count)
                {
                    while (taken < count && inbox.TryTake(null, out var m)) { onMessage?.Invoke(m); taken++; }
                    if (taken < count && !signal.Wait(1000) && DateTime.UtcNow > deadline) throw new TimeoutException("took " + taken + " of " + count);
                }
            }
        });
    }
}
