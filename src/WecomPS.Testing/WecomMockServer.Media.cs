using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using WecomPS.Testing.Server;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private const string MediaPathPrefix = "/media/";

        /// <summary>
        /// Encrypts <paramref name="plain"/> per docs/protocol.md §7 and serves it at GET /media/&lt;token&gt; until
        /// <paramref name="lifetime"/> (default <see cref="MockServerOptions.MediaUrlLifetime"/>) passes, then 403.
        /// <paramref name="contentDisposition"/>: null = attachment; filename*=UTF-8''&lt;pct&gt;, "" = no header, else
        /// served verbatim.
        /// </summary>
        public RegisteredMedia RegisterMedia(byte[] plain, string fileName, TimeSpan? lifetime = null,
            string contentDisposition = null,
            MediaCorruption corruption = MediaCorruption.None)
        {
            var expiresAt = Now + (lifetime ?? Options.MediaUrlLifetime);
            return _media.Register(HttpBase, plain, fileName, expiresAt, contentDisposition, corruption);
        }

        /// <summary>The media registered under a token or URL, or null.</summary>
        public RegisteredMedia FindMedia(string tokenOrUrl)
        {
            var token = tokenOrUrl;
            int at = token.IndexOf(MediaPathPrefix, StringComparison.Ordinal);
            if (at >= 0) token = token.Substring(at + MediaPathPrefix.Length);
            int query = token.IndexOf('?');
            if (query >= 0) token = token.Substring(0, query);
            return _media.Find(token);
        }

        private DateTimeOffset Now
        {
            get { lock (_state.Sync) return _state.Now; }
        }

        private async Task ServeHttpAsync(Socket socket, System.IO.Stream stream, HttpRequestHead head)
        {
            var isGet = head.Method == "GET" || head.Method == "HEAD";
            var media = isGet && head.Path.StartsWith(MediaPathPrefix, StringComparison.Ordinal)
                ? _media.Find(head.Path.Substring(MediaPathPrefix.Length))
                : null;

            if (media == null)
            {
                await HttpResponses.WriteTextAsync(stream, 404, "Not Found", "not found", _stopping.Token)
                    .ConfigureAwait(false);
            }
            else if (Now >= media.ExpiresAt)
            {
                // Like an expired COS pre-signed URL.
                await HttpResponses.WriteTextAsync(stream, 403, "Forbidden",
                    "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", _stopping.Token)
                        .ConfigureAwait(false);
            }
            else
            {
                await HttpResponses.WriteMediaAsync(stream, media.Cipher, media.ContentDisposition,
                    head.Method == "HEAD", _stopping.Token).ConfigureAwait(false);
                media.CountDownload();
            }
            socket.Shutdown(SocketShutdown.Send);
            socket.Close();
        }
    }
}
