using System;
using System.Text;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Hostile review of issue 14 (the one-pass inbound path): edges found breaking.</summary>
    public sealed class HostileReview14Tests
    {
        [Fact]
        public void A_malformed_frame_whose_cmd_cannot_be_decoded_is_still_reported_as_malformed()
        {
            // Not valid JSON (the frame is not closed) and a cmd escaped as a lone surrogate: the JSON error comes first,
            // as for any string that does not decode.
            var bytes = Encoding.UTF8.GetBytes("{\"cmd\":\"\\uD800\",\"headers\":{\"req_id\":\"r1\"},\"body\":{}");
            var e = Assert.Throws<FormatException>(() => InboundFrame.Parse(new ArraySegment<byte>(bytes)));
            Assert.StartsWith("not valid JSON", e.Message);

            using (var h = new SessionHarness())
            {
                h.Connect();
                h.Server.PushRaw("{\"cmd\":\"\\uD800\",\"headers\":{\"req_id\":\"r1\"},\"body\":{}");
                h.Server.PushText("after", msgId: "after");
                h.WaitForInbox(1);
                Assert.Equal("after", Assert.Single(h.Drain()).MsgId);
                Assert.True(h.Log.Has("Skipped a malformed frame (not valid JSON"), string.Join("\n", h.Log.Lines));
            }
        }

        /// <summary>A callback frame with a body near the default MaxInboundFrameBytes (one large string).</summary>
        private static byte[] LargeCallback(string cmd, string body, int size) => Encoding.UTF8.GetBytes(
            "{\"cmd\":\"" + cmd + "\",\"headers\":{\"req_id\":\"r1\"},\"body\":{" + body + ",\"pad\":\""
            + new string('x', size) + "\"}}");

        [Fact]
        public void Reading_the_body_of_a_large_message_does_not_copy_its_bytes_again()
        {
            const int size = 3 * 1024 * 1024;
            var bytes = LargeCallback("aibot_msg_callback",
                "\"msgid\":\"m1\",\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}", size);
            var message = MessageParser.Parse(InboundFrame.Parse(new ArraySegment<byte>(bytes)), DateTimeOffset.Now);

            long before = GC.GetAllocatedBytesForCurrentThread();
            var body = message.GetBody();
            long parsing = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(size, body.GetProperty("pad").GetString().Length);
            // The message keeps the body's bytes already: a parsed body is their index, not a second copy.
            Assert.True(parsing < size / 2, "GetBody() allocated " + parsing + " bytes for a body of " + size);
        }

        [Fact]
        public void A_large_event_is_held_with_one_copy_of_its_body()
        {
            // Events are read from a parsed body at once: the frame's bytes are copied once, as before the one pass.
            const int size = 3 * 1024 * 1024;
            var bytes = LargeCallback("aibot_event_callback",
                "\"msgid\":\"e1\",\"msgtype\":\"event\",\"event\":{\"eventtype\":\"enter_chat\"}", size);

            long before = GC.GetAllocatedBytesForCurrentThread();
            var message = MessageParser.Parse(InboundFrame.Parse(new ArraySegment<byte>(bytes)), DateTimeOffset.Now);
            long parsing = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.IsType<WecomPS.Event.EnterChat>(message);
            Assert.True(parsing < size * 3 / 2, "parsing allocated " + parsing + " bytes for a body of " + size);
        }
    }
}
