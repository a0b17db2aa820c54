using System;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Ctrl+C stops the caller's command, never the connection it shares with everything else.</summary>
    public sealed class CancellationTests
    {
        /// <summary>
        /// A server that subscribes the client, then stops reading until told to go on: a big frame sent meanwhile
        /// stays in the middle of its write (the TCP buffers fill up).
        /// </summary>
        private sealed class StallingServer : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            public readonly TaskCompletionSource<bool> Resume = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            public int Connections;
            public int FramesRead;
            public Uri Endpoint { get; }

            public StallingServer()
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
                    Interlocked.Increment(ref Connections);
                    client.ReceiveBufferSize = 64 * 1024;
                    _ = Task.Run(() => Serve(client));
                }
            }

            private async Task Serve(TcpClient client)
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var one = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n") && await stream.ReadAsync(one, 0, 1) == 1) head.Append((char)one[0]);
                var key = System.Text.RegularExpressions.Regex.Match(head.ToString(), @"Sec-WebSocket-Key:\s*(\S+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase).Groups[1].Value;
                var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
                var reply = Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n");
                await stream.WriteAsync(reply, 0, reply.Length);
                using var ws = WebSocket.CreateFromStream(stream, true, null, TimeSpan.Zero);
                var buffer = new byte[16 * 1024 * 1024];
                bool subscribed = false;
                while (true)
                {
                    if (subscribed) await Resume.Task;
                    int n = 0;
                    ValueWebSocketReceiveResult r;
                    try { do { r = await ws.ReceiveAsync(buffer.AsMemory(n), default); n += r.Count; } while (!r.EndOfMessage); }
                    catch { return; }
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    Interlocked.Increment(ref FramesRead);
                    using var doc = JsonDocument.Parse(buffer.AsMemory(0, n));
                    var reqId = doc.RootElement.GetProperty("headers").GetProperty("req_id").GetString();
                    var ack = Encoding.UTF8.GetBytes("{\"headers\":{\"req_id\":\"" + reqId + "\"},\"errcode\":0,\"errmsg\":\"ok\"}");
                    await ws.SendAsync(ack, WebSocketMessageType.Text, true, default);
                    subscribed = true;
                }
            }

            public void Dispose() { Resume.TrySetResult(true); _listener.Stop(); }
        }

        [Fact]
        public async Task Cancelling_a_send_in_the_middle_of_its_write_does_not_abort_the_connection()
        {
            using (var server = new StallingServer())
            using (var session = new WecomSession(new WecomSessionOptions
                   { BotId = "b", Secret = SessionHarness.Secure("s"), Endpoint = server.Endpoint, HeartbeatInterval = TimeSpan.FromMinutes(5) }))
            {
                await session.ConnectAsync(CancellationToken.None);
                var big = new string('x', 12 * 1024 * 1024);   // far more than the loopback TCP buffers hold
                using (var cts = new CancellationTokenSource())
                {
                    var send = session.SendCommandAsync(new CommandRequest
                    {
                        Cmd = "aibot_send_msg",
                        Timeout = TimeSpan.FromSeconds(30),
                        SizeHint = big.Length + 256,
                        WriteBody = w => { w.WriteString("chatid", "lisi"); w.WriteString("msgtype", "markdown"); w.WriteString("content", big); },
                    }, cts.Token);
                    await Task.Delay(300);   // asserts that nothing happens: the write stays stuck for this period
                    Assert.False(send.IsCompleted, "the write should be stuck on the stalled server");
                    cts.Cancel();   // Ctrl+C
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
                }
                Assert.Equal(WecomSessionState.Connected, session.State);

                // The server reads again: the frame that was being written arrives whole, and the connection carries on.
                server.Resume.TrySetResult(true);
                var ack = await session.SendCommandAsync(new CommandRequest
                {
                    Cmd = "aibot_send_msg",
                    WriteBody = w => { w.WriteString("chatid", "lisi"); w.WriteString("msgtype", "markdown"); w.WriteString("content", "after"); },
                }, CancellationToken.None);
                Assert.Equal(0, ack.ErrCode);
                Assert.Equal(WecomSessionState.Connected, session.State);
                Assert.Equal(0, session.Reconnects);
                Assert.Equal(1, server.Connections);
                Assert.Equal(3, server.FramesRead);   // subscribe, the big frame (whole), the last send
            }
        }
    }
}
