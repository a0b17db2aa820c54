using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Promises the README and the help make about replies: paced like sends, never losing stream content, one at a
    /// time per req_id, every parameter taking effect; and the tables a long-running session keeps, each bounded.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class PromiseTests
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

        /// <summary>
        /// A pipeline step: waits until the stream's first frame was acked, then moves the double's clock past the
        /// stream lifetime (10 min), so the next frame gets 846608 whatever the machine's load.
        /// </summary>
        private const string PastLifetime =
            "$t = [DateTime]::UtcNow.AddSeconds(10); while (-not ($srv.Acks | Where-Object Cmd -eq 'aibot_respond_msg') "
            + "-and [DateTime]::UtcNow -lt $t) { Start-Sleep -Milliseconds 20 }; $srv.AdvanceClock([TimeSpan]::FromMinutes(11));";

        [Fact]
        public void Replies_count_against_the_conversations_pacing_and_wait_instead_of_being_refused()
        {
            using (var h = new SessionHarness(new MockServerOptions { RateLimitPerMinute = 3 }))
            {
                var start = DateTime.UtcNow;
                long offsetTicks = 0;
                var s = h.Connect(o => { o.SendsPerMinute = 3; o.UtcClock = () => start + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks)); });
                for (int i = 0; i < 4; i++) h.Server.PushText("q" + i, userId: "lisi", chatId: "wrGroup1");
                h.WaitForInbox(4);
                var messages = h.Drain();
                var replying = Task.Run(async () =>
                {
                    foreach (var m in messages)
                        await MessageSender.ReplyTextAsync(s, m, "a " + m.MsgId, null, CancellationToken.None, TimeSpan.FromSeconds(120));
                });
                Assert.True(SessionHarness.Eventually(() => h.Server.FramesFor("aibot_respond_msg").Count == 3, Wait));
                Thread.Sleep(1200);
                Assert.Equal(3, h.Server.FramesFor("aibot_respond_msg").Count);   // the 4th reply waits for a slot
                Assert.False(replying.IsCompleted);
                Assert.True(h.Log.Has("Pacing: waiting"), string.Join("\n", h.Log.Lines));

                h.Server.AdvanceClock(TimeSpan.FromSeconds(61));
                Interlocked.Add(ref offsetTicks, TimeSpan.FromSeconds(61).Ticks);
                Assert.True(replying.Wait(Wait), "the paced reply did not go");
                Assert.Equal(4, h.Server.FramesFor("aibot_respond_msg").Count);
                Assert.All(h.Server.FramesFor("aibot_respond_msg"), f => Assert.Equal(0, f.AckErrcode));
            }
        }

        [Fact]
        public void A_stream_that_expires_on_its_rollover_frame_still_delivers_every_character()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                var pushed = server.PushText("long job", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                // The first frame is acked, then the double's clock passes the stream's lifetime (no race with real time).
                var r = ps.Run("& { 'a'; " + PastLifetime + " 'x' * 21000 } | Send-WecomMessage -ReplyTo $m -Stream",
                    new Dictionary<string, object> { ["srv"] = server });
                Assert.Empty(r.Errors);
                Assert.Contains(r.Warnings, w => w.Contains("846608") || w.Contains("expired"));
                var finished = server.RepliesTo(pushed.ReqId).Where(f => f.AckErrcode == 0 && f.BodyString("stream.finish") == "true")
                    .Select(f => f.BodyString("stream.content"));
                var sent = server.FramesFor("aibot_send_msg").Where(f => f.AckErrcode == 0).Select(f => f.BodyString("markdown.content"));
                Assert.Equal("a\n" + new string('x', 21000), string.Concat(finished) + string.Concat(sent));
            }
            Assert.Empty(server.Violations);
            server.Dispose();
        }

        [Fact]
        public void A_stream_whose_fallback_is_refused_too_says_how_much_was_not_delivered()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                server.PushText("q", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                server.FailNext("aibot_send_msg", 93006, "invalid chatid", count: 5);
                var r = ps.Run("& { 'first'; " + PastLifetime + " 'second' } | Send-WecomMessage -ReplyTo $m -Stream",
                    new Dictionary<string, object> { ["srv"] = server });
                var e = Assert.Single(r.Errors);
                Assert.StartsWith("WecomStreamIncomplete", e.FullyQualifiedErrorId);
                Assert.Contains("12 characters", e.Exception.Message);   // "first\nsecond"
                Assert.Contains("93006", e.Exception.Message);
            }
            server.Dispose();
        }

        [Fact]
        public void FallbackToSend_with_Stream_delivers_a_refused_stream_as_a_message()
        {
            var server = WecomMockServer.Start(new MockServerOptions { ReplyWindow = TimeSpan.FromMilliseconds(1) });
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                server.PushText("q", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                Thread.Sleep(20);
                var r = ps.Run("'one', 'two' | Send-WecomMessage -ReplyTo $m -Stream -FallbackToSend");
                Assert.Empty(r.Errors);
                Assert.Equal("one\ntwo", Assert.Single(server.FramesFor("aibot_send_msg")).BodyString("markdown.content"));

                // Without the switch the refusal is an error naming it.
                server.ClearFrames();
                r = ps.Run("'one' | Send-WecomMessage -ReplyTo $m -Stream");
                Assert.StartsWith("WecomReplyExpired", Assert.Single(r.Errors).FullyQualifiedErrorId);
                Assert.Empty(server.FramesFor("aibot_send_msg"));
            }
            server.Dispose();
        }

        [Fact]
        public void TimeoutSec_bounds_a_reply_too()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                server.PushText("q", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                server.Options.AckDelay = TimeSpan.FromSeconds(4);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var r = ps.Run("$m | Send-WecomMessage -Content hi -TimeoutSec 1");
                Assert.StartsWith("WecomAckTimeout", Assert.Single(r.Errors).FullyQualifiedErrorId);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), "took " + clock.Elapsed);
                server.Options.AckDelay = TimeSpan.Zero;
            }
            server.Dispose();
        }

        [Fact]
        public void Feedback_on_a_welcome_text_is_refused_before_anything_is_sent()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                server.PushEvent("enter_chat", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                var r = ps.Run("$m | Send-WecomMessage -Content hello -Feedback fb1");
                var e = Assert.Single(r.Errors);
                Assert.StartsWith("WecomParameterNotApplicable", e.FullyQualifiedErrorId);
                Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
                Assert.Empty(server.FramesFor("aibot_respond_welcome_msg"));
            }
            server.Dispose();
        }

        [Fact]
        public void A_welcome_text_and_a_welcome_card_at_once_go_one_after_the_other_on_the_events_lane()
        {
            using (var h = new SessionHarness(new MockServerOptions { AckDelay = TimeSpan.FromMilliseconds(100) }))
            {
                var s = h.Connect();
                var ev = h.Server.PushEvent("enter_chat", userId: "lisi");
                h.WaitForInbox(1);
                var m = h.Drain()[0];
                var card = Protocol.TemplateCardBody.From(new Dictionary<string, object>
                {
                    ["card_type"] = "text_notice", ["main_title"] = new Dictionary<string, object> { ["title"] = "Hi" },
                    ["card_action"] = new Dictionary<string, object> { ["type"] = 1, ["url"] = "https://example.com" },
                });
                var text = MessageSender.WelcomeAsync(s, m, "hello", CancellationToken.None);
                var cardTask = CardSender.ReplyAsync(s, m, card, null, CancellationToken.None);
                foreach (var t in new Task[] { text, cardTask })
                {
                    try { t.Wait(Wait); }
                    catch (AggregateException a) { Assert.IsAssignableFrom<WecomException>(a.InnerException); }
                }
                var frames = h.Server.FramesFor("aibot_respond_welcome_msg");
                Assert.Equal(2, frames.Count);
                // The second frame left only after the first one's ack.
                var ack = h.Server.Acks.First(a => a.ReqId == ev.ReqId);
                Assert.True(frames[1].At >= ack.At, "the second welcome overtook the first one's ack");
            }
        }

        [Fact]
        public void The_dedup_table_has_an_upper_bound_even_inside_its_window()
        {
            var ids = new RecentIds(capacity: 10, window: TimeSpan.FromHours(24), maxIds: 100);
            for (int i = 0; i < 1000; i++) Assert.True(ids.TryAccept("m" + i));
            Assert.True(ids.Count <= 100, "count " + ids.Count);
            Assert.False(ids.TryAccept("m999"));   // the recent ones are still known
        }

        [Fact]
        public void The_pacer_forgets_conversations_beyond_its_bound()
        {
            var now = DateTime.UtcNow;
            var pacer = new ConversationPacer(30, 1000, () => now, maxConversations: 50);
            for (int i = 0; i < 500; i++) Assert.Equal(TimeSpan.Zero, pacer.TryReserve("chat" + i));
            Assert.True(pacer.Count <= 50, "count " + pacer.Count);
            now += TimeSpan.FromHours(2);
            pacer.TryReserve("new");
            Assert.True(pacer.Count <= 50);
        }

        [Fact]
        public void Known_chats_are_bounded_and_keep_the_most_recent()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.KnownChatsCapacity = 20);
                for (int i = 0; i < 60; i++) h.Server.PushText("hi", userId: "u" + i, chatId: "wrChat" + i);
                h.WaitForInbox(60);
                Assert.True(s.KnownChats.Count <= 20, "known " + s.KnownChats.Count);
                Assert.Contains(s.KnownChats, c => c.ChatId == "wrChat59");
            }
        }
    
        [Fact]
        public void Every_parameter_takes_effect_or_is_refused_before_anything_is_sent()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                var e = ps.Throws("Connect-WecomBot -BotId x -Secret y -Name other -ProxyCredential ([pscredential]::new('u', "
                    + "(ConvertTo-SecureString p -AsPlainText -Force)))");
                Assert.StartsWith("WecomParameterNotApplicable", e.FullyQualifiedErrorId);
                Assert.Contains("-Proxy", e.Exception.Message);

                server.PushText("q", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                server.ClearFrames();
                var card = "@{ card_type = 'text_notice'; main_title = @{ title = 'Hi' }; card_action = @{ type = 1; url = 'https://example.com' } }";
                var r = ps.Run("Send-WecomCard -ReplyTo $m -UserId lisi -Card " + card);
                Assert.StartsWith("WecomParameterNotApplicable", Assert.Single(r.Errors).FullyQualifiedErrorId);

                server.PushEvent("template_card_event", new { card_type = "button_interaction", event_key = "ok", task_id = "t1" }, userId: "lisi");
                ps.Run("$global:c = Receive-WecomMessage -Wait -Count 1 -Timeout 5 -EventType template_card_event");
                r = ps.Run("$c | Send-WecomCard -Feedback fb1 -Card " + card);
                Assert.StartsWith("WecomParameterNotApplicable", Assert.Single(r.Errors).FullyQualifiedErrorId);
                Assert.DoesNotContain(server.Frames, f => f.Cmd != "ping");

                // -Feedback is limited to 256 bytes of UTF-8, not 256 characters.
                e = ps.Throws("Send-WecomMessage -ChatId lisi -Content x -Feedback ('测' * 100)");
                Assert.Contains("300 bytes", e.Exception.Message);
                Assert.Empty(server.FramesFor("aibot_send_msg"));
            }
            server.Dispose();
        }

        [Fact]
        public void A_secret_that_would_travel_in_clear_text_is_warned_about()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            using (var ps = new PowerShellHost())
            {
                var r = ps.Run("Connect-WecomBot -BotId x -Secret y -Endpoint ws://192.0.2.10:8080 -WhatIf");
                Assert.Contains(r.Warnings, w => w.Contains("clear text"));
                r = ps.Run("Connect-WecomBot -BotId x -Secret y -Endpoint wss://openws.example.com -SkipCertificateCheck -WhatIf");
                Assert.Contains(r.Warnings, w => w.Contains("-SkipCertificateCheck"));
                r = ps.Connect(server);   // ws:// on loopback: the double; nothing to warn about
                Assert.DoesNotContain(r.Warnings, w => w.Contains("clear text"));
            }
            server.Dispose();
        }
    }
}
