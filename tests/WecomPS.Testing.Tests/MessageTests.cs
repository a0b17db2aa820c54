using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing.Tests
{
    public class MessageTests
    {
        private static int Errcode(JsonElement ack) => ack.GetProperty("errcode").GetInt32();

        [Fact]
        public async Task Send_markdown_is_accepted_and_recorded()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var ack = await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", chat_type = 1, msgtype = "markdown", markdown = new { content = "Build **passed** 中文" } });
            Assert.Equal(0, Errcode(ack));
            var frame = server.FramesFor("aibot_send_msg").Single();
            Assert.Equal("Build **passed** 中文", frame.BodyString("markdown.content"));
            Assert.Equal("1", frame.BodyString("chat_type"));
            Assert.Empty(server.Violations);
        }

        [Theory]
        [InlineData("text", ErrorCodes.InvalidMessageType)]
        [InlineData("stream", ErrorCodes.InvalidMessageType)]
        public async Task Send_rejects_reply_only_msgtypes(string msgType, int expected)
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var ack = await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = msgType, text = new { content = "x" } });
            Assert.Equal(expected, Errcode(ack));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Send_validates_fields()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { MaxContentBytes = 10 });
            await using var client = await TestClient.SubscribedAsync(server);
            Assert.Equal(ErrorCodes.ContentTooLong, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "markdown", markdown = new { content = "中文中文" } })));
            Assert.Equal(ErrorCodes.InvalidMediaId, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "file", file = new { media_id = "nope" } })));
            Assert.Equal(ErrorCodes.InvalidChatType, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", chat_type = 5, msgtype = "markdown", markdown = new { content = "x" } })));
            Assert.Empty(server.Violations);

            Assert.Equal(ErrorCodes.InvalidField, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "", msgtype = "markdown", markdown = new { content = "x" } })));
            Assert.Equal(ErrorCodes.InvalidField, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "template_card", template_card = new { main_title = new { title = "t" } } })));
            Assert.Equal(ErrorCodes.InvalidField, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "markdown" })));
            Assert.Equal(3, server.Violations.Count);
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "template_card", template_card = new { card_type = "text_notice" } })));
        }

        [Fact]
        public async Task Rate_limit_per_conversation()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { RateLimitPerMinute = 2 });
            await using var client = await TestClient.SubscribedAsync(server);
            object Md(string chat) => new { chatid = chat, msgtype = "markdown", markdown = new { content = "x" } };
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_send_msg", Md("a"))));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_send_msg", Md("a"))));
            Assert.Equal(ErrorCodes.RateLimited, Errcode(await client.RequestAsync("aibot_send_msg", Md("a"))));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_send_msg", Md("b"))));
            server.AdvanceClock(TimeSpan.FromSeconds(61));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_send_msg", Md("a"))));
        }

        [Fact]
        public async Task Stream_reply_accepts_refreshes_then_refuses_after_finish()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var push = server.PushText("hello");
            var callback = await client.WaitForCmdAsync("aibot_msg_callback");
            Assert.Equal(push.ReqId, callback.GetProperty("headers").GetProperty("req_id").GetString());
            object Stream(string content, bool finish) => new { msgtype = "stream", stream = new { id = "s1", content, finish } };
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_respond_msg", Stream("a", false), push.ReqId)));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_respond_msg", Stream("ab", true), push.ReqId)));
            Assert.Equal(ErrorCodes.StreamFinished, Errcode(await client.RequestAsync("aibot_respond_msg", Stream("abc", false), push.ReqId)));
            Assert.Equal(3, server.RepliesTo(push.ReqId).Count);
            Assert.Equal("ab", server.RepliesTo(push.ReqId)[1].BodyString("stream.content"));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Stream_past_its_lifetime_gets_846608()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var push = server.PushText("hello");
            object Stream(string content) => new { msgtype = "stream", stream = new { id = "s1", content } };
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_respond_msg", Stream("a"), push.ReqId)));
            server.AdvanceClock(TimeSpan.FromMinutes(11));
            Assert.Equal(ErrorCodes.StreamExpired, Errcode(await client.RequestAsync("aibot_respond_msg", Stream("b"), push.ReqId)));
        }

        [Fact]
        public async Task Stream_msg_item_is_a_violation_but_acked()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var push = server.PushText("hello");
            var ack = await client.RequestAsync("aibot_respond_msg", new { msgtype = "stream", stream = new { id = "s1", content = "x", finish = true, msg_item = new object[0] } }, push.ReqId);
            Assert.Equal(0, Errcode(ack));
            Assert.Contains("msg_item", server.Violations.Single().Reason);
        }

        [Fact]
        public async Task Reply_req_id_rules()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            object Md = new { msgtype = "markdown", markdown = new { content = "x" } };

            Assert.Equal(ErrorCodes.InvalidReqId, Errcode(await client.RequestAsync("aibot_respond_msg", Md, "made-up")));

            var enter = server.PushEvent("enter_chat");
            Assert.Equal(ErrorCodes.InvalidReqId, Errcode(await client.RequestAsync("aibot_respond_msg", Md, enter.ReqId)));

            var message = server.PushText("hi");
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_respond_msg", Md, message.ReqId)));
            Assert.Equal(ErrorCodes.AlreadyResponded, Errcode(await client.RequestAsync("aibot_respond_msg", Md, message.ReqId)));

            var old = server.PushText("old");
            server.AdvanceClock(TimeSpan.FromHours(25));
            Assert.Equal(ErrorCodes.RequestExpired, Errcode(await client.RequestAsync("aibot_respond_msg", Md, old.ReqId)));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Welcome_reply_window_and_one_shot()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            object Welcome = new { msgtype = "text", text = new { content = "Hello!" } };
            var enter = server.PushEvent("enter_chat");
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_respond_welcome_msg", Welcome, enter.ReqId)));
            Assert.Equal(ErrorCodes.AlreadyResponded, Errcode(await client.RequestAsync("aibot_respond_welcome_msg", Welcome, enter.ReqId)));

            var late = server.PushEvent("enter_chat");
            server.AdvanceClock(TimeSpan.FromSeconds(6));
            Assert.Equal(ErrorCodes.RequestExpired, Errcode(await client.RequestAsync("aibot_respond_welcome_msg", Welcome, late.ReqId)));

            var message = server.PushText("hi");
            Assert.Equal(ErrorCodes.InvalidReqId, Errcode(await client.RequestAsync("aibot_respond_welcome_msg", Welcome, message.ReqId)));
        }

        [Fact]
        public async Task Update_card_reply()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var card = server.PushEvent("template_card_event", new { card_type = "button_interaction", event_key = "confirm", task_id = "task_42" });
            var evt = await client.WaitForCmdAsync("aibot_event_callback");
            var payload = evt.GetProperty("body").GetProperty("event").GetProperty("template_card_event");
            Assert.Equal("task_42", payload.GetProperty("task_id").GetString());
            Assert.True(evt.GetProperty("body").TryGetProperty("response_url", out _));

            var update = new { response_type = "update_template_card", userids = new[] { "lisi" }, template_card = new { card_type = "text_notice", task_id = "task_42" } };
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_respond_update_msg", update, card.ReqId)));
            Assert.Equal(ErrorCodes.InvalidResponseType, Errcode(await client.RequestAsync("aibot_respond_update_msg", new { response_type = "x", template_card = new { card_type = "text_notice" } }, card.ReqId)));
            Assert.Equal(ErrorCodes.InvalidReqId, Errcode(await client.RequestAsync("aibot_respond_msg", new { msgtype = "stream", stream = new { id = "s", content = "x" } }, card.ReqId)));
        }
    }
}
