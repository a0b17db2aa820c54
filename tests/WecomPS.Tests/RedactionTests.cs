using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using WecomPS.Messages;
using WecomPS.Protocol;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>URL credentials and secret members never reach Verbose, -Debug dumps or ToString().</summary>
    public sealed class RedactionTests
    {
        private const string V = "LEAKED-VALUE-7d1";

        /// <summary>URLs whose credential parts all hold <see cref="V"/>; every other part must survive.</summary>
        public static IEnumerable<object[]> SecretUrls() => new[]
        {
            "https://b.cos.ap-guangzhou.myqcloud.com/f?q-sign-algorithm=sha1&q-ak=" + V + "&q-signature=" + V,
            "https://b.cos.myqcloud.com/f?x-cos-security-token=" + V + "&other=1",
            "https://s3.amazonaws.com/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=" + V + "&X-Amz-Signature=" + V,
            "https://s3.amazonaws.com/b/k?x-amz-security-token=" + V,
            "https://h/p?Signature=" + V + "&Expires=1",
            "https://h/p?token=" + V,
            "https://h/p?sign=" + V,
            "https://h/p?sig=" + V,
            "https://h/p?access_token=" + V,
            "https://h/p?ACCESS_TOKEN=" + V,
            "https://h/p?secret=" + V,
            "https://h/p?client_secret=" + V,
            "https://h/p?password=" + V,
            "https://h/p?key=" + V,
            "https://h/p?api_key=" + V,
            "https://h/p?apiKey=" + V,
            "https://h/p?auth=" + V,
            "https://h/p?Authorization=" + V,
            "https://h/p?response_code=" + V,
            "https://h/p?a=1;sessionid=" + V,
            "https://h/p#access_token=" + V,
            "https://h/p?X%2DAmz%2DSignature=" + V,
            "https://user:" + V + "@h/p",
            "https://" + V + "@h/p",
            "ftp://user:" + V + "@h:21/p?x=1",
        }.Select(u => new object[] { u });

        [Theory]
        [MemberData(nameof(SecretUrls))]
        public void A_credential_in_a_URL_is_masked_by_rule(string url)
        {
            var red = FrameRedactor.RedactUrl(url);
            Assert.DoesNotContain(V, red);
            Assert.Contains("***", red);
            Assert.StartsWith(url.Substring(0, url.IndexOf("://", StringComparison.Ordinal) + 3), red);
            // The same URL inside free text (an errmsg, a content) and inside a frame dump.
            Assert.DoesNotContain(V, FrameRedactor.RedactText("failed at " + url + " (see log)", 1000));
            var frame = "{\"cmd\":\"x\",\"headers\":{\"req_id\":\"r\"},\"body\":{\"url\":\"" + url
                + "\",\"note\":\"see " + url + "\"}}";
            Assert.DoesNotContain(V, FrameRedactor.Redact(new ArraySegment<byte>(Encoding.UTF8.GetBytes(frame))));
        }

        [Theory]
        [InlineData("https://h/p?a=1&b=two&chatid=wr1", "https://h/p?a=1&b=two&chatid=wr1")]
        [InlineData("https://h/p?q-sign-time=1;2&msgid=m", "https://h/p?q-sign-time=***;2&msgid=m")]
        [InlineData("https://h/p?token=", "https://h/p?token=***")]
        [InlineData("https://user:pw@h/p?Signature=s&x=1", "https://***@h/p?Signature=***&x=1")]
        [InlineData("mail me at someone@example.com", "mail me at someone@example.com")]
        [InlineData("", "")]
        public void Harmless_parts_stay_and_masked_parts_read_as_stars(string url, string expected)
        {
            Assert.Equal(expected, FrameRedactor.RedactUrl(url));
        }

        [Theory]
        [InlineData("secret")]
        [InlineData("aeskey")]
        [InlineData("aes_key")]
        [InlineData("access_token")]
        [InlineData("password")]
        [InlineData("client_secret")]
        [InlineData("Authorization")]
        [InlineData("x_credential")]
        public void A_secret_member_of_a_frame_is_masked_whatever_its_type(string name)
        {
            foreach (var value in new[] { "\"" + V + "\"", "12345678901234", "[\"" + V + "\"]", "{\"v\":\"" + V
                + "\"}" })
            {
                var frame = "{\"cmd\":\"x\",\"headers\":{\"req_id\":\"r\"},\"body\":{\"" + name + "\":" + value
                    + ",\"bot_id\":\"b\"}}";
                var red = FrameRedactor.Redact(new ArraySegment<byte>(Encoding.UTF8.GetBytes(frame)));
                Assert.DoesNotContain(V, red);
                Assert.DoesNotContain("12345678901234", red);
                Assert.Contains("\"bot_id\":\"b\"", red);
                Assert.DoesNotContain(V, FrameRedactor.RedactText(frame.Substring(0, frame.Length - 3), 1000));
            }
        }

        [Fact]
        public void Card_event_keys_and_task_ids_stay_readable_in_dumps()
        {
            var frame = "{\"cmd\":\"aibot_event_callback\",\"headers\":{\"req_id\":\"r\"}," +
                        "\"body\":{\"event\":{\"template_card_event\":" +
                        "{\"event_key\":\"ek1\",\"task_id\":\"t1\",\"question_key\":\"qk1\"}}}}";
            var red = FrameRedactor.Redact(new ArraySegment<byte>(Encoding.UTF8.GetBytes(frame)));
            Assert.Contains("ek1", red);
            Assert.Contains("t1", red);
            Assert.Contains("qk1", red);
        }

        [Fact]
        public void A_media_message_shows_no_URL_credential_in_ToString_Verbose_or_Debug()
        {
            using (var h = new SessionHarness())
            {
                h.Connect();
                var url = "https://b.cos.myqcloud.com/f?x-cos-security-token=" + V + "&X-Amz-Signature=" + V
                    + "&sign=" + V;
                h.Server.PushMessage("image", new { url, aeskey = V });
                h.WaitForInbox(1);
                var m = Assert.IsType<WecomPS.Message.Image>(Assert.Single(h.Drain()));
                Assert.Equal(url, m.Url);   // the object keeps the real URL: the download needs it
                Assert.DoesNotContain(V, m.ToString());
                Assert.Contains("x-cos-security-token=***", m.ToString());
                Assert.Contains(h.Log.Lines, l => l.StartsWith("Debug: <- ") && l.Contains("aibot_msg_callback"));
                Assert.DoesNotContain(h.Log.Lines, l => l.Contains(V));
            }
        }

        [Fact]
        public void Nothing_is_dumped_for_Debug_when_no_sink_shows_Debug()
        {
            using (var h = new SessionHarness())
            {
                var quiet = new VerboseOnlySink();
                var session = new WecomSession(h.Options());
                using (session.AttachLog(quiet))
                {
                    session.ConnectAsync(CancellationToken.None).Wait(SessionHarness.Wait);
                    Assert.Equal(WecomSessionState.Connected, session.State);
                    h.Server.PushText("hi");
                    Assert.True(SessionHarness.Eventually(() => session.InboxCount == 1, SessionHarness.Wait));
                }
                session.Dispose();
                Assert.Contains(quiet.Lines, l => l.StartsWith("Verbose: -> aibot_subscribe"));
                Assert.DoesNotContain(quiet.Lines, l => l.StartsWith("Debug:"));
            }
        }

        private sealed class VerboseOnlySink : ILogSink
        {
            private readonly ConcurrentQueue<string> _lines = new ConcurrentQueue<string>();
            public bool WantsDebug => false;
            public bool WantsVerbose => true;
            public void Write(LogLevel level, string message) => _lines.Enqueue(level + ": " + message);
            public IReadOnlyList<string> Lines => _lines.ToArray();
        }
    }
}
