using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using WecomPS.Session;

namespace WecomPS.Protocol
{
    /// <summary>
    /// A template card given as a hashtable, PSCustomObject or JSON string, normalised to JSON and checked against the
    /// required fields of docs/protocol.md §5.5 before anything is sent, so the user learns which field is missing.
    /// </summary>
    public sealed class TemplateCardBody
    {
        public static readonly string[] CardTypes = { "text_notice", "news_notice", "button_interaction",
            "vote_interaction", "multiple_interaction" };
        private static readonly Regex TaskIdPattern = new Regex(@"^[0-9A-Za-z_\-@]+$");

        public JsonElement Json { get; }
        public string CardType => Protocol.Json.Str(Json, "card_type");
        public string TaskId => Protocol.Json.Str(Json, "task_id");

        private TemplateCardBody(JsonElement json) { Json = json; }

        public static TemplateCardBody From(object card)
        {
            var value = card is PSObject pso && !(pso.BaseObject is PSCustomObject) ? pso.BaseObject : card;
            JsonElement json;
            if (value is string text)
            {
                try { using (var doc = JsonDocument.Parse(text)) json = doc.RootElement.Clone(); }
                catch (JsonException e) { throw Invalid("The card is not valid JSON: " + e.Message); }
            }
            else
            {
                using (var ms = new MemoryStream())
                {
                    using (var w = new Utf8JsonWriter(ms)) WriteValue(w, card, 0);
                    using (var doc = JsonDocument.Parse(ms.ToArray())) json = doc.RootElement.Clone();
                }
            }
            if (json.ValueKind != JsonValueKind.Object) throw Invalid(
                "The card must be an object (a hashtable, a PSCustomObject or a JSON object).");
            var result = new TemplateCardBody(json);
            result.Validate();
            return result;
        }

        /// <summary>Writes the card, adding <c>feedback.id</c> and a default <c>task_id</c> where given.</summary>
        public void WriteTo(Utf8JsonWriter w, string feedbackId = null, string defaultTaskId = null)
        {
            w.WriteStartObject();
            foreach (var p in Json.EnumerateObject())
            {
                if (feedbackId != null && p.Name == "feedback") continue;
                p.WriteTo(w);
            }
            if (defaultTaskId != null && TaskId == null) w.WriteString("task_id", defaultTaskId);
            if (feedbackId != null) { w.WriteStartObject("feedback"); w.WriteString("id",
                feedbackId); w.WriteEndObject(); }
            w.WriteEndObject();
        }

        private void Validate()
        {
            var type = CardType;
            if (type == null) throw Invalid("The card has no 'card_type'. Use one of: " + string.Join(", ", CardTypes)
                + ".");
            if (!CardTypes.Contains(type)) throw Invalid("Unknown card_type '" + type + "'. Use one of: "
                + string.Join(", ", CardTypes) + ".");
            bool Has(string path) => Protocol.Json.Find(Json, path).ValueKind != JsonValueKind.Undefined
                && Protocol.Json.Find(Json, path).ValueKind != JsonValueKind.Null;
            void Require(string path) { if (!Has(path)) throw Invalid("A " + type + " card needs '" + path + "'."); }
            void Count(string path, int min, int max)
            {
                var e = Protocol.Json.Find(Json, path);
                if (e.ValueKind == JsonValueKind.Undefined) return;
                int n = e.ValueKind == JsonValueKind.Array ? e.GetArrayLength() : -1;
                if (n < min || n > max) throw Invalid("'" + path + "' of a " + type + " card must be a list of " + min
                    + " to " + max + " items" + (n >= 0 ? "; it has " + n : "") + ".");
            }

            switch (type)
            {
                case "text_notice":
                    Require("card_action");
                    if (!Has("main_title.title") && !Has("sub_title_text")) throw Invalid(
                        "A text_notice card needs 'main_title.title' or 'sub_title_text'.");
                    if (Has("action_menu")) Require("task_id");
                    break;
                case "news_notice":
                    Require("main_title"); Require("card_action");
                    if (!Has("card_image") && !Has("image_text_area")) throw Invalid(
                        "A news_notice card needs 'card_image' or 'image_text_area'.");
                    Count("vertical_content_list", 0, 4);
                    break;
                case "button_interaction":
                    Require("main_title"); Require("button_list"); Require("task_id");
                    Count("button_list", 1, 6);
                    int i = 0;
                    foreach (var b in Protocol.Json.Find(Json, "button_list").EnumerateArray())
                    {
                        if (Protocol.Json.Str(b, "text") == null) throw Invalid("button_list[" + i + "] needs 'text'.");
                        var key = Protocol.Json.Str(b, "key");
                        if (key == null) throw Invalid("button_list[" + i
                            + "] needs 'key' (it comes back as EventKey).");
                        if (Encoding.UTF8.GetByteCount(key) > 1024) throw Invalid("button_list[" + i
                            + "].key is over 1024 bytes.");
                        i++;
                    }
                    break;
                case "vote_interaction":
                    Require("main_title"); Require("checkbox"); Require("submit_button"); Require("task_id");
                    Require("checkbox.option_list");
                    Count("checkbox.option_list", 1, 20);
                    break;
                case "multiple_interaction":
                    Require("main_title"); Require("select_list"); Require("submit_button");
                    Count("select_list", 1, 3);
                    int s = 0;
                    foreach (var sel in Protocol.Json.Find(Json, "select_list").EnumerateArray())
                    {
                        var opts = Protocol.Json.Find(sel, "option_list");
                        int n = opts.ValueKind == JsonValueKind.Array ? opts.GetArrayLength() : 0;
                        if (n < 1 || n > 10) throw Invalid("select_list[" + s
                            + "].option_list must have 1 to 10 options.");
                        s++;
                    }
                    break;
            }
            var task = TaskId;
            if (task != null && (!TaskIdPattern.IsMatch(task) || Encoding.UTF8.GetByteCount(task) > 128))
                throw Invalid("task_id '" + task + "' must be at most 128 bytes of letters, digits, _ - and @.");
            Count("horizontal_content_list", 0, 6);
            Count("jump_list", 0, 3);
            if (Has("action_menu")) Count("action_menu.action_list", 1, 3);
        }

        private static WecomException Invalid(string message) => new WecomException(ErrorIds.InvalidCard,
            ErrorCategory.InvalidArgument, message);

        /// <summary>Writes a PowerShell value (hashtable, PSCustomObject, array, scalar) as JSON.</summary>
        private static void WriteValue(Utf8JsonWriter w, object value, int depth)
        {
            if (depth > 32) throw Invalid("The card is nested too deeply.");
            if (value is PSObject pso)
            {
                if (pso.BaseObject is PSCustomObject)
                {
                    w.WriteStartObject();
                    foreach (var p in pso.Properties.Where(p => p.MemberType == PSMemberTypes.NoteProperty))
                    {
                        w.WritePropertyName(p.Name);
                        WriteValue(w, p.Value, depth + 1);
                    }
                    w.WriteEndObject();
                    return;
                }
                value = pso.BaseObject;
            }
            switch (value)
            {
                case null: w.WriteNullValue(); return;
                case string s: w.WriteStringValue(s); return;
                case bool b: w.WriteBooleanValue(b); return;
                case char c: w.WriteStringValue(c.ToString()); return;
                case Enum e: w.WriteStringValue(e.ToString()); return;
                case int or long or short or byte or sbyte or uint or ushort or ulong:
                    w.WriteNumberValue(Convert.ToInt64(value)); return;
                case float or double or decimal:
                    w.WriteNumberValue(Convert.ToDecimal(value)); return;
                case IDictionary dict:
                    w.WriteStartObject();
                    foreach (DictionaryEntry kv in dict)
                    {
                        w.WritePropertyName(Convert.ToString(kv.Key));
                        WriteValue(w, kv.Value, depth + 1);
                    }
                    w.WriteEndObject();
                    return;
                case IEnumerable list:
                    w.WriteStartArray();
                    foreach (var item in list) WriteValue(w, item, depth + 1);
                    w.WriteEndArray();
                    return;
                default:
                    w.WriteStringValue(value.ToString()); return;
            }
        }
    }
}
