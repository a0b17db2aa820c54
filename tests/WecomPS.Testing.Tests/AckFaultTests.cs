using System;
using System.Threading.Tasks;

namespace WecomPS.Testing.Tests
{
    /// <summary>Faults that hit the ack of a command: lost, or the connection reset in its place.</summary>
    public class AckFaultTests
    {
        private static object Markdown(string text) => new { chatid = "lisi", msgtype = "markdown", markdown = new { content = text } };

        [Fact]
        public async Task LoseAckOfNext_handles_the_command_but_never_acks_it_then_acks_again()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.LoseAckOfNext("aibot_send_msg");
            var lost = await client.SendAsync("aibot_send_msg", Markdown("one"));
            await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForAckAsync(lost, TimeSpan.FromMilliseconds(500)));
            Assert.Equal(0, server.WaitForFrame(f => f.ReqId == lost, TestClient.Timeout).AckErrcode);   // it was handled

            var next = await client.RequestAsync("aibot_send_msg", Markdown("two"));
            Assert.Equal(0, next.GetProperty("errcode").GetInt32());
            Assert.Equal(1, server.ActiveConnectionCount);
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task DropConnectionOnNext_resets_the_connection_instead_of_the_ack()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.DropConnectionOnNext("aibot_send_msg");
            var reqId = await client.SendAsync("aibot_send_msg", Markdown("one"));
            Assert.True(await client.WaitForEndAsync(TestClient.Timeout));
            Assert.Equal(0, server.WaitForFrame(f => f.ReqId == reqId, TestClient.Timeout).AckErrcode);
            Assert.True(server.WaitForConnectionCount(0, TestClient.Timeout));

            // Only the next one: a fresh connection works normally.
            await using var fresh = await TestClient.SubscribedAsync(server);
            Assert.Equal(0, (await fresh.RequestAsync("aibot_send_msg", Markdown("two"))).GetProperty("errcode").GetInt32());
        }

        [Fact]
        public async Task ClearInjectedFailures_forgets_unused_ack_faults()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.LoseAckOfNext("ping");
            server.ClearInjectedFailures();
            Assert.Equal(0, (await client.RequestAsync("ping")).GetProperty("errcode").GetInt32());
        }
    }
}
