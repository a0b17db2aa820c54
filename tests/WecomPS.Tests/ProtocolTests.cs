using System;
using System.Linq;
using System.Text;
using WecomPS.Messages;
using WecomPS.Protocol;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Plain unit tests of the protocol layer: no socket, no PowerShell.</summary>
    public sealed class ProtocolTests
    {
        [Fact]
        public void Raw_control_characters_inside_strings_are_escaped_and_the_text_survives()
        {
            var raw = "{\"cmd\":\"x\",\"headers\":{\"req_id\":\"r\"},\"body\":{\"t\":\"a\u001bb\rc\u0001\",\"n\":1}}";
            var frame = InboundFrame.Parse(new ArraySegment<byte>(Encoding.UTF8.GetBytes(raw)));
            Assert.Equal("a\u001bb\rc\u0001", frame.Body.GetProperty("t").GetString());
        }

        [Fact]
        public void Whitespace_between_tokens_is_left_alone()
        {
            var raw = "{\r\n\t\"headers\" : {\"req_id\":\"r1\"},\n \"errcode\": 0, \"errmsg\":\"ok\"}";
            var frame = InboundFrame.Parse(new ArraySegment<byte>(Encoding.UTF8.GetBytes(raw)));
            Assert.True(frame.IsAck);
            Assert.Equal(0, frame.ErrCode);
        }

        [Theory]
        [InlineData("not json")]
        [InlineData("[1,2]")]
        [InlineData("{\"x\":1}")]
        public void Garbage_is_a_format_exception(string raw)
        {
            Assert.Throws<FormatException>(() => InboundFrame.Parse(raw));
        }

        [Fact]
        public void Splitting_respects_the_byte_limit_and_never_cuts_a_character()
        {
            var text = string.Concat(Enumerable.Repeat("中文😀abc\n", 3000));   // 3- and 4-byte characters
            var pieces = ContentSplitter.Split(text, 20480);
            Assert.True(pieces.Count > 1);
            Assert.All(pieces, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 20480));
            Assert.Equal(text, string.Concat(pieces));
            Assert.All(pieces, p => Assert.False(char.IsHighSurrogate(p[p.Length - 1])));
        }

        [Fact]
        public void Redaction_masks_secret_keys_chunk_data_and_url_signatures()
        {
            var json = "{\"cmd\":\"aibot_subscribe\",\"headers\":{\"req_id\":\"r\"},\"body\":{\"bot_id\":\"b\",\"secret\":\"TOPSECRET\"," +
                       "\"image\":{\"url\":\"https://x/y?sign=SIGVALUE&a=1\",\"aeskey\":\"KEYVALUE\"},\"base64_data\":\"QUJDRA==\"}}";
            var red = FrameRedactor.Redact(new ArraySegment<byte>(Encoding.UTF8.GetBytes(json)));
            Assert.DoesNotContain("TOPSECRET", red);
            Assert.DoesNotContain("KEYVALUE", red);
            Assert.DoesNotContain("SIGVALUE", red);
            Assert.DoesNotContain("QUJDRA==", red);
            Assert.Contains("\"bot_id\":\"b\"", red);
            Assert.DoesNotContain("TOPSECRET", FrameRedactor.RedactText("{\"secret\":\"TOPSECRET\" broken"));
        }

        [Fact]
        public void Every_inbound_type_becomes_its_object_type_with_nested_or_flat_fields()
        {
            WecomMessage Parse(string body, string cmd = "aibot_msg_callback") =>
                MessageParser.Parse(InboundFrame.Parse("{\"cmd\":\"" + cmd + "\",\"headers\":{\"req_id\":\"R1\"},\"body\":" + body + "}"), DateTimeOffset.Now);

            var mixed = Assert.IsType<WecomPS.Message.Mixed>(Parse("{\"msgid\":\"m\",\"chattype\":\"group\",\"chatid\":\"wr1\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"mixed\",\"mixed\":{\"msg_item\":[{\"msgtype\":\"text\",\"text\":{\"content\":\"look\"}},{\"msgtype\":\"image\",\"image\":{\"url\":\"http://x\",\"aeskey\":\"k\"}}]}}"));
            Assert.Equal("look", mixed.Content);
            Assert.Single(mixed.Images);
            Assert.Equal("WecomPS.Message.Mixed", mixed.PSTypeName);

            var quoted = Parse("{\"msgid\":\"m2\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"},\"quote\":{\"msgtype\":\"image\",\"image\":{\"url\":\"http://q\",\"aeskey\":\"k2\"}}}");
            Assert.Equal("http://q", quoted.Quote.Url);
            Assert.Equal("u", quoted.ChatId);   // single chat: the sender is the conversation

            var video = Assert.IsType<WecomPS.Message.Video>(Parse("{\"msgid\":\"v\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"video\",\"video\":{\"url\":\"http://v\",\"aeskey\":\"k\"},\"create_time\":\"1767225600\"}"));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), video.CreateTime);
            Assert.IsType<WecomPS.Message.File>(Parse("{\"msgid\":\"f\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"file\",\"file\":{\"url\":\"http://f\",\"aeskey\":\"k\"}}"));
            var unknown = Assert.IsType<WecomPS.Message.Unknown>(Parse("{\"msgid\":\"x\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"location\",\"location\":{\"lat\":1}}"));
            Assert.Contains("\"lat\"", unknown.RawBody);

            var nested = Assert.IsType<WecomPS.Event.TemplateCard>(Parse("{\"msgid\":\"e\",\"chattype\":\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"event\",\"event\":{\"eventtype\":\"template_card_event\",\"template_card_event\":{\"card_type\":\"button_interaction\",\"event_key\":\"ok\",\"task_id\":\"t1\",\"selected_items\":{\"selected_item\":[{\"question_key\":\"q\",\"option_ids\":{\"option_id\":[\"a\",\"b\"]}}]}}}}", "aibot_event_callback"));
            Assert.Equal(("ok", "t1"), (nested.EventKey, nested.TaskId));
            Assert.Equal(new[] { "a", "b" }, nested.SelectedItems[0].OptionIds);
            var flat = Assert.IsType<WecomPS.Event.TemplateCard>(Parse("{\"msgid\":\"e2\",\"msgtype\":\"event\",\"event\":{\"eventtype\":\"template_card_event\",\"event_key\":\"no\",\"task_id\":\"t2\"}}", "aibot_event_callback"));
            Assert.Equal(("no", "t2"), (flat.EventKey, flat.TaskId));
            Assert.IsType<WecomPS.Event.Disconnected>(Parse("{\"msgid\":\"e3\",\"msgtype\":\"event\",\"event\":{\"eventtype\":\"disconnected_event\"}}", "aibot_event_callback"));
            var other = Assert.IsType<WecomPS.Event.Unknown>(Parse("{\"msgid\":\"e4\",\"msgtype\":\"event\",\"event\":{\"eventtype\":\"enter_check_update\"}}", "aibot_event_callback"));
            Assert.Equal("enter_check_update", other.EventType);
            Assert.Equal("WecomPS.Event.Unknown", other.PSTypeName);
        }

        [Theory]
        [InlineData("{\"card_type\":\"button_interaction\",\"main_title\":{\"title\":\"t\"},\"button_list\":[{\"text\":\"a\",\"key\":\"k\"}]}", "task_id")]
        [InlineData("{\"main_title\":{\"title\":\"t\"}}", "card_type")]
        [InlineData("{\"card_type\":\"fancy\"}", "Unknown card_type")]
        [InlineData("{\"card_type\":\"text_notice\",\"main_title\":{\"title\":\"t\"}}", "card_action")]
        [InlineData("{\"card_type\":\"button_interaction\",\"task_id\":\"t\",\"main_title\":{\"title\":\"t\"},\"button_list\":[{\"text\":\"a\"}]}", "key")]
        [InlineData("{\"card_type\":\"vote_interaction\",\"task_id\":\"t\",\"main_title\":{},\"checkbox\":{\"option_list\":[]},\"submit_button\":{}}", "1 to 20")]
        [InlineData("{\"card_type\":\"text_notice\",\"main_title\":{\"title\":\"t\"},\"card_action\":{\"type\":1},\"task_id\":\"bad id!\"}", "task_id")]
        public void Card_validation_names_what_is_wrong(string json, string mentioned)
        {
            var e = Assert.Throws<WecomPS.Session.WecomException>(() => TemplateCardBody.From(json));
            Assert.Equal("WecomInvalidCard", e.ErrorId);
            Assert.Contains(mentioned, e.Message);
        }
    }
}
