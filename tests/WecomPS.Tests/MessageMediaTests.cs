using System.Linq;
using WecomPS.Media;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Which media a message carries and their fallback names: the core decides, Save-WecomMedia only saves.</summary>
    public sealed class MessageMediaTests
    {
        [Fact]
        public void Each_kind_of_message_names_its_media_and_a_quote_counts_only_when_asked()
        {
            using (var h = new SessionHarness())
            {
                h.Connect();
                h.Server.PushMessage("image", new { url = "https://example.com/a", aeskey = "k" }, msgId: "m/1:x");
                h.Server.PushMixed("look", new byte[] { 1, 2 }, new byte[] { 3 });
                h.Server.PushMessage("text", new { content = "see above" }, msgId: "m3",
                    quote: new { msgtype = "image", image = new { url = "https://example.com/q", aeskey = "k" } });
                h.WaitForInbox(3);
                var all = h.Drain();

                var image = MessageMedia.Of(all[0], includeQuote: false);
                Assert.Equal("image_m1x", Assert.Single(image).NameHint);   // only [A-Za-z0-9_-] of the msgid

                var mixed = MessageMedia.Of(all[1], includeQuote: false);
                Assert.Equal(2, mixed.Count);
                Assert.All(mixed, r => Assert.Equal("image", r.MsgType));
                Assert.Equal(new[] { 1, 2 }, mixed.Select(r => int.Parse(r.NameHint.Substring(r.NameHint.LastIndexOf('_') + 1))));

                Assert.Empty(MessageMedia.Of(all[2], includeQuote: false));
                Assert.Equal("quote_text_m3", Assert.Single(MessageMedia.Of(all[2], includeQuote: true)).NameHint);
            }
        }
    }
}
