using System.Text.Json;

namespace WecomPS.Testing.Protocol
{
    /// <summary>The {cmd, headers:{req_id}, body} envelope of a client frame (docs/protocol.md §1.3).</summary>
    internal sealed class Envelope
    {
        public string Cmd { get; private set; }
        public string ReqId { get; private set; }
        public JsonElement Body { get; private set; }
        public bool HasBody { get; private set; }

        /// <summary>Null when the envelope is well formed.</summary>
        public string Problem { get; private set; }

        public static Envelope Read(JsonElement root)
        {
            var envelope = new Envelope();
            if (root.ValueKind != JsonValueKind.Object)
            {
                envelope.Problem = "frame is not a JSON object";
                return envelope;
            }

            if (root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object
                && headers.TryGetProperty("req_id", out var reqId) && reqId.ValueKind == JsonValueKind.String
                && reqId.GetString().Length > 0)
            {
                envelope.ReqId = reqId.GetString();
            }

            if (root.TryGetProperty("cmd", out var cmd) && cmd.ValueKind == JsonValueKind.String)
                envelope.Cmd = cmd.GetString();

            if (root.TryGetProperty("body", out var body))
            {
                envelope.Body = body;
                envelope.HasBody = true;
            }

            if (envelope.Cmd == null) envelope.Problem = "cmd must be a string";
            else if (envelope.Cmd.Length == 0) envelope.Problem = "cmd must not be empty";
            else if (headers.ValueKind != JsonValueKind.Object) envelope.Problem = "headers must be an object";
            else if (envelope.ReqId == null) envelope.Problem = "headers.req_id must be a non-empty string";
            else if (envelope.HasBody && body.ValueKind != JsonValueKind.Object) envelope.Problem =
                "body must be an object";
            return envelope;
        }
    }
}
