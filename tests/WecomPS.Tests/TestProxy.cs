using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Tests
{
    /// <summary>
    /// A minimal HTTP proxy on loopback (CONNECT tunnels and absolute-form GETs) that records what went through it:
    /// a <see cref="RawHttpServer"/> whose handler forwards the request.
    /// </summary>
    public sealed class TestProxy : IDisposable
    {
        private readonly RawHttpServer _server = new RawHttpServer(ForwardAsync);

        public ConcurrentQueue<string> RequestLines => _server.RequestLines;
        public Uri Address => _server.Address;

        private static async Task ForwardAsync(string head, Stream down, CancellationToken ct)
        {
            var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
            var parts = lines[0].Split(' ');
            using (var upstream = new TcpClient())
            {
                if (parts[0] == "CONNECT")
                {
                    var hp = parts[1].Split(':');
                    await upstream.ConnectAsync(hp[0], int.Parse(hp[1]));
                    var ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection Established\r\n\r\n");
                    await down.WriteAsync(ok, 0, ok.Length);
                }
                else
                {
                    var target = new Uri(parts[1]);
                    await upstream.ConnectAsync(target.Host, target.Port);
                    lines[0] = parts[0] + " " + target.PathAndQuery + " " + parts[2];
                    var rewritten = Encoding.ASCII.GetBytes(string.Join("\r\n", lines));
                    await upstream.GetStream().WriteAsync(rewritten, 0, rewritten.Length);
                }
                var up = upstream.GetStream();
                await Task.WhenAny(down.CopyToAsync(up), up.CopyToAsync(down));
            }
        }

        public void Dispose() => _server.Dispose();
    }
}
