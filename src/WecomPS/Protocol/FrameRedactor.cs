using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WecomPS.Protocol
{
    /// <summary>
    /// Makes frames, URLs and server text safe to show: secrets and aes keys are masked, chunk data is summarised,
    /// and URL credentials are cut by rule (any query parameter whose name looks secret, and user:password@).
    /// Used for every -Debug frame dump, every "skipped frame" excerpt, download Verbose lines and ToString().
    /// </summary>
    public static class FrameRedactor
    {
        private const string Mask = "***";

        // A query or fragment parameter: separator, name, '=', value (up to the next separator, space or quote).
        private static readonly Regex QueryParam = new Regex(
            @"(?<sep>[?&;#])(?<name>[^=&;#?\s""'<>]+)=(?<value>[^&;#\s""'<>]*)",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        // scheme://user:password@host or scheme://token@host: everything before '@' in the authority goes.
        private static readonly Regex UserInfo = new Regex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/?#@\s""'<>]+@",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        // Secret-looking JSON member of text that is not a whole frame: "secret":"...", "aes_key":"...", "token":"..."
        // The value: a string (maybe cut short), or a scalar up to the next comma, brace or bracket.
        private static readonly Regex SecretMember = new Regex(
            @"(""(?<name>[^""\\]{1,64})""\s*:\s*)(?<value>""[^""]*""?|[^,}\]\s{\[][^,}\]\s]*)",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        // An object or array under a secret name (the same names as IsSecretMember), up to its first closing bracket.
        private static readonly Regex SecretContainer = new Regex(
            @"(""(?i:[^""\\]*(?:secret|token|password|passwd|credential|auth)[^""\\]*" +
            @"|aeskey|aes_key|key|sign|signature|code)""" +
            @"\s*:\s*)[\[{][^}\]]*[}\]]?",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private static readonly string[] SecretNameParts =
            { "token", "sign", "sig", "secret", "credential", "password", "passwd", "pwd", "key", "auth", "session" };

        /// <summary>
        /// True for a URL parameter name that may carry a credential: case-insensitive names containing token, sign,
        /// sig, secret, credential, password, key, auth or session, every x-amz-*, x-cos-*, x-goog-* and x-oss-*
        /// parameter, COS's q-ak, and WeCom's response_code.
        /// </summary>
        public static bool IsSecretParameter(string name)
        {
            if (string.IsNullOrEmpty(name)) return false;
            string n;
            try { n = Uri.UnescapeDataString(name).ToLowerInvariant(); }
            catch (UriFormatException) { n = name.ToLowerInvariant(); }
            if (n.StartsWith("x-amz-", StringComparison.Ordinal) || n.StartsWith("x-cos-", StringComparison.Ordinal) ||
                n.StartsWith("x-goog-", StringComparison.Ordinal) || n.StartsWith("x-oss-", StringComparison.Ordinal))
                return true;
            if (n == "q-ak" || n == "response_code" || n == "code") return true;
            foreach (var part in SecretNameParts) if (n.IndexOf(part, StringComparison.Ordinal) >= 0) return true;
            return false;
        }

        /// <summary>
        /// True for a JSON member whose value is a secret: its value is never read, only masked. Narrower than the URL
        /// rule on purpose: frames carry event_key, question_key and task_id, which a user needs to see.
        /// </summary>
        public static bool IsSecretMember(string name)
        {
            if (string.IsNullOrEmpty(name)) return false;
            var n = name.ToLowerInvariant();
            return n == "aeskey" || n == "aes_key" || n == "key" || n == "sign" || n == "signature" || n == "code" ||
                   n.Contains("secret") || n.Contains("token") || n.Contains("password") || n.Contains("passwd") ||
                   n.Contains("credential") || n.Contains("auth");
        }

        /// <param name="allowRawExcerpt">
        /// When the bytes are not JSON, show a masked excerpt of them (false: only their size; used for frames that
        /// hold a secret, so that its text is never decoded into a string).
        /// </param>
        public static string Redact(ArraySegment<byte> utf8, int maxChars = 4000, bool allowRawExcerpt = true)
        {
            try
            {
                var cleaned = ControlCharEscaper.Escape(utf8);
                var json = new ReadOnlyMemory<byte>(cleaned.Array, cleaned.Offset, cleaned.Count);
                using (var doc = JsonDocument.Parse(json))
                using (var ms = new MemoryStream())
                {
                    var options = new JsonWriterOptions
                    {
                        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                        SkipValidation = true,
                    };
                    using (var w = new Utf8JsonWriter(ms, options))
                        Write(doc.RootElement, null, w);
                    return Truncate(Encoding.UTF8.GetString(ms.ToArray()), maxChars);
                }
            }
            catch (Exception e) when (e is JsonException || e is InvalidOperationException || e is ArgumentException)
            {
                // Not JSON: never show it raw, it may hold anything. Show its size and a masked excerpt.
                var size = " (" + utf8.Count + " bytes, not JSON)";
                if (!allowRawExcerpt) return "(not shown)" + size;
                var head = Encoding.UTF8.GetString(utf8.Array, utf8.Offset, Math.Min(utf8.Count, 200));
                return RedactText(head, 200) + size;
            }
        }

        /// <summary>
        /// Best effort for text that is not a whole JSON frame: masks secret-looking members and URL credentials.
        /// </summary>
        public static string RedactText(string text, int maxChars = 200)
        {
            if (text == null) return null;
            text = SecretContainer.Replace(text, "$1\"" + Mask + "\"");
            text = SecretMember.Replace(text, m =>
            {
                var name = m.Groups["name"].Value;
                if (IsSecretMember(name)) return m.Groups[1].Value + "\"" + Mask + "\"";
                if (name.Equals("base64_data", StringComparison.OrdinalIgnoreCase))
                    return m.Groups[1].Value + "\"…\"";
                return m.Value;
            });
            text = RedactUrl(text);
            var sb = new StringBuilder(text.Length);
            foreach (var c in text) sb.Append(c < 0x20 ? ' ' : c);
            return Truncate(sb.ToString(), maxChars);
        }

        /// <summary>
        /// A URL (or any text holding URLs) with the value of every secret-looking parameter and the user info masked.
        /// </summary>
        public static string RedactUrl(string url)
        {
            if (url == null) return null;
            if (url.IndexOf('=') >= 0)
                url = QueryParam.Replace(url, m => IsSecretParameter(m.Groups["name"].Value)
                    ? m.Groups["sep"].Value + m.Groups["name"].Value + "=" + Mask
                    : m.Value);
            if (url.IndexOf('@') >= 0) url = UserInfo.Replace(url, "${scheme}" + Mask + "@");
            return url;
        }

        private static string Truncate(string s, int max) => s.Length <= max ? s : s.Substring(0, max) + "…";

        private static void Write(JsonElement e, string name, Utf8JsonWriter w)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object when IsSecretMember(name):
                case JsonValueKind.Array when IsSecretMember(name):
                    w.WriteStringValue(Mask);
                    break;
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
                    // The name decides first: the value of a secret member is never turned into a string.
                    if (IsSecretMember(name)) w.WriteStringValue(Mask);
                    else if (string.Equals(name, "base64_data", StringComparison.OrdinalIgnoreCase))
                        w.WriteStringValue("<" + (e.GetRawText().Length - 2) + " base64 chars>");
                    else w.WriteStringValue(RedactUrl(e.GetString()));
                    break;
                default:
                    if (IsSecretMember(name)) w.WriteStringValue(Mask);
                    else e.WriteTo(w);
                    break;
            }
        }
    }
}
