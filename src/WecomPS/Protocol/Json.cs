using System;
using System.Globalization;
using System.Text.Json;

namespace WecomPS.Protocol
{
    /// <summary>Lenient readers: field types vary between server versions (docs/protocol.md §4: create_time as string or number).</summary>
    internal static class Json
    {
        public static int? ReadInt(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Number: return e.TryGetInt32(out var i) ? i : (int?)(int)e.GetDouble();
                case JsonValueKind.String: return int.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
                default: return null;
            }
        }

        public static long? ReadLong(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Number: return e.TryGetInt64(out var i) ? i : (long?)(long)e.GetDouble();
                case JsonValueKind.String: return long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : (long?)null;
                default: return null;
            }
        }

        /// <summary>Reads a string at a dotted path (<c>"from.userid"</c>); numbers are returned as their text.</summary>
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
            foreach (var part in path.Split('.'))
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e)) return default;
            }
            return e;
        }

        public static DateTimeOffset? UnixTime(JsonElement e, string path)
        {
            var found = Find(e, path);
            if (found.ValueKind == JsonValueKind.Undefined) return null;
            var secs = ReadLong(found);
            if (secs.HasValue) return DateTimeOffset.FromUnixTimeSeconds(secs.Value > 100_000_000_000 ? secs.Value / 1000 : secs.Value);
            if (found.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(found.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return parsed;
            return null;
        }
    }
}
