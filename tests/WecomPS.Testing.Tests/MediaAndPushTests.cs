using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace WecomPS.Testing.Tests
{
    public class MediaAndPushTests
    {
        private static readonly HttpClient Http = new HttpClient();

        /// <summary>docs/protocol.md §7, written independently of the double.</summary>
        private static byte[] Decrypt(byte[] cipher, string aesKey)
        {
            var key = Convert.FromBase64String(aesKey);
            Assert.Equal(32, key.Length);
            using var aes = Aes.Create();
            aes.Key = key;
            var plain = aes.DecryptCbc(cipher, key.AsSpan(0, 16), PaddingMode.None);
            int pad = plain[^1];
            if (pad < 1 || pad > 32 || pad > plain.Length) throw new CryptographicException("bad pad " + pad);
            for (int i = plain.Length - pad; i < plain.Length; i++)
                if (plain[i] != pad) throw new CryptographicException("inconsistent pad");
            return plain.AsSpan(0, plain.Length - pad).ToArray();
        }

        [Theory]
        [InlineData(0)]
        [InlineData(31)]
        [InlineData(32)]
        [InlineData(100_000)]
        public async Task Media_download_and_decrypt_roundtrip(int length)
        {
            using var server = WecomMockServer.Start();
            var plain = new byte[length];
            new Random(length).NextBytes(plain);
            var (url, aesKey) = server.RegisterMedia(plain, "报告 final.pdf");
            using var response = await Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType.MediaType);
            Assert.Equal("报告 final.pdf", response.Content.Headers.ContentDisposition.FileNameStar);
            var cipher = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(0, cipher.Length % 32);
            Assert.Equal(plain, Decrypt(cipher, aesKey));
        }

        [Fact]
        public async Task Expired_media_is_403_and_unknown_is_404()
        {
            using var server = WecomMockServer.Start();
            var media = server.RegisterMedia(new byte[10], "a.bin", TimeSpan.FromSeconds(1));
            server.AdvanceClock(TimeSpan.FromSeconds(2));
            Assert.Equal(HttpStatusCode.Forbidden, (await Http.GetAsync(media.Url)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(new Uri(server.HttpBase, "media/unknown"))).StatusCode);
        }

        [Theory]
        [InlineData(MediaCorruption.PadZero)]
        [InlineData(MediaCorruption.PadTooLarge)]
        [InlineData(MediaCorruption.PadInconsistent)]
        public async Task Corrupted_padding_fails_decryption(MediaCorruption corruption)
        {
            using var server = WecomMockServer.Start();
            var media = server.RegisterMedia(Encoding.UTF8.GetBytes("hello world, 31 bytes long....."), "a.txt", corruption: corruption);
            var cipher = await Http.GetByteArrayAsync(media.Url);
            Assert.Throws<CryptographicException>(() => Decrypt(cipher, media.AesKey));
        }

        [Fact]
        public async Task Hostile_content_disposition_is_served_verbatim()
        {
            using var server = WecomMockServer.Start();
            var media = server.RegisterMedia(new byte[5], null, contentDisposition: "attachment; filename=\"../../etc/passwd\"");
            using var response = await Http.GetAsync(media.Url);
            Assert.Equal("attachment; filename=\"../../etc/passwd\"", string.Join(",", response.Content.Headers.GetValues("Content-Disposition")));
        }

        [Fact]
        public async Task PushText_shape_single_and_group()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var single = server.PushText("hi");
            var group = server.PushText("@Bot hi", "lisi", chatId: "wrGroup1");
            await client.WaitForAsync(e => e.TryGetProperty("cmd", out _) && client.Received.Count(x => x.TryGetProperty("cmd", out _)) >= 2, null, "two pushes");
            var frames = client.Received.Where(e => e.TryGetProperty("cmd", out _)).ToArray();
            var s = frames[0].GetProperty("body");
            Assert.Equal("aibot_msg_callback", frames[0].GetProperty("cmd").GetString());
            Assert.Equal(24, single.ReqId.Length);
            Assert.Equal("single", s.GetProperty("chattype").GetString());
            Assert.False(s.TryGetProperty("chatid", out _));
            Assert.Equal("zhangsan", s.GetProperty("from").GetProperty("userid").GetString());
            Assert.Equal(server.BotId, s.GetProperty("aibotid").GetString());
            Assert.Equal(single.MsgId, s.GetProperty("msgid").GetString());
            Assert.Equal(JsonValueKind.Number, s.GetProperty("create_time").ValueKind);
            Assert.Equal("hi", s.GetProperty("text").GetProperty("content").GetString());
            var g = frames[1].GetProperty("body");
            Assert.Equal("group", g.GetProperty("chattype").GetString());
            Assert.Equal("wrGroup1", g.GetProperty("chatid").GetString());
        }

        [Fact]
        public async Task PushImage_and_mixed_carry_decryptable_media()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var png = Encoding.ASCII.GetBytes("\x89PNG fake image bytes");
            server.PushMixed("look", png);
            var mixed = (await client.WaitForCmdAsync("aibot_msg_callback")).GetProperty("body");
            Assert.Equal("mixed", mixed.GetProperty("msgtype").GetString());
            var items = mixed.GetProperty("mixed").GetProperty("msg_item");
            Assert.Equal("look", items[0].GetProperty("text").GetProperty("content").GetString());
            var image = items[1].GetProperty("image");
            var cipher = await Http.GetByteArrayAsync(image.GetProperty("url").GetString());
            Assert.Equal(png, Decrypt(cipher, image.GetProperty("aeskey").GetString()));
        }

        [Fact]
        public async Task PushRaw_sends_exact_text_and_PushEvent_nests_payload()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.PushRaw("{\"cmd\":\"weird\",\"headers\":{\"req_id\":\"r\"}}");
            await client.WaitForCmdAsync("weird");
            server.PushEvent("feedback_event", new { id = "fb_7", type = 2, inaccurate_reason_list = new[] { 2, 4 } });
            var evt = (await client.WaitForCmdAsync("aibot_event_callback")).GetProperty("body");
            Assert.Equal("event", evt.GetProperty("msgtype").GetString());
            Assert.Equal("fb_7", evt.GetProperty("event").GetProperty("feedback_event").GetProperty("id").GetString());
            server.PushRaw("{\"bad\": \"a\u001bb\"}");
            await client.WaitForAsync(e => e.TryGetProperty("unparsable", out _), null, "raw control char frame");
        }

        [Fact]
        public async Task Empty_strings_from_PowerShell_mean_not_given()
        {
            // PowerShell passes $null to a .NET string parameter as "": PushText('hi', 'lisi', $null, $null, $null).
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var text = server.PushText("hi", "lisi", chatId: "", msgId: "", reqId: "");
            var evt = server.PushEvent("enter_chat", null, "lisi", chatId: "", msgId: "", reqId: "");
            var file = server.PushMedia("file", new byte[] { 1, 2, 3, 4, 5 }, "", "lisi", chatId: "", msgId: "", reqId: "");
            var mixed = server.PushMixedMessage(new object[] { "a" }, "lisi", chatId: "", msgId: "", reqId: "");
            await client.WaitForAsync(e => client.Received.Count(x => x.TryGetProperty("cmd", out _)) >= 4, null, "four pushes");
            var frames = client.Received.Where(e => e.TryGetProperty("cmd", out _)).ToArray();
            foreach (var (pushed, frame) in new[] { text, evt, file, mixed }.Zip(frames))
            {
                Assert.Equal(24, pushed.ReqId.Length);
                Assert.False(string.IsNullOrEmpty(pushed.MsgId));
                Assert.Equal(pushed.ReqId, frame.GetProperty("headers").GetProperty("req_id").GetString());
                var body = frame.GetProperty("body");
                Assert.Equal(pushed.MsgId, body.GetProperty("msgid").GetString());
                Assert.Equal("single", body.GetProperty("chattype").GetString());
                Assert.False(body.TryGetProperty("chatid", out _));
            }
            Assert.Equal("file.bin", file.Media[0].FileName);
        }

        [Fact]
        public async Task PushMedia_in_a_group_with_a_reused_msgid_and_Repush_resend_the_same_callback()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var first = server.PushMedia("image", new byte[] { 1, 2, 3, 4, 5 }, "a.png", "lisi", chatId: "wrGroup1", msgId: "MSG1");
            var again = server.Repush(first);
            var dup = server.PushText("x", "lisi", msgId: "MSG1");
            await client.WaitForAsync(e => client.Received.Count(x => x.TryGetProperty("cmd", out _)) >= 3, null, "three pushes");
            var frames = client.Received.Where(e => e.TryGetProperty("cmd", out _)).ToArray();
            Assert.Equal("wrGroup1", frames[0].GetProperty("body").GetProperty("chatid").GetString());
            Assert.Equal(frames[0].GetRawText(), frames[1].GetRawText());
            Assert.Equal(first.ReqId, again.ReqId);
            Assert.Equal("MSG1", again.MsgId);
            Assert.Equal("MSG1", frames[2].GetProperty("body").GetProperty("msgid").GetString());
            Assert.NotEqual(first.ReqId, dup.ReqId);
            Assert.Throws<ArgumentException>(() => server.PushMedia("voice", new byte[5], "a.amr"));
        }

        [Fact]
        public void Push_without_subscribed_connection_throws()
        {
            using var server = WecomMockServer.Start();
            Assert.Throws<InvalidOperationException>(() => server.PushText("nobody"));
        }
    }
}
