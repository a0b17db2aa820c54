using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using WecomPS.Messages;
using WecomPS.Session;
using Xunit;
using Xunit.Abstractions;

namespace WecomPS.Tests
{
    /// <summary>
    /// A seeded fuzzer for inbound frames, through the double: mutations of valid frames of every inbound kind. CI runs
    /// it for 3 s with a fixed seed; a soak sets WECOMPS_FUZZ_SECONDS (and WECOMPS_FUZZ_SEED to replay a failure):
    /// <c>WECOMPS_FUZZ_SECONDS=600 dotnet test tests/WecomPS.Tests --filter FullyQualifiedName~InboundFuzzTests</c>
    /// Properties: the reader never dies (Connected, no reconnect); every frame has exactly one outcome (delivered as a
    /// well-formed message, counted in FramesSkipped, or a Verbose note: an ack nobody waits for, a duplicate); the
    /// good message pushed after each batch arrives; memory returns near its baseline after a full GC.
    /// </summary>
    [Collection(InboundMemory.Name)]
    public sealed class InboundFuzzTests
    {
        private const int Cap = 256 * 1024;
        private const int Batch = 40;
        private readonly ITestOutputHelper _out;

        public InboundFuzzTests(ITestOutputHelper output) { _out = output; }

        private static int EnvInt(string name, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

        [Fact]
        public void Mutated_frames_never_kill_the_reader_and_each_has_one_outcome()
        {
            int seed = EnvInt("WECOMPS_FUZZ_SEED", 20260501);
            var budget = TimeSpan.FromSeconds(EnvInt("WECOMPS_FUZZ_SECONDS", 3));
            var rng = new Random(seed);
            var sink = new CountingSink();
            using (var h = new SessionHarness())
            {
                var s = new WecomSession(h.Options(o => o.MaxInboundFrameBytes = Cap));
                using (s.AttachLog(sink))
                {
                    s.ConnectAsync(CancellationToken.None).Wait(SessionHarness.Wait);
                    Assert.Equal(WecomSessionState.Connected, s.State);

                    RunBatch(h, s, sink, rng, seed, 0);   // warm up before the baseline
                    long baseline = Settled();
                    var clock = Stopwatch.StartNew();
                    int batches = 1, frames = Batch;
                    while (clock.Elapsed < budget)
                    {
                        frames += RunBatch(h, s, sink, rng, seed, batches);
                        batches++;
                    }
                    long after = Settled();
                    _out.WriteLine("seed " + seed + ": " + frames + " frames in " + batches + " batches, "
                        + s.MessagesReceived +
                                   " delivered, " + s.FramesSkipped + " skipped; memory " + baseline / 1024
                                       + " KiB -> " + after / 1024 + " KiB");
                    // Generous: a leak of the frames themselves (megabytes per batch) shows; the shared array pool's
                    // cache (a plateau of some 40 MiB on a long run) does not. The dedup and chat tables keep an entry
                    // per delivered msgid and chat (they get upper bounds in another part of issue 12): allow for them.
                    long slack = 48L * 1024 * 1024 + 512L * s.MessagesReceived;
                    Assert.True(after < baseline + slack,
                        "seed " + seed + ": memory grew from " + baseline / 1024 + " KiB to " + after / 1024 + " KiB");
                    Assert.Equal(0, s.Reconnects);
                }
                s.Dispose();
            }
        }

        private static long Settled()
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            return GC.GetTotalMemory(true);
        }

        private int RunBatch(SessionHarness h, WecomSession s, CountingSink sink, Random rng, int seed, int batch)
        {
            long skipped0 = s.FramesSkipped, dup0 = s.DuplicatesDropped, notes0 = sink.UnwantedAcks;
            var pushed = new List<string>();
            for (int i = 0; i < Batch; i++)
            {
                var frame = Mutate(rng, Seed(rng, batch * Batch + i));
                pushed.Add(Describe(frame));
                h.Server.PushRawBytes(frame);
            }
            var sentinel = "sentinel-" + seed + "-" + batch;
            h.Server.PushText("still here", msgId: sentinel);

            var delivered = new List<WecomMessage>();
            var clock = Stopwatch.StartNew();
            while (!delivered.Any(m => m.MsgId == sentinel))
            {
                Assert.True(clock.Elapsed < SessionHarness.Wait, "seed " + seed + " batch " + batch
                    + ": the good message did not arrive " +
                    "(state " + s.State + ", reconnects " + s.Reconnects + "); frames: " + string.Join(" | ", pushed));
                while (s.Inbox.TryTake(null, out var m)) delivered.Add(m);
                if (!delivered.Any(m => m.MsgId == sentinel)) Thread.Sleep(5);
            }
            Assert.Equal(WecomSessionState.Connected, s.State);
            Assert.Equal(0, s.Reconnects);
            foreach (var m in delivered) AssertWellFormed(m);

            long outcomes = delivered.Count - 1 + (s.FramesSkipped - skipped0) + (s.DuplicatesDropped - dup0)
                + (sink.UnwantedAcks - notes0);
            Assert.True(outcomes == Batch, "seed " + seed + " batch " + batch + ": " + outcomes + " outcomes for "
                + Batch + " frames (" +
                (delivered.Count - 1) + " delivered, " + (s.FramesSkipped - skipped0) + " skipped, "
                    + (s.DuplicatesDropped - dup0) +
                " duplicates, " + (sink.UnwantedAcks - notes0) + " stray acks); frames: " + string.Join(" | ", pushed));
            return Batch;
        }

        private static void AssertWellFormed(WecomMessage m)
        {
            Assert.NotNull(m.ToString());
            Assert.NotNull(m.PSTypeName);
            _ = m.RawBody;
            if (m.CreateTime.HasValue) Assert.InRange(m.CreateTime.Value.Year, 1970, 9999);
            if (m is WecomPS.Message.Mixed mixed) foreach (var i in mixed.Items) _ = i.ToString();
            _ = m.Quote?.ToString();
        }

        private static string Describe(byte[] frame)
        {
            var text = Encoding.UTF8.GetString(frame, 0, Math.Min(frame.Length, 120)).Replace('\n', ' ');
            return frame.Length + " bytes: " + text;
        }

        // ------------------------------------------------------------ seeds: valid frames of every inbound kind

        private static string Str(Random r) => "v" + r.Next(100000);

        private static string Seed(Random r, int n)
        {
            string msgid = "fz" + n + "-" + r.Next();
            string from = "\"from\":{\"userid\":\"" + Str(r) + "\",\"corpid\":\"c1\"}";
            string common = "\"msgid\":\"" + msgid + "\",\"create_time\":1767225600,\"aibotid\":\"B\"," +
                            (r.Next(2) == 0 ? "\"chattype\":\"single\"," : "\"chattype\":\"group\",\"chatid\":\"wr"
                                + r.Next(9) + "\",") + from;
            string media = "{\"url\":\"https://h/f?sign=" + Str(r)
                + "\",\"aeskey\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=\"}";
            string msg(string type, string content) =>
                "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"R" + n + "\"},\"body\":{" + common +
                ",\"msgtype\":\"" + type + "\",\"" + type + "\":" + content + "}}";
            string ev(string type, string payload) =>
                "{\"cmd\":\"aibot_event_callback\",\"headers\":{\"req_id\":\"E" + n + "\"},\"body\":{" + common +
                ",\"msgtype\":\"event\",\"event\":{\"eventtype\":\"" + type + "\",\"" + type + "\":" + payload + "}}}";
            switch (r.Next(14))
            {
                case 0: return msg("text", "{\"content\":\"hello " + Str(r) + "\"}");
                case 1: return msg("image", media);
                case 2: return msg("file",
                    "{\"url\":\"https://h/f\",\"aeskey\":\"k\",\"filename\":\"a.pdf\",\"file_size\":12}");
                case 3: return msg("video", media);
                case 4: return msg("voice", "{\"content\":\"spoken\"}");
                case 5:
                    return msg("mixed",
                        "{\"msg_item\":[{\"msgtype\":\"text\",\"text\":{\"content\":\"look\"}}," +
                        "{\"msgtype\":\"image\",\"image\":" + media + "}]}");
                case 6:
                    return msg("text",
                        "{\"content\":\"re\"},\"quote\":{\"msgtype\":\"text\",\"text\":{\"content\":\"orig\"}}");
                case 7: return ev("enter_chat", "{}");
                case 8:
                    return ev("template_card_event",
                        "{\"card_type\":\"vote_interaction\",\"event_key\":\"k\",\"task_id\":\"t\"," +
                        "\"selected_items\":{\"selected_item\":[{\"question_key\":\"q\"," +
                        "\"option_ids\":{\"option_id\":[\"o1\",\"o2\"]}}]}}");
                case 9: return ev("feedback_event",
                    "{\"id\":\"f\",\"type\":2,\"content\":\"meh\",\"inaccurate_reason_list\":[1,2]}");
                case 10: return ev("some_new_event", "{\"x\":1}");
                case 11: return "{\"headers\":{\"req_id\":\"ack-" + n + "\"},\"errcode\":0,\"errmsg\":\"ok\"}";
                case 12: return "{\"cmd\":\"pong\",\"headers\":{\"req_id\":\"ping-" + n + "\"},\"errcode\":0}";
                default: return "{\"cmd\":\"aibot_new_thing\",\"headers\":{\"req_id\":\"N" + n + "\"},\"body\":{}}";
            }
        }

        // ------------------------------------------------------------ mutations

        private static readonly string[] WrongValues =
        {
            "null", "true", "0", "-1", "1e17", "-1e300", "1.5", "18446744073709551616", "\"\"", "\"x\"", "[]", "{}",
            "[1,\"a\",null]", "{\"a\":{\"b\":[]}}", "\"\\u0000\\ud800\"", "9223372036854775808", "\"1e17\"",
        };

        private static byte[] Mutate(Random r, string seed)
        {
            var text = seed;
            int kinds = r.Next(1, 3);
            for (int k = 0; k < kinds; k++) text = MutateText(r, text);
            var bytes = Encoding.UTF8.GetBytes(text);
            switch (r.Next(10))
            {
                case 0: return Truncate(r, bytes);
                case 1:
                    var escape = InvalidUtf16Escapes[r.Next(InvalidUtf16Escapes.Length)];
                    return InsertBytes(r, bytes, Encoding.ASCII.GetBytes(escape));
                case 2: return InsertBytes(r, bytes, new[] { (byte)r.Next(0, 0x20) });
                case 3: return FlipBytes(r, bytes);
                case 4: return SizedNear(r, bytes);
                default: return bytes;
            }
        }

        private static string MutateText(Random r, string text)
        {
            switch (r.Next(7))
            {
                case 0: return ReplaceValue(r, text, WrongValues[r.Next(WrongValues.Length)]);
                case 1: return ReplaceValue(r, text, "\"" + new string((char)('a' + r.Next(26)), r.Next(1000,
                    120_000)) + "\"");
                case 2:
                    int depth = r.Next(2) == 0 ? r.Next(10, 70) : r.Next(70, 2000);
                    bool arrays = r.Next(2) == 0;
                    var deep = arrays
                        ? new string('[', depth) + "1" + new string(']', depth)
                        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                    return ReplaceValue(r, text, deep);
                case 3:
                    // A duplicate key: a member copied right after the object's opening brace.
                    int at = text.IndexOf("\"msgtype\"", StringComparison.Ordinal);
                    if (at < 0) at = text.IndexOf("\"cmd\"", StringComparison.Ordinal);
                    int brace = at > 0 ? text.LastIndexOf('{', at) : -1;
                    var wrong = WrongValues[r.Next(WrongValues.Length)];
                    return brace < 0 ? text : text.Insert(brace + 1, "\"msgtype\":" + wrong + ",\"cmd\":\"x\",");
                case 4: return ReplaceValue(r, text, "\"a\u0001b\u001bc\r\n\td\"");
                case 5: return text.Replace("\"body\":{", "\"body\":{\"body\":{},");
                default: return text;
            }
        }

        /// <summary>Replaces the value of a random member (a string, number, object or array after a colon).</summary>
        private static string ReplaceValue(Random r, string text, string value)
        {
            var colons = new List<int>();
            bool inString = false, escaped = false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (escaped) { escaped = false; continue; }
                if (c == '\\' && inString) { escaped = true; continue; }
                if (c == '"') inString = !inString;
                else if (c == ':' && !inString) colons.Add(i);
            }
            if (colons.Count == 0) return text;
            int start = colons[r.Next(colons.Count)] + 1;
            int end = ValueEnd(text, start);
            return text.Substring(0, start) + value + text.Substring(end);
        }

        private static int ValueEnd(string text, int start)
        {
            int depth = 0; bool inString = false, escaped = false;
            for (int i = start; i < text.Length; i++)
            {
                char c = text[i];
                if (escaped) { escaped = false; continue; }
                if (inString)
                {
                    if (c == '\\') escaped = true;
                    else if (c == '"') { inString = false; if (depth == 0) return i + 1; }
                    continue;
                }
                if (c == '"') inString = true;
                else if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') { if (depth == 0) return i; depth--; if (depth == 0) return i + 1; }
                else if (c == ',' && depth == 0) return i;
            }
            return text.Length;
        }

        private static byte[] Truncate(Random r, byte[] b) => b.Take(r.Next(0, b.Length)).ToArray();

        private static byte[] InsertBytes(Random r, byte[] b, byte[] insert)
        {
            int at = r.Next(0, b.Length + 1);
            return b.Take(at).Concat(insert).Concat(b.Skip(at)).ToArray();
        }

        /// <summary>
        /// Invalid text that a WebSocket text frame can carry: escapes of lone surrogates. Raw invalid UTF-8 never
        /// reaches
        /// the reader: the WebSocket layer fails the connection on it (RFC 6455 §8.1), see
        /// <see cref="Raw_invalid_UTF8_in_a_text_frame_fails_the_connection_and_the_session_reconnects"/>.
        /// </summary>
        private static readonly string[] InvalidUtf16Escapes = { "\\ud800", "\\udc00x", "\\ud83d\\u0041",
            "\\uDFFF\\uD800", "\\u00" };

        private static byte[] FlipBytes(Random r, byte[] b)
        {
            var copy = (byte[])b.Clone();
            // ASCII only: a flip into invalid UTF-8 would be the WebSocket layer's business, not the reader's.
            for (int i = 0, n = r.Next(1, 6); i < n && copy.Length > 0; i++)
            {
                int at = r.Next(copy.Length);
                if (copy[at] < 0x80) copy[at] = (byte)r.Next(0x80);
            }
            return copy;
        }

        /// <summary>The frame padded with spaces to just under, at, or past the cap (or far past it).</summary>
        private static byte[] SizedNear(Random r, byte[] b)
        {
            int target;
            switch (r.Next(4))
            {
                case 0: target = Cap - r.Next(0, 16); break;
                case 1: target = Cap; break;
                case 2: target = Cap + r.Next(1, 16); break;
                default: target = Cap * r.Next(2, 5); break;
            }
            if (target <= b.Length) return b;
            var padded = new byte[target];
            // Whitespace before the frame keeps it valid JSON when it was.
            for (int i = 0; i < target - b.Length; i++) padded[i] = (byte)' ';
            Buffer.BlockCopy(b, 0, padded, target - b.Length, b.Length);
            return padded;
        }

        [Fact]
        public void Raw_invalid_UTF8_in_a_text_frame_fails_the_connection_and_the_session_reconnects()
        {
            // RFC 6455 §8.1: an endpoint that receives invalid UTF-8 in a text message fails the connection (1007).
            // ClientWebSocket does so before the reader sees the bytes; the session must come back and go on.
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var frame = Encoding.UTF8.GetBytes(
                    "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"R\"},\"body\":{\"x\":\"a\"}}");
                frame[frame.Length - 5] = 0xFF;
                h.Server.PushRawBytes(frame);
                h.WaitForReconnects(1);
                Assert.True(SessionHarness.Eventually(() => TryPush(h), SessionHarness.Wait));
                h.WaitForInbox(1);
                Assert.Equal("after", Assert.Single(h.Drain()).MsgId);
                Assert.Equal(WecomSessionState.Connected, s.State);
            }
        }

        private static bool TryPush(SessionHarness h)
        {
            try { return h.Server.PushText("ok", msgId: "after").ConnectionCount > 0; }
            catch (InvalidOperationException) { return false; }
        }

        /// <summary>Shows Debug and Verbose (so the redactor runs on every frame) and keeps only counts.</summary>
        private sealed class CountingSink : ILogSink
        {
            private long _unwantedAcks;
            public long UnwantedAcks => Interlocked.Read(ref _unwantedAcks);
            public bool WantsDebug => true;
            public bool WantsVerbose => true;
            public void Write(LogLevel level, string message)
            {
                if (message.Contains("that nobody waits for")) Interlocked.Increment(ref _unwantedAcks);
            }
        }
    }
}
