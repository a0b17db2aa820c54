using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// One double serving several bots (MockServerOptions.AdditionalBots), as the idle bench uses it: each extra bot
    /// is authenticated and superseded exactly as the single one, and gets only its own pushes.
    /// </summary>
    public class MultiBotDoubleTests
    {
        private static readonly TimeSpan Wait = SessionHarness.Wait;
        private const string BotB = "aib-second-bot";
        private const string SecretB = "0123456789abcdef0123456789abcdef";

        private static SessionHarness Harness()
        {
            var options = new MockServerOptions();
            options.AdditionalBots[BotB] = SecretB;
            return new SessionHarness(options);
        }

        private static WecomSession SessionB(SessionHarness h, string secret = SecretB, string name = "b") =>
            new WecomSession(h.Options(o =>
            {
                o.BotId = BotB;
                o.Secret = SessionHarness.Secure(secret);
                o.Name = name;
            }));

        private static void Connect(WecomSession s)
        {
            Assert.True(s.ConnectAsync(CancellationToken.None).Wait(Wait), "connect did not finish in time");
            Assert.Equal(WecomSessionState.Connected, s.State);
        }

        private static List<Messages.WecomMessage> Drain(WecomSession s)
        {
            var list = new List<Messages.WecomMessage>();
            while (s.Inbox.TryTake(null, out var m)) list.Add(m);
            return list;
        }

        [Fact]
        public void A_wrong_secret_for_an_additional_bot_is_refused_with_the_same_errcode_as_for_the_main_bot()
        {
            using (var h = Harness())
            {
                using (var wrongB = SessionB(h, secret: h.Server.Secret))   // the main bot's secret is not B's
                {
                    var e = Assert.Throws<AggregateException>(() => wrongB.ConnectAsync(CancellationToken.None).Wait(Wait));
                    Assert.Equal(853000, Assert.IsType<WecomCommandException>(e.InnerException).ErrCode);
                    Assert.Equal(WecomSessionState.Failed, wrongB.State);
                }
                using (var wrongA = new WecomSession(h.Options(o => o.Secret = SessionHarness.Secure(SecretB))))
                {
                    var e = Assert.Throws<AggregateException>(() => wrongA.ConnectAsync(CancellationToken.None).Wait(Wait));
                    Assert.Equal(853000, Assert.IsType<WecomCommandException>(e.InnerException).ErrCode);
                }
                Assert.Equal(0, h.Server.SuccessfulSubscribes);
                Assert.Empty(h.Server.SubscribedConnectionIdsOf(BotB));
                using (var rightB = SessionB(h)) Connect(rightB);
                Assert.Equal(1, h.Server.SuccessfulSubscribes);
            }
        }

        [Fact]
        public void Two_bots_connected_at_once_each_receive_only_their_own_pushes()
        {
            using (var h = Harness())
            using (var b = SessionB(h))
            {
                var a = h.Connect();
                Connect(b);
                int connectionB = Assert.Single(h.Server.SubscribedConnectionIdsOf(BotB));
                Assert.DoesNotContain(connectionB, h.Server.SubscribedConnectionIds);   // the main bot's push targets

                h.Server.PushText("for a");
                h.Server.PushText("for b", connectionId: connectionB);
                Assert.True(SessionHarness.Eventually(() => a.InboxCount == 1 && b.InboxCount == 1, Wait),
                    "inboxes: a " + a.InboxCount + ", b " + b.InboxCount);
                Thread.Sleep(300);   // asserts that nothing happens: a push sent to both would arrive within this period

                var gotA = Assert.Single(Drain(a));
                var gotB = Assert.Single(Drain(b));
                Assert.Equal("for a", gotA.Content);
                Assert.Equal(h.Server.BotId, gotA.AibotId);
                Assert.Equal("for b", gotB.Content);
                Assert.Equal(BotB, gotB.AibotId);
            }
        }

        [Fact]
        public void A_second_connection_of_one_bot_supersedes_only_that_bots_older_connection()
        {
            using (var h = Harness())
            using (var b = SessionB(h))
            using (var a2 = new WecomSession(h.Options(o => o.Name = "a2")))
            {
                var a1 = h.Connect();
                Connect(b);
                int connectionB = Assert.Single(h.Server.SubscribedConnectionIdsOf(BotB));
                Connect(a2);

                SessionHarness.WaitForState(a1, WecomSessionState.Superseded);
                Thread.Sleep(500);   // asserts that nothing happens: a kick of B would come within this period
                Assert.Equal(WecomSessionState.Connected, b.State);
                Assert.Equal(WecomSessionState.Connected, a2.State);
                Assert.Equal(new[] { connectionB }, h.Server.SubscribedConnectionIdsOf(BotB));
                Assert.Equal(0, b.Reconnects);

                h.Server.PushText("still b", connectionId: connectionB);
                Assert.True(SessionHarness.Eventually(() => b.InboxCount == 1, Wait), "B no longer gets its pushes");
                var sent = MessageSender.SendMarkdownAsync(b, "lisi", "b still sends", null, null,
                    CancellationToken.None, null);
                Assert.True(sent.Wait(Wait), "B's send did not finish");
            }
        }
    }
}
