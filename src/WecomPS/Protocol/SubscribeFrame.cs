using System;
using System.Runtime.InteropServices;
using System.Security;

namespace WecomPS.Protocol
{
    /// <summary>
    /// <c>aibot_subscribe</c> (docs/protocol.md §2): the bot id, the secret and the optional scene and
    /// plug_version. The secret goes from the SecureString
    /// into the frame's bytes without ever becoming a managed string, and the frame is wiped when it is disposed.
    /// </summary>
    public static class SubscribeFrame
    {
        public static OutboundFrame Create(string reqId, string botId, SecureString secret) =>
            Create(reqId, botId, secret, null, null);

        /// <summary>
        /// With the optional keys the SDK merges in when configured: <c>scene</c> (a number) and
        /// <c>plug_version</c> (a string), each written only when given.
        /// </summary>
        public static OutboundFrame Create(string reqId, string botId, SecureString secret, int? scene,
            string plugVersion) =>
            OutboundFrame.Create(WecomCommands.Subscribe, reqId, w =>
            {
                w.WriteString("bot_id", botId);
                WriteSecret(w, secret);
                if (scene.HasValue) w.WriteNumber("scene", scene.Value);
                if (plugVersion != null) w.WriteString("plug_version", plugVersion);
            }, sensitive: true);

        private static unsafe void WriteSecret(System.Text.Json.Utf8JsonWriter w, SecureString secret)
        {
            IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                w.WriteString("secret", new ReadOnlySpan<char>((void*)ptr, secret.Length));
            }
            finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
        }
    }
}
