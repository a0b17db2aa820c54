using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Server
{
    /// <summary>The request line and headers of an HTTP/1.1 request, read by hand from the socket.</summary>
    internal sealed class HttpRequestHead
    {
        private const int MaxHeadBytes = 32 * 1024;

        private HttpRequestHead(string method, string target, string version, Dictionary<string, string> headers,
            byte[] leftover)
        {
            Method = method;
            Target = target;
            Version = version;
            Headers = headers;
            Leftover = leftover;
        }

        public string Method { get; }

        /// <summary>The request target as sent, e.g. "/media/abc?sign=x".</summary>
        public string Target { get; }

        public string Version { get; }
        public IReadOnlyDictionary<string, string> Headers { get; }

        /// <summary>Bytes read past the end of the head (belong to whatever follows).</summary>
        public byte[] Leftover { get; }

        public string Path
        {
            get
            {
                int query = Target.IndexOf('?');
                return query < 0 ? Target : Target.Substring(0, query);
            }
        }

        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        public bool HeaderHasToken(string name, string token)
        {
            var value = Header(name);
            if (value == null) return false;
            foreach (var part in value.Split(','))
                if (string.Equals(part.Trim(), token, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Reads until the blank line. Returns null when the peer closed first or the head is
        /// malformed.</summary>
        public static async Task<HttpRequestHead> ReadAsync(Stream stream, CancellationToken cancellation)
        {
            var buffer = new byte[4096];
            int filled = 0;
            while (true)
            {
                int end = IndexOfHeadEnd(buffer, filled);
                if (end >= 0)
                {
                    var leftover = new byte[filled - end - 4];
                    Buffer.BlockCopy(buffer, end + 4, leftover, 0, leftover.Length);
                    return Parse(Encoding.ASCII.GetString(buffer, 0, end), leftover);
                }
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxHeadBytes) return null;
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                int read = await stream.ReadAsync(buffer, filled, buffer.Length - filled, cancellation)
                    .ConfigureAwait(false);
                if (read == 0) return null;
                filled += read;
            }
        }

        private static int IndexOfHeadEnd(byte[] buffer, int count)
        {
            for (int i = 0; i + 3 < count; i++)
                if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i
                    + 3] == '\n') return i;
            return -1;
        }

        private static HttpRequestHead Parse(string head, byte[] leftover)
        {
            var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
            var requestLine = lines[0].Split(' ');
            if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal)) return null;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 1; i < lines.Length; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon <= 0) return null;
                var name = lines[i].Substring(0, colon).Trim();
                var value = lines[i].Substring(colon + 1).Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
            }
            return new HttpRequestHead(requestLine[0], requestLine[1], requestLine[2], headers, leftover);
        }
    }
}
