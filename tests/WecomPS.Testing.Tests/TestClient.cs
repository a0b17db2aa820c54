using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Tests
{
    /// <summary>A bare ClientWebSocket speaking the protocol by hand.</summary>
    internal sealed class TestClient : IAsyncDisposable
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

        private readonly ClientWebSocket _socket = new ClientWebSocket();
        private readonly List<JsonElement> _received = new List<JsonElement>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private Task _loop;
        private int _nextId;

        public WebSocketCloseStatus? CloseStatus { get; private set; }
        public Exception ReceiveError { get; private set; }
        public bool Ended { get; private set; }

        public static async Task<TestClient> ConnectAsync(WecomMockServer server)
        {
            var client = new TestClient();
            await client._socket.ConnectAsync(server.Endpoint, CancellationToken.None);
            client._loop = Task.Run(client.ReceiveLoopAsync);
            return client;
        }

        public static async Task<TestClient> SubscribedAsync(WecomMockServer server)
        {
            var client = await ConnectAsync(server);
            var ack = await client.RequestAsync("aibot_subscribe", new { bot_id = server.BotId, secret = server.Secret });
            Assert.Equal(0, ack.GetProperty("errcode").GetInt32());
            return client;
        }

        public IReadOnlyList<JsonElement> Received
        {
            get { lock (_received) return _received.ToArray(); }
        }

        public string NewReqId(string prefix) => prefix + "_" + Interlocked.Increment(ref _nextId) + "_" + Guid.NewGuid().ToString("N").Substring(0, 8);

        public Task SendTextAsync(string text) =>
            _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        public Task SendBinaryAsync(byte[] bytes) =>
            _socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);

        /// <summary>Sends {cmd, headers:{req_id}, body?} and returns the req_id used.</summary>
        public async Task<string> SendAsync(string cmd, object body = null, string reqId = null)
        {
            reqId ??= NewReqId(cmd);
            var frame = new JsonObject { ["cmd"] = cmd, ["headers"] = new JsonObject { ["req_id"] = reqId } };
            if (body != null) frame["body"] = body is JsonNode node ? node : JsonSerializer.SerializeToNode(body);
            await SendTextAsync(frame.ToJsonString());
            return reqId;
        }

        public async Task<JsonElement> RequestAsync(string cmd, object body = null, string reqId = null)
        {
            reqId = await SendAsync(cmd, body, reqId);
            return await WaitForAckAsync(reqId);
        }

        private readonly HashSet<int> _consumedAcks = new HashSet<int>();

        /// <summary>The oldest not yet consumed ack with this req_id (replies reuse the callback's req_id).</summary>
        public async Task<JsonElement> WaitForAckAsync(string reqId, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? Timeout);
            while (DateTime.UtcNow < deadline)
            {
                var received = Received;
                lock (_consumedAcks)
                {
                    for (int i = 0; i < received.Count; i++)
                    {
                        var e = received[i];
                        if (_consumedAcks.Contains(i) || e.TryGetProperty("cmd", out _) || !e.TryGetProperty("headers", out var h)) continue;
                        if (h.GetProperty("req_id").GetString() != reqId) continue;
                        _consumedAcks.Add(i);
                        return e;
                    }
                }
                await Task.Delay(5);
            }
            throw new TimeoutException("client did not receive the ack of " + reqId);
        }

        public Task<JsonElement> WaitForCmdAsync(string cmd, TimeSpan? timeout = null) =>
            WaitForAsync(e => e.TryGetProperty("cmd", out var c) && c.GetString() == cmd, timeout, cmd);

        public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan? timeout, string what)
        {
            var deadline = DateTime.UtcNow + (timeout ?? Timeout);
            while (DateTime.UtcNow < deadline)
            {
                foreach (var e in Received)
                    if (predicate(e)) return e;
                await Task.Delay(5);
            }
            throw new TimeoutException("client did not receive " + what);
        }

        public async Task<bool> WaitForEndAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Ended && DateTime.UtcNow < deadline) await Task.Delay(10);
            return Ended;
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[1 << 16];
            try
            {
                while (true)
                {
                    using var message = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer, _stop.Token);
                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        CloseStatus = result.CloseStatus;
                        if (_socket.State == WebSocketState.CloseReceived)
                            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                        return;
                    }
                    var text = Encoding.UTF8.GetString(message.ToArray());
                    JsonElement element;
                    try
                    {
                        using var doc = JsonDocument.Parse(text);
                        element = doc.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        element = JsonSerializer.SerializeToElement(new { unparsable = text });
                    }
                    lock (_received) _received.Add(element);
                }
            }
            catch (Exception e)
            {
                ReceiveError = e;
            }
            finally
            {
                Ended = true;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _socket.Abort();
            if (_loop != null) await _loop;
            _socket.Dispose();
        }
    }
}
