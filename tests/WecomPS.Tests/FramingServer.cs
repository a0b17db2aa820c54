using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Tests
{
    /// <summary>
    /// A server that writes its WebSocket frames by hand, so a test can send what the double never does: a message in
    /// fragments (empty ones too), a ping between them, empty and binary messages. It acks every client frame with
    /// errcode 0 (one frame each). One client at a time.
    /// </summary>
    internal sealed class FramingServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly SemaphoreSlim _writeLock = new SemaphoreSlim(1, 1);
        private Stream _stream;
        public Uri Endpoint { get; }

        public FramingServer()
        {
            _listener.Start();
            Endpoint = new Uri("ws://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");
            _ = Task.Run(AcceptLoop);
        }

        private async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var one = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n") && await stream.ReadAsync(one, 0, 1) == 1)
                    head.Append((char)one[0]);
                var key = System.Text.RegularExpressions.Regex.Match(head.ToString(), @"Sec-WebSocket-Key:\s*(\S+)",
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase).Groups[1].Value;
                var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(
                    key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                    + "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n"));
                _stream = stream;
                // Reads the client's frames only; everything the server sends is written by hand.
                using var ws = WebSocket.CreateFromStream(stream, true, null, TimeSpan.Zero);
                var buffer = new byte[1024 * 1024];
                while (true)
                {
                    int n = 0;
                    ValueWebSocketReceiveResult r;
                    try
                    {
                        do { r = await ws.ReceiveAsync(buffer.AsMemory(n), default); n += r.Count; }
                        while (!r.EndOfMessage);
                    }
                    catch { return; }
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    if (r.MessageType != WebSocketMessageType.Text) continue;
                    using var doc = JsonDocument.Parse(buffer.AsMemory(0, n));
                    var reqId = doc.RootElement.GetProperty("headers").GetProperty("req_id").GetString();
                    await WriteAsync(Frame(1, true, Encoding.UTF8.GetBytes(
                        "{\"headers\":{\"req_id\":\"" + reqId + "\"},\"errcode\":0,\"errmsg\":\"ok\"}")));
                }
            }
        }

        /// <summary>Writes frames as they are, back to back, in one write.</summary>
        public async Task WriteAsync(params byte[][] frames)
        {
            await _writeLock.WaitAsync();
            try
            {
                foreach (var f in frames) await _stream.WriteAsync(f);
                await _stream.FlushAsync();
            }
            finally { _writeLock.Release(); }
        }

        /// <summary>One server frame (unmasked): opcode 0 continuation, 1 text, 2 binary, 9 ping.</summary>
        public static byte[] Frame(int opcode, bool fin, byte[] payload)
        {
            var head = new System.Collections.Generic.List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
            if (payload.Length < 126) head.Add((byte)payload.Length);
            else if (payload.Length <= ushort.MaxValue)
            {
                head.Add(126);
                head.Add((byte)(payload.Length >> 8));
                head.Add((byte)payload.Length);
            }
            else
            {
                head.Add(127);
                for (int shift = 56; shift >= 0; shift -= 8) head.Add((byte)((long)payload.Length >> shift));
            }
            var frame = new byte[head.Count + payload.Length];
            head.CopyTo(frame);
            Buffer.BlockCopy(payload, 0, frame, head.Count, payload.Length);
            return frame;
        }

        public void Dispose()
        {
            _listener.Stop();
            try { _stream?.Dispose(); } catch { }
        }
    }
}
