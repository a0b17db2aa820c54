using System;
using System.Globalization;
using System.Text.Json;

namespace WecomPS.Protocol
{
    /// <summary>Lenient readers: field types vary between server versions (docs/protocol.md §4: create_time as string
    /// or number).</summary>
    internal static class Json
    {
        public static int? ReadInt(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Number:
                    if (e.TryGetInt32(out var i)) return i;
                    // 1.5, 1e3: whole part when it fits; anything out of range is no value, never a wrapped one.
                    return e.TryGetDouble(out var d) && d >= int.MinValue && d <= int.MaxValue ? (int)d : (int?)null;
                case JsonValueKind.String: return int.TryParse(e.GetString(), NumberStyles.Integer,
                    CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
                default: return null;
            }
        }

        public static long? ReadLong(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Number:
                    if (e.TryGetInt64(out var i)) return i;
                    return e.TryGetDouble(out var d) ? WholeLong(d) : null;
                case JsonValueKind.String: return long.TryParse(e.GetString(), NumberStyles.Integer,
                    CultureInfo.InvariantCulture, out var s) ? s : (long?)null;
                default: return null;
            }
        }

        /// <summary>Reads a string at a dotted path (<c>"from.userid"</c>); numbers are returned as their
        /// text.</summary>
        public static string Str(JsonElement e, string path)
        {
            var found = Find(e, path);
            switch (found.ValueKind)
            {
                case JsonValueKind.String: return found.GetString();
                case JsonValueKind.Number: return found.GetRawText();
                case JsonValueKind.True: return "true";
                case JsonValueKind.False: return "false";
                default: return null;
            }
        }

        public static JsonElement Find(JsonElement e, string path)
        {
            // Walks the dotted path segment by segment without splitting it (no array, no strings per lookup).
            int start = 0;
            while (true)
            {
                int dot = path.IndexOf('.', start);
                int end = dot < 0 ? path.Length : dot;
                if (e.ValueKind != JsonValueKind.Object) return default;
                bool found = start == 0 && dot < 0
                    ? e.TryGetProperty(path, out e)
                    : e.TryGetProperty(path.AsSpan(start, end - start), out e);
                if (!found) return default;
                if (dot < 0) return e;
                start = dot + 1;
            }
        }

        /// <summary>Seconds (or milliseconds) since 1970 as a number or string, or a date string.</summary>
        /// <returns>
        /// Null when absent, unreadable or outside 1970-01-01..9999-12-31: a bad timestamp never costs the message.
        /// </returns>
        public static DateTimeOffset? UnixTime(JsonElement e, string path)
        {
            var found = Find(e, path);
            switch (found.ValueKind)
            {
                case JsonValueKind.Number:
                    return found.TryGetInt64(out var i) ? FromUnixSeconds(i)
                        : found.TryGetDouble(out var d) ? FromUnixSeconds(WholeLong(d)) : null;
                case JsonValueKind.String: return TimeFromText(found.GetString());
                default: return null;
            }
        }

        /// <summary>The whole part of a number when a long holds it, else null (never a wrapped value).</summary>
        internal static long? WholeLong(double d) => d >= -9.2e18 && d <= 9.2e18 ? (long)d : (long?)null;

        /// <summary>Seconds, or milliseconds when the number is too large to be seconds; null outside
        /// 1970..9999.</summary>
        internal static DateTimeOffset? FromUnixSeconds(long? value)
        {
            if (!value.HasValue) return null;
            long s = value.Value > 100_000_000_000 ? value.Value / 1000 : value.Value;
            return s >= 0 && s <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(s) : (DateTimeOffset?)null;
        }

        /// <summary>A string holding a number of seconds (or milliseconds), else a date.</summary>
        internal static DateTimeOffset? TimeFromText(string text)
        {
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                return FromUnixSeconds(n);
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
                out var parsed) ? parsed : (DateTimeOffset?)null;
        }

        /// <summary>9999-12-31T23:59:59Z, the last second a DateTimeOffset holds.</summary>
        private const long MaxUnixSeconds = 253_402_300_799;
    }
}
