using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Tests
{
    /// <summary>
    /// A TCP forwarder that behaves like a NAT or firewall with an idle timeout: once no byte crossed a link in either
    /// direction for <see cref="IdleTimeout"/>, it forgets the link silently (no FIN, no RST): every later byte, both
    /// ways, is dropped. Both ends keep an open socket: a half-open link.
    /// </summary>
    internal sealed class IdleDroppingNat : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Uri _target;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private int _forgotten;

        public TimeSpan IdleTimeout { get; }
        public Uri Endpoint { get; }
        /// <summary>Links forgotten for being idle.</summary>
        public int Forgotten => Volatile.Read(ref _forgotten);

        public IdleDroppingNat(Uri target, TimeSpan idleTimeout)
        {
            _target = target;
            IdleTimeout = idleTimeout;
            _listener.Start();
            Endpoint = new Uri("ws://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");
            _ = Task.Run(AcceptLoop);
        }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
                _ = Task.Run(() => Link(client));
            }
        }

        private async Task Link(TcpClient client)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                await upstream.ConnectAsync(_target.Host, _target.Port);
                long lastByte = Environment.TickCount64;
                bool forgotten = false;
                async Task Pump(NetworkStream from, NetworkStream to)
                {
                    var buffer = new byte[64 * 1024];
                    while (true)
                    {
                        int n;
                        try { n = await from.ReadAsync(buffer, _stop.Token); } catch { return; }
                        if (n == 0) return;
                        if (Volatile.Read(ref forgotten)) continue;   // a forgotten link: dropped on the floor
                        Interlocked.Exchange(ref lastByte, Environment.TickCount64);
                        try { await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token); } catch { return; }
                    }
                }
                var pumps = Task.WhenAll(Pump(client.GetStream(), upstream.GetStream()),
                    Pump(upstream.GetStream(), client.GetStream()));
                while (!pumps.IsCompleted && !forgotten)
                {
                    await Task.WhenAny(pumps, Task.Delay(100));
                    if (Environment.TickCount64 - Interlocked.Read(ref lastByte) > IdleTimeout.TotalMilliseconds)
                    {
                        Volatile.Write(ref forgotten, true);
                        Interlocked.Increment(ref _forgotten);
                    }
                }
                try { await pumps; } catch { }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
