using System;
using System.Runtime.InteropServices;
using System.Security;

namespace WecomPS.Protocol
{
    /// <summary>
    /// <c>aibot_subscribe</c> (docs/protocol.md §2): the bot id and the secret. The secret goes from the SecureString
    /// into the frame's bytes without ever becoming a managed string, and the frame is wiped when it is disposed.
    /// </summary>
    public static class SubscribeFrame
    {
        public static OutboundFrame Create(string reqId, string botId, SecureString secret) =>
            OutboundFrame.Create(WecomCommands.Subscribe, reqId, w =>
            {
                w.WriteString("bot_id", botId);
                WriteSecret(w, secret);
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
