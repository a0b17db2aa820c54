using System.Text.Json;

namespace WecomPS.Testing.Protocol
{
    /// <summary>
    /// Typed field access that throws <see cref="RuleBrokenException"/> (a shape violation) when a field
    /// is missing or has the wrong JSON type. <paramref name="path"/> is only used in messages.
    /// </summary>
    internal static class Fields
    {
        public static JsonElement RequiredObject(JsonElement parent, string name, string path,
            int errcode = ErrorCodes.InvalidField)
        {
            if (!TryGet(parent, name, out var value) || value.ValueKind != JsonValueKind.Object)
                throw RuleBrokenException.Shape(errcode, path + " must be an object");
            return value;
        }

        public static string RequiredString(JsonElement parent, string name, string path,
            int errcode = ErrorCodes.InvalidField)
        {
            if (!TryGet(parent, name, out var value) || value.ValueKind != JsonValueKind.String)
                throw RuleBrokenException.Shape(errcode, path + " must be a string");
            return value.GetString();
        }

        public static string RequiredNonEmptyString(JsonElement parent, string name, string path,
            int errcode = ErrorCodes.InvalidField)
        {
            var text = RequiredString(parent, name, path, errcode);
            if (text.Length == 0) throw RuleBrokenException.Shape(errcode, path + " must not be empty");
            return text;
        }

        public static string OptionalString(JsonElement parent, string name, string path)
        {
            if (!TryGet(parent, name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String)
                throw RuleBrokenException.Shape(ErrorCodes.InvalidField, path + " must be a string");
            return value.GetString();
        }

        public static long RequiredInteger(JsonElement parent, string name, string path,
            int errcode = ErrorCodes.InvalidField)
        {
            if (!TryGet(parent, name, out var value) || value.ValueKind != JsonValueKind.Number
                || !value.TryGetInt64(out var number))
                throw RuleBrokenException.Shape(errcode, path + " must be an integer");
            return number;
        }

        public static bool? OptionalBool(JsonElement parent, string name, string path)
        {
            if (!TryGet(parent, name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind == JsonValueKind.True) return true;
            if (value.ValueKind == JsonValueKind.False) return false;
            throw RuleBrokenException.Shape(ErrorCodes.InvalidField, path + " must be a boolean");
        }

        public static bool TryGet(JsonElement parent, string name, out JsonElement value)
        {
            value = default;
            return parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value);
        }

        public static int Utf8Length(string text) => System.Text.Encoding.UTF8.GetByteCount(text);
    }
}
