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
    /// <summary>
    /// A raw HTTP/1.1 server on a loopback address: each request's head is recorded and the test's handler writes
    /// whatever bytes it likes (headers then a stall, a lying Content-Length, a redirect), then the socket closes.
    /// </summary>
    public sealed class RawHttpServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Func<string, Stream, CancellationToken, Task> _handler;

        public ConcurrentQueue<string> RequestLines { get; } = new ConcurrentQueue<string>();
        public Uri Address { get; }
        /// <summary>Fires when the server stops: a handler that stalls waits on it.</summary>
        public CancellationToken Stopping => _stop.Token;

        public RawHttpServer(Func<string, Stream, CancellationToken, Task> handler, string ip = "127.0.0.1")
        {
            _handler = handler;
            _listener = new TcpListener(IPAddress.Parse(ip), 0);
            _listener.Start();
            Address = new Uri("http://" + ip + ":" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");
            _ = Task.Run(AcceptLoop);
        }

        public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

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
            using (_stop.Token.Register(() => client.Dispose()))
            {
                try
                {
                    var stream = client.GetStream();
                    var head = await ReadHead(stream);
                    if (head == null) return;
                    RequestLines.Enqueue(head.Split(new[] { "\r\n" }, StringSplitOptions.None)[0]);
                    await _handler(head, stream, _stop.Token);
                }
                catch { }   // the client went away, or the server stopped
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
