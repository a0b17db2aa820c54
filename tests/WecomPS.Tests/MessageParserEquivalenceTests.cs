using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using WecomPS.Messages;
using WecomPS.Protocol;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// The common fields of a callback are read in one pass over the body's bytes (BodyFields, issue 14) instead of
    /// looked up in a parsed document. The oracle is the parser as it was (ReferenceMessageParser: JsonDocument
    /// lookups, last member wins), run on the same frames. For a seeded corpus of callbacks whose every field takes every JSON kind (escaped names, duplicates, numbers as ids,
    /// objects where a string belongs, invalid UTF-8, lone surrogates in names and values, dates as numbers, strings, milliseconds and text), both must
    /// agree on every public property of the message (quotes, items and selections included), or both must refuse
    /// the frame.
    /// </summary>
    public sealed class MessageParserEquivalenceTests
    {
        private static readonly string[] Fields =
            { "msgid", "aibotid", "chatid", "chattype", "msgtype", "response_url", "create_time", "created_at" };

        [Fact]
        public void Handwritten_edge_frames_agree_with_the_document()
        {
            var frames = new[]
            {
                Callback("\"msgid\":\"m1\",\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"},\"from\":{\"userid\":\"u\"}"),
                Callback("\"msgid\":\"m1\",\"msgid\":\"m2\",\"msgtype\":\"text\",\"text\":{\"content\":\"a\"}," +
                         "\"text\":{\"content\":\"b\"},\"from\":{\"userid\":\"u1\"},\"from\":{\"corpid\":\"c\"}"),
                Callback("\"\\u006dsgid\":\"esc\",\"msgtype\":\"te\\u0078t\",\"text\":{\"cont\\u0065nt\":\"\\u4f60\\n\"}"),
                Callback("\"msgid\":12345678901234567890,\"chattype\":true,\"chatid\":false,\"aibotid\":null," +
                         "\"msgtype\":\"voice\",\"voice\":{\"content\":1.5e3}"),
                Callback("\"msgid\":{\"a\":1},\"msgtype\":\"text\",\"text\":\"not an object\",\"from\":\"nobody\""),
                Callback("\"msgid\":\"t\",\"msgtype\":\"text\",\"text\":{\"content\":\"x\"},\"create_time\":\"1764700000\""),
                Callback("\"msgid\":\"t\",\"msgtype\":\"text\",\"create_time\":1764700000123"),
                Callback("\"msgid\":\"t\",\"msgtype\":\"text\",\"create_time\":\"2026-12-02T10:00:00+08:00\""),
                Callback("\"msgid\":\"t\",\"msgtype\":\"text\",\"create_time\":-5,\"created_at\":1764700000"),
                Callback("\"msgid\":\"t\",\"msgtype\":\"text\",\"create_time\":1e30,\"created_at\":\"junk\""),
                Callback("\"msgid\":\"t\",\"msgtype\":\"text\",\"create_time\":[1],\"created_at\":{\"x\":1}"),
                Callback("\"msgid\":\"e\",\"msgtype\":\"event\",\"event\":{\"eventtype\":\"enter_chat\"}"),
                Callback("\"msgid\":\"e\",\"msgtype\":\"text\",\"event\":{\"eventtype\":\"enter_chat\"},\"event\":1"),
                Callback("\"msgid\":\"q\",\"msgtype\":\"text\",\"text\":{\"content\":\"r\"}," +
                         "\"quote\":{\"msgtype\":\"text\",\"text\":{\"content\":\"quoted\"}}"),
                Callback("\"msgid\":\"q\",\"msgtype\":\"text\",\"quote\":{\"msgtype\":\"text\"},\"quote\":null"),
                Callback("\"msgid\":\"g\",\"chattype\":\"group\",\"msgtype\":\"text\",\"from\":{\"userid\":\"u\"}"),
                Callback("\"msgid\":\"s\",\"chattype\":\"single\",\"msgtype\":\"image\",\"image\":{\"url\":\"https://x/y\"}"),
                Callback("\"msgid\":\"u\",\"msgtype\":\"text.content\",\"text\":{\"content\":{\"content\":\"deep\"}}"),
                Callback("\"msgid\":\"n\",\"msgtype\":null,\"text\":{\"content\":\"x\"}"),
                Callback("\"msgid\":\"v\",\"msgtype\":\"text\",\"text\":{\"content\":\"x\"},\"voice\":{\"content\":\"\xFF\"}"),
                Callback("\"msgid\":\"v\",\"msgtype\":\"voice\",\"text\":{\"content\":\"\xFF\"},\"voice\":{\"content\":\"y\"}"),
                Callback("\"msgid\":\"v\",\"msgtype\":\"voice\",\"voice\":{\"content\":\"\xFF\",\"z\":[1,{}]}"),
                Callback("\"msgid\":\"w\",\"msgtype\":\"text\",\"create_time\":1764700000,\"created_at\":\"\xFF\""),
                Callback("\"msgid\":\"w\",\"msgtype\":\"text\",\"created_at\":\"\xFF\""),
                Callback("\"msgid\":\"\xFF\",\"msgtype\":\"text\""),
            };
            foreach (var f in frames) AssertSame(f);
        }

        /// <summary>
        /// A name or value escaped as a lone surrogate cannot be decoded. A document lookup walks the members from the
        /// last one back and fails only when it meets such a name before the one it looks for; a value fails only
        /// when it is the one that counts (the last of its name).
        /// </summary>
        [Fact]
        public void Undecodable_names_and_values_fail_only_where_a_lookup_met_them()
        {
            string all = "\"msgid\":\"m\",\"msgtype\":\"text\",\"aibotid\":\"a\",\"chattype\":\"single\",\"chatid\":\"c\"," +
                         "\"response_url\":\"r\",\"create_time\":1,\"from\":{\"userid\":\"u\"},\"text\":{\"content\":\"hi\"}," +
                         "\"event\":1,\"quote\":1";
            string longName = "\"" + string.Concat(Enumerable.Repeat("\\u0041", 25)) + "\\uD800\":1";
            var frames = new[]
            {
                // Every lookup finds its member after the bad name: the document never decodes it.
                Callback("\"\\uD800\":1," + all),
                Callback("\"x\\uDC00\":1," + all),
                // A lookup that goes past it (aibotid is missing) fails.
                Callback("\"\\uD800\":1," + all.Replace("\"aibotid\"", "\"aibot\"")),
                // A name too long to be any field's still fails a lookup that walks past it.
                Callback(longName + ",\"msgid\":\"m\",\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}"),
                Callback(all + "," + longName),
                Callback(longName + "," + all),
                // One level down: from.userid found before (from the end) the bad name, or not.
                Callback("\"msgid\":\"m\",\"msgtype\":\"text\",\"from\":{\"userid\":\"u\",\"\\uD800\":1}"),
                Callback("\"msgid\":\"m\",\"msgtype\":\"text\",\"from\":{\"\\uD800\":1,\"userid\":\"u\"}"),
                Callback("\"msgid\":\"m\",\"msgtype\":\"voice\",\"voice\":{\"content\":\"v\",\"\\uD800\":1}"),
                Callback("\"msgid\":\"m\",\"msgtype\":\"text\",\"voice\":{\"content\":\"v\",\"\\uD800\":1}"),
                // A value that is replaced by a later member of the same name never counts.
                Callback("\"msgid\":\"m\",\"msgtype\":\"\\uD800\",\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}"),
                Callback("\"msgid\":\"m\",\"chattype\":\"\\uDC00\",\"chattype\":\"group\",\"msgtype\":\"text\""),
                Callback("\"msgid\":\"m\",\"msgtype\":\"text\",\"chattype\":\"\\uD800\""),
            };
            foreach (var f in frames) AssertSame(f);
        }

        [Fact]
        public void A_seeded_corpus_of_mutated_callbacks_agrees_with_the_document()
        {
            var random = new Random(1402);
            for (int i = 0; i < 4000; i++) AssertSame(RandomCallback(random));
        }

        private static byte[] RandomCallback(Random rnd)
        {
            var members = new List<string>();
            foreach (var name in Fields.Concat(new[] { "from", "text", "voice", "event", "quote", "image", "other" }))
            {
                int copies = rnd.Next(10) == 0 ? 2 : rnd.Next(6) == 0 ? 0 : 1;
                for (int c = 0; c < copies; c++) members.Add(Name(rnd, name) + ":" + Value(rnd, name));
            }
            // Names no lookup can decode, somewhere among the members (before or after the ones looked up).
            if (rnd.Next(4) == 0) members.Add(BadName(rnd) + ":1");
            members = members.OrderBy(_ => rnd.Next()).ToList();
            return Callback(string.Join(",", members), rnd.Next(4) == 0 ? "aibot_event_callback" : "aibot_msg_callback");
        }

        private static string BadName(Random rnd) =>
            new[] { "\"\\uD800\"", "\"m\\uDC00\"", "\"msgid\\uD800\"",
                "\"" + string.Concat(Enumerable.Repeat("\\u0041", 25)) + "\\uD800\"" }[rnd.Next(4)];

        private static string Name(Random rnd, string name) =>
            rnd.Next(8) == 0 ? "\"\\u00" + ((int)name[0]).ToString("x2") + name.Substring(1) + "\"" : "\"" + name + "\"";

        private static string Value(Random rnd, string name)
        {
            switch (name)
            {
                case "from": return rnd.Next(5) == 0 ? Scalar(rnd) : "{\"userid\":" + Scalar(rnd) + ",\"corpid\":" + Scalar(rnd)
                    + (rnd.Next(6) == 0 ? ",\"userid\":" + Scalar(rnd) : "") + (rnd.Next(8) == 0 ? "," + BadName(rnd) + ":1" : "")
                    + "}";
                case "text":
                case "voice":
                case "image":
                    return rnd.Next(5) == 0 ? Scalar(rnd) : "{\"content\":" + Scalar(rnd) + ",\"url\":" + Scalar(rnd)
                        + (rnd.Next(6) == 0 ? ",\"content\":" + Scalar(rnd) : "")
                        + (rnd.Next(8) == 0 ? "," + BadName(rnd) + ":1" : "") + "}";
                case "event":
                case "quote":
                    return rnd.Next(3) == 0 ? Scalar(rnd)
                        : "{\"eventtype\":\"enter_chat\",\"msgtype\":\"text\",\"text\":{\"content\":" + Scalar(rnd) + "}}";
                case "msgtype":
                    return rnd.Next(3) == 0 ? Scalar(rnd) : "\"" + new[] { "text", "voice", "image", "event", "mixed", "te\\u0078t" }[rnd.Next(6)] + "\"";
                case "create_time":
                case "created_at":
                    return new[] { "1764700000", "\"1764700000\"", "1764700000123", "\"2026-12-02T10:00:00Z\"", "-5", "1e30",
                        "1.7647e9", "\"junk\"", "null", "[]", Scalar(rnd) }[rnd.Next(11)];
                default: return Scalar(rnd);
            }
        }

        private static string Scalar(Random rnd)
        {
            switch (rnd.Next(13))
            {
                case 0: return "12345";
                case 1: return "-0.5e2";
                case 2: return "true";
                case 3: return "false";
                case 4: return "null";
                case 5: return "{\"a\":[1,2]}";
                case 6: return "[\"x\"]";
                case 7: return "\"esc\\\"aped\\u4f60\\n\"";
                case 8: return "\"\xFF\xFE\"";
                case 9: return "\"\"";
                case 10: return "\"group\"";
                case 12: return rnd.Next(2) == 0 ? "\"\\uD800\"" : "\"te\\uDC00\"";   // a lone surrogate
                default: return "\"v" + rnd.Next(1000) + "\"";
            }
        }

        /// <summary>A callback frame; "\xFF" in the text becomes the raw byte 0xFF (invalid UTF-8).</summary>
        private static byte[] Callback(string body, string cmd = "aibot_msg_callback")
        {
            var json = "{\"cmd\":\"" + cmd + "\",\"headers\":{\"req_id\":\"r1\"},\"body\":{" + body + "}}";
            return json.Select(c => c == '\xFF' || c == '\xFE' ? (byte)c : (byte)0).Any(b => b != 0)
                ? Bytes(json) : Encoding.UTF8.GetBytes(json);
        }

        private static byte[] Bytes(string json)
        {
            var parts = new List<byte>();
            foreach (var c in json)
            {
                if (c == '\xFF' || c == '\xFE') parts.Add((byte)c);
                else parts.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
            return parts.ToArray();
        }

        private static void AssertSame(byte[] utf8)
        {
            var text = Encoding.UTF8.GetString(utf8);
            var frame = InboundFrame.Parse(new ArraySegment<byte>(utf8));
            WecomMessage expected = null, actual = null;
            Exception oracleError = null, parseError = null;
            try { expected = ReferenceMessageParser.Parse(frame, DateTimeOffset.UnixEpoch); }
            catch (InvalidOperationException e) { oracleError = e; }
            try { actual = MessageParser.Parse(frame, DateTimeOffset.UnixEpoch); }
            catch (InvalidOperationException e) { parseError = e; }

            if (oracleError != null || parseError != null)
            {
                Assert.True(oracleError != null && parseError != null,
                    "one refused, the other did not (" + (oracleError ?? parseError).Message + "): " + text);
                return;
            }
            Assert.True(expected.GetType() == actual.GetType(), expected.GetType() + " / " + actual.GetType() + ": " + text);
            AssertSameProperties(expected, actual, "message", text);
            // The body the user can still read is the frame's last body member, as a whole-frame document sees it.
            using var whole = JsonDocument.Parse(utf8);
            string raw = null, actualRaw = null;
            try { raw = whole.RootElement.GetProperty("body").GetRawText(); } catch (InvalidOperationException) { }
            try { actualRaw = actual.RawBody; } catch (InvalidOperationException) { }
            Assert.True(raw == actualRaw, "RawBody: " + text);
        }

        /// <summary>Every public property, recursively through quotes, items and selections.</summary>
        private static void AssertSameProperties(object expected, object actual, string path, string text)
        {
            if (expected == null || actual == null)
            {
                Assert.True(expected == null && actual == null, path + " is null on one side only: " + text);
                return;
            }
            var type = expected.GetType();
            if (type == typeof(string) || type.IsValueType)
            {
                Assert.True(Equals(expected, actual), path + ": " + expected + " / " + actual + ": " + text);
                return;
            }
            if (expected is System.Collections.IEnumerable list)
            {
                var a = list.Cast<object>().ToList(); var b = ((System.Collections.IEnumerable)actual).Cast<object>().ToList();
                Assert.True(a.Count == b.Count, path + " count: " + text);
                for (int i = 0; i < a.Count; i++) AssertSameProperties(a[i], b[i], path + "[" + i + "]", text);
                return;
            }
            foreach (var p in type.GetProperties())
            {
                if (p.GetIndexParameters().Length > 0 || p.Name == "RawBody" || p.Name == "SessionName"
                    || p.Name == "Age") continue;   // Age: now minus the send time, read a moment apart
                AssertSameProperties(p.GetValue(expected), p.GetValue(actual), path + "." + p.Name, text);
            }
        }
    }
}
