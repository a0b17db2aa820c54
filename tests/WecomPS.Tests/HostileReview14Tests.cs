using System;
using System.Text;
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
    }
}
