using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Tests
{
    /// <summary>A minimal HTTP proxy on loopback (CONNECT tunnels and absolute-form GETs) that records what went through it.</summary>
    public sealed class TestProxy : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        public ConcurrentQueue<string> RequestLines { get; } = new ConcurrentQueue<string>();
        public Uri Address { get; }

        public TestProxy()
        {
            _listener.Start();
            Address = new Uri("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");
            _ = Task.Run(AcceptLoop);
        }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
                _ = Task.Run(() => Handle(client));
            }
        }

        private async Task Handle(TcpClient client)
        {
            using (client)
            {
                var down = client.GetStream();
                var head = await ReadHead(down);
                if (head == null) return;
                var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
                RequestLines.Enqueue(lines[0]);
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
        }

        private static async Task<string> ReadHead(Stream s)
        {
            var sb = new StringBuilder();
            var b = new byte[1];
            while (!sb.ToString().EndsWith("\r\n\r\n"))
            {
                if (await s.ReadAsync(b, 0, 1) == 0) return null;
                sb.Append((char)b[0]);
            }
            return sb.ToString();
        }

        public void Dispose() { _stop.Cancel(); _listener.Stop(); }
    }
}
