using System.Threading;
using WecomPS.Messages;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>A claim (a waiting Request-WecomApproval) hides its messages from other receivers only while it
    /// lasts.</summary>
    public sealed class InboxClaimTests
    {
        [Fact]
        public void Ending_a_claim_wakes_the_receivers_that_skipped_its_messages()
        {
            var inbox = new Inbox(10);
            int wakes = 0;
            using (inbox.OnAdded(() => Interlocked.Increment(ref wakes)))
            {
                var claim = inbox.Claim(m => m.MsgId == "click");
                inbox.Add(new WecomMessage { MsgId = "click" });
                Assert.False(inbox.TryTake(m => true, null, null, out _));
                Assert.Equal(1, wakes);

                claim.Dispose();
                Assert.Equal(2, wakes);
                Assert.True(inbox.TryTake(m => true, null, null, out var taken));
                Assert.Equal("click", taken.MsgId);
            }
        }
    }
}
