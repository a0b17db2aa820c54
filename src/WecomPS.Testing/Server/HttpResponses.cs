using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Server
{
    /// <summary>The few HTTP responses the double writes by hand.</summary>
    internal static class HttpResponses
    {
        private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

        public static string AcceptKey(string secWebSocketKey)
        {
            using (var sha1 = SHA1.Create())
                return Convert.ToBase64String(sha1.ComputeHash(Encoding.ASCII.GetBytes(secWebSocketKey.Trim()
                    + WebSocketGuid)));
        }

        public static Task WriteSwitchingProtocolsAsync(Stream stream, string secWebSocketKey,
            CancellationToken cancellation)
        {
            var head = "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + AcceptKey(secWebSocketKey) + "\r\n\r\n";
            return WriteAsync(stream, Encoding.ASCII.GetBytes(head), cancellation);
        }

        public static Task WriteTextAsync(Stream stream, int status, string reason, string body,
            CancellationToken cancellation, string extraHeaders = "")
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + bytes.Length + "\r\n"
                + extraHeaders
                + "Connection: close\r\n\r\n";
            return WriteHeadAndBodyAsync(stream, head, bytes, cancellation);
        }

        public static Task WriteMediaAsync(Stream stream, byte[] cipher, string contentDisposition, bool headOnly,
            CancellationToken cancellation)
        {
            var head = "HTTP/1.1 200 OK\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + cipher.Length + "\r\n"
                + (contentDisposition != null ? "Content-Disposition: " + contentDisposition + "\r\n" : "")
                + "Connection: close\r\n\r\n";
            return WriteHeadAndBodyAsync(stream, head, headOnly ? Array.Empty<byte>() : cipher, cancellation);
        }

        private static async Task WriteHeadAndBodyAsync(Stream stream, string head, byte[] body,
            CancellationToken cancellation)
        {
            // Header values may hold arbitrary (hostile) text; send them as UTF-8 bytes unchanged.
            await WriteAsync(stream, Encoding.UTF8.GetBytes(head), cancellation).ConfigureAwait(false);
            if (body.Length > 0) await WriteAsync(stream, body, cancellation).ConfigureAwait(false);
            await stream.FlushAsync(cancellation).ConfigureAwait(false);
        }

        private static Task WriteAsync(Stream stream, byte[] bytes, CancellationToken cancellation) =>
            stream.WriteAsync(bytes, 0, bytes.Length, cancellation);
    }
}
