using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>Conversions between PowerShell values and JSON, in the shapes ConvertTo-Json / ConvertFrom-Json
    /// use.</summary>
    internal static class PsJson
    {
        /// <summary>Hashtables and PSCustomObjects become objects, lists arrays, primitives values; anything else its
        /// string.</summary>
        public static JsonNode ToNode(object value, int depth = 0)
        {
            if (depth > 64) throw new ArgumentException("The value is nested more than 64 levels deep.");
            switch (value)
            {
                case null: return null;
                case PSObject pso when pso.BaseObject is PSCustomObject:
                {
                    var obj = new JsonObject();
                    foreach (var property in pso.Properties) obj[property.Name] = ToNode(property.Value, depth + 1);
                    return obj;
                }
                case PSObject pso: return ToNode(pso.BaseObject, depth);
                case JsonNode node: return node.DeepClone();
                case JsonElement element: return element.ValueKind == JsonValueKind.Undefined ? null
                    : JsonNode.Parse(element.GetRawText());
                case string s: return JsonValue.Create(s);
                case char c: return JsonValue.Create(c.ToString());
                case bool b: return JsonValue.Create(b);
                case SwitchParameter sw: return JsonValue.Create(sw.IsPresent);
                case byte n: return JsonValue.Create(n);
                case sbyte n: return JsonValue.Create(n);
                case short n: return JsonValue.Create(n);
                case ushort n: return JsonValue.Create(n);
                case int n: return JsonValue.Create(n);
                case uint n: return JsonValue.Create(n);
                case long n: return JsonValue.Create(n);
                case ulong n: return JsonValue.Create(n);
                case float n: return JsonValue.Create(n);
                case double n: return JsonValue.Create(n);
                case decimal n: return JsonValue.Create(n);
                case Enum e: return JsonValue.Create(e.ToString());
                case DateTime d: return JsonValue.Create(d.ToString("o"));
                case DateTimeOffset d: return JsonValue.Create(d.ToString("o"));
                case IDictionary dictionary:
                {
                    var obj = new JsonObject();
                    foreach (DictionaryEntry entry in dictionary) obj[Convert.ToString(entry.Key)] =
                        ToNode(entry.Value, depth + 1);
                    return obj;
                }
                case IEnumerable list:
                {
                    var array = new JsonArray();
                    foreach (var item in list) array.Add(ToNode(item, depth + 1));
                    return array;
                }
                default: return JsonValue.Create(value.ToString());
            }
        }

        /// <summary>Like ConvertFrom-Json: objects become PSCustomObjects, arrays object[], integers Int64.</summary>
        public static object FromElement(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                {
                    var obj = new PSObject();
                    foreach (var property in element.EnumerateObject())
                    {
                        var value = FromElement(property.Value);
                        var existing = obj.Properties[property.Name];
                        if (existing != null) existing.Value = value;   // duplicate key: the last one wins
                        else obj.Properties.Add(new PSNoteProperty(property.Name, value));
                    }
                    return obj;
                }
                case JsonValueKind.Array: return element.EnumerateArray().Select(FromElement).ToArray();
                case JsonValueKind.String: return element.GetString();
                case JsonValueKind.Number:
                    if (element.TryGetInt64(out var integer)) return integer;
                    return element.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: return null;
            }
        }
    }
}
