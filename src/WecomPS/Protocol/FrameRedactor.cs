using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WecomPS.Protocol
{
    /// <summary>
    /// Makes frames safe to show: the secret and aes keys are masked, chunk data is summarised, and the signature
    /// part of media URLs is cut. Used for every -Debug frame dump and every "skipped frame" excerpt.
    /// </summary>
    public static class FrameRedactor
    {
        private const string Mask = "***";
        private static readonly Regex SignedQuery = new Regex(@"([?&](?:sign|q-signature|signature|q-sign-time|q-key-time|q-ak|response_code|token)=)[^&""\s]*", RegexOptions.IgnoreCase | RegexOptions.Compiled);

        public static string Redact(ArraySegment<byte> utf8, int maxChars = 4000)
        {
            try
            {
                var cleaned = ControlCharEscaper.Escape(utf8);
                using (var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(cleaned.Array, cleaned.Offset, cleaned.Count)))
                using (var ms = new MemoryStream())
                {
                    using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                        Write(doc.RootElement, null, w);
                    return Truncate(Encoding.UTF8.GetString(ms.ToArray()), maxChars);
                }
            }
            catch (JsonException)
            {
                // Not JSON: never show it raw, it may hold anything. Show its size and a masked excerpt.
                return RedactText(Encoding.UTF8.GetString(utf8.Array, utf8.Offset, Math.Min(utf8.Count, 200)), 200) + " (" + utf8.Count + " bytes, not JSON)";
            }
        }

        /// <summary>Best effort for text that is not a whole JSON frame: masks key/value pairs that look secret.</summary>
        public static string RedactText(string text, int maxChars = 200)
        {
            if (text == null) return null;
            text = Regex.Replace(text, @"(""(?:secret|aeskey|aes_key)""\s*:\s*"")[^""]*", "$1" + Mask, RegexOptions.IgnoreCase);
            text = Regex.Replace(text, @"(""base64_data""\s*:\s*"")[^""]*", "$1…", RegexOptions.IgnoreCase);
            text = SignedQuery.Replace(text, "$1" + Mask);
            var sb = new StringBuilder(text.Length);
            foreach (var c in text) sb.Append(c < 0x20 ? ' ' : c);
            return Truncate(sb.ToString(), maxChars);
        }

        public static string RedactUrl(string url) => url == null ? null : SignedQuery.Replace(url, "$1" + Mask);

        private static string Truncate(string s, int max) => s.Length <= max ? s : s.Substring(0, max) + "…";

        private static void Write(JsonElement e, string name, Utf8JsonWriter w)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    w.WriteStartObject();
                    foreach (var p in e.EnumerateObject()) { w.WritePropertyName(p.Name); Write(p.Value, p.Name, w); }
                    w.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    w.WriteStartArray();
                    foreach (var item in e.EnumerateArray()) Write(item, name, w);
                    w.WriteEndArray();
                    break;
                case JsonValueKind.String:
                    w.WriteStringValue(RedactValue(name, e.GetString()));
                    break;
                default:
                    e.WriteTo(w);
                    break;
            }
        }

        private static string RedactValue(string name, string value)
        {
            switch (name?.ToLowerInvariant())
            {
                case "secret":
                case "aeskey":
                case "aes_key":
                    return Mask;
                case "base64_data":
                    return "<" + value.Length + " base64 chars>";
                case "url":
                case "response_url":
                    return RedactUrl(value);
                default:
                    return value;
            }
        }
    }
}
