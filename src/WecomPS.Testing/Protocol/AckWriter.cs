using System.IO;
using System.Text.Json;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Serializes acks: {"headers":{"req_id":...},"errcode":N,"errmsg":"...","body":{...}?}.</summary>
    internal static class AckWriter
    {
        public static byte[] Build(string reqId, int errcode, string errmsg, System.Action<Utf8JsonWriter> writeBody)
        {
            using (var stream = new MemoryStream(128))
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    writer.WriteStartObject();
                    writer.WriteStartObject("headers");
                    writer.WriteString("req_id", reqId);
                    writer.WriteEndObject();
                    writer.WriteNumber("errcode", errcode);
                    writer.WriteString("errmsg", errmsg);
                    if (writeBody != null)
                    {
                        writer.WriteStartObject("body");
                        writeBody(writer);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndObject();
                }
                return stream.ToArray();
            }
        }
    }
}
