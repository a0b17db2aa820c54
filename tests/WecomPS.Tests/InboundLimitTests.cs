using System;
using System.Linq;
using System.Text;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Inbound frames are bounded in size, and a bad field never costs the message.</summary>
    [Collection(InboundMemory.Name)]
    public sealed class InboundLimitTests
    {
        /// <summary>A text callback of exactly <paramref name="size"/> bytes (content padded with 'a').</summary>
        internal static byte[] TextCallbackOfSize(int size, string msgId)
        {
            string Frame(string content) =>
                "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"R" + msgId + "\"},\"body\":{\"msgid\":\""
                    + msgId +
                "\",\"aibotid\":\"B\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"text\"," +
                "\"text\":{\"content\":\"" + content + "\"}}}";
            int overhead = Encoding.UTF8.GetByteCount(Frame(""));
            var bytes = Encoding.UTF8.GetBytes(Frame(new string('a', size - overhead)));
            Assert.Equal(size, bytes.Length);
            return bytes;
        }

        [Fact]
        public void A_frame_over_the_cap_is_read_through_and_skipped_and_the_next_message_arrives()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.MaxInboundFrameBytes = 64 * 1024);
                h.Server.PushRawBytes(TextCallbackOfSize(64 * 1024 + 1, "too-big"));
                h.Server.PushRawBytes(TextCallbackOfSize(1_000_000, "far-too-big"));
                h.Server.PushText("after", msgId: "after");
                h.WaitForInbox(1);

                var got = h.Drain();
                Assert.Equal(new[] { "after" }, got.Select(m => m.MsgId));
                Assert.Equal(2, s.FramesSkipped);
                Assert.Equal(WecomSessionState.Connected, s.State);
                Assert.Equal(0, s.Reconnects);
                Assert.True(h.Log.Has(
                    "Skipped a frame of 65537 bytes: larger than MaxInboundFrameBytes (65536 bytes)"));
                Assert.True(h.Log.Has("Skipped a frame of 1000000 bytes"));
                // Reading through the oversized frames never grew the buffer past the cap.
                Assert.True(s.ReceiveBufferSize <= 64 * 1024, "buffer " + s.ReceiveBufferSize);
            }
        }

        [Fact]
        public void The_default_cap_is_4_MiB_and_a_frame_past_it_does_not_cost_the_connection()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                Assert.Equal(4 * 1024 * 1024, s.Options.MaxInboundFrameBytes);
                h.Server.PushRawBytes(TextCallbackOfSize(4 * 1024 * 1024 + 1, "over"));
                h.Server.PushText("next", msgId: "next");
                h.WaitForInbox(1);
                Assert.Equal(new[] { "next" }, h.Drain().Select(m => m.MsgId));
                Assert.Equal(1, s.FramesSkipped);
                Assert.Equal(WecomSessionState.Connected, s.State);
            }
        }

        [Fact]
        public void A_frame_of_exactly_the_cap_arrives_and_the_idle_reader_holds_no_buffer_before_or_after()
        {
            using (var h = new SessionHarness())
            {
                const int cap = 1024 * 1024;
                var s = h.Connect(o => o.MaxInboundFrameBytes = cap);
                // Between messages the reader holds no buffer (it waits with a zero-byte receive on .NET).
                Assert.True(SessionHarness.Eventually(() => s.ReceiveBufferSize == 0, SessionHarness.Wait),
                    "an idle reader holds a buffer of " + s.ReceiveBufferSize);

                h.Server.PushRawBytes(TextCallbackOfSize(cap, "exact"));
                h.WaitForInbox(1);
                var big = Assert.Single(h.Drain());
                Assert.Equal("exact", big.MsgId);
                // The content came whole: the frame minus its envelope of under 300 bytes, all padding.
                Assert.InRange(big.Content.Length, cap - 300, cap);
                Assert.True(big.Content.All(c => c == 'a'));
                Assert.Equal(0, s.FramesSkipped);

                h.Server.PushText("small", msgId: "small");
                h.WaitForInbox(1);
                Assert.Equal("small", Assert.Single(h.Drain()).MsgId);
                Assert.True(SessionHarness.Eventually(() => s.ReceiveBufferSize == 0, SessionHarness.Wait),
                    "the reader still holds a buffer of " + s.ReceiveBufferSize);
            }
        }

        [Fact]
        public void The_cap_cannot_be_set_below_1_KiB()
        {
            var o = new WecomSessionOptions();
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => o.MaxInboundFrameBytes = 1023);
            Assert.Equal("MaxInboundFrameBytes", e.ParamName);
        }

        [Theory]
        [InlineData("1e17", null)]
        [InlineData("100000000000000000", null)]
        [InlineData("-1", null)]
        [InlineData("-62135596801", null)]
        [InlineData("18446744073709551616", null)]
        [InlineData("1e300", null)]
        [InlineData("\"1e17\"", null)]
        [InlineData("\"soon\"", null)]
        [InlineData("true", null)]
        [InlineData("{\"s\":1}", null)]
        [InlineData("[1]", null)]
        [InlineData("1700000000.5", "2023-11-14T22:13:20+00:00")]
        [InlineData("1700000000", "2023-11-14T22:13:20+00:00")]
        [InlineData("\"1700000000\"", "2023-11-14T22:13:20+00:00")]
        [InlineData("1700000000123", "2023-11-14T22:13:20+00:00")]
        public void An_unreadable_create_time_gives_CreateTime_null_and_the_message_still_arrives(string raw,
            string expected)
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                h.Server.PushRaw(
                    "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"Rct\"},\"body\":{\"msgid\":\"ct\"," +
                                 "\"create_time\":" + raw
                                     + ",\"aibotid\":\"B\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"}," +
                                 "\"msgtype\":\"text\",\"text\":{\"content\":\"hello\"}}}");
                h.WaitForInbox(1);
                var m = Assert.Single(h.Drain());
                Assert.Equal("hello", m.Content);
                Assert.Equal(expected, m.CreateTime?.ToString("yyyy-MM-ddTHH:mm:sszzz"));
                Assert.Equal(0, s.FramesSkipped);
            }
        }
    }

    /// <summary>Tests that measure memory or push megabytes run alone, not beside the rest.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class InboundMemory
    {
        public const string Name = "InboundMemory";
    }
}
