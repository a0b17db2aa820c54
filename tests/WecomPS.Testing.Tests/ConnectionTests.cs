using System;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing.Tests
{
    public class ConnectionTests
    {
        private static int Errcode(System.Text.Json.JsonElement ack) => ack.GetProperty("errcode").GetInt32();

        [Fact]
        public async Task Subscribe_with_right_credentials_is_acked_ok()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.ConnectAsync(server);
            var ack = await client.RequestAsync("aibot_subscribe", new { bot_id = server.BotId, secret = server.Secret, scene = 1, device_id = "x" });
            Assert.Equal(0, Errcode(ack));
            Assert.Equal("ok", ack.GetProperty("errmsg").GetString());
            Assert.False(ack.TryGetProperty("cmd", out _));
            Assert.True(server.WaitForSubscribed(TestClient.Timeout));
            Assert.Equal(1, server.SuccessfulSubscribes);
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Wrong_secret_gets_853000_and_the_socket_stays_open()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.ConnectAsync(server);
            var ack = await client.RequestAsync("aibot_subscribe", new { bot_id = server.BotId, secret = "wrong" });
            Assert.Equal(853000, Errcode(ack));
            Assert.StartsWith("invalid bot_id or secret, hint: [", ack.GetProperty("errmsg").GetString());
            var ping = await client.RequestAsync("ping");
            Assert.Equal(846609, Errcode(ping));
            Assert.Equal(1, server.ActiveConnectionCount);
        }

        [Fact]
        public async Task RejectNextSubscribes_refuses_good_credentials_then_accepts()
        {
            using var server = WecomMockServer.Start();
            server.RejectNextSubscribes(1);
            await using var client = await TestClient.ConnectAsync(server);
            Assert.Equal(853000, Errcode(await client.RequestAsync("aibot_subscribe", new { bot_id = server.BotId, secret = server.Secret })));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_subscribe", new { bot_id = server.BotId, secret = server.Secret })));
        }

        [Fact]
        public async Task Commands_before_subscribe_get_846609()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.ConnectAsync(server);
            Assert.Equal(846609, Errcode(await client.RequestAsync("ping")));
            Assert.Equal(846609, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "markdown", markdown = new { content = "x" } })));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Ping_is_acked_ok_and_recorded()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var reqId = client.NewReqId("ping");
            var ack = await client.RequestAsync("ping", null, reqId);
            Assert.Equal(0, Errcode(ack));
            var frame = server.WaitForFrame(f => f.Cmd == "ping", TestClient.Timeout);
            Assert.Equal(reqId, frame.ReqId);
            Assert.Equal(0, frame.AckErrcode);
        }

        [Fact]
        public async Task Malformed_frames_are_violations_and_do_not_kill_the_connection()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            await client.SendTextAsync("{not json");
            await client.SendTextAsync("{\"cmd\":\"ping\"}");
            await client.SendTextAsync("{\"cmd\":\"ping\",\"headers\":{\"req_id\":\"r1\"},\"body\":5}");
            var unknown = await client.RequestAsync("aibot_fly", new { });
            var badBody = await client.WaitForAckAsync("r1");
            Assert.Equal(ErrorCodes.InvalidFrame, Errcode(badBody));
            Assert.Equal(ErrorCodes.UnknownCommand, Errcode(unknown));
            Assert.Equal(0, Errcode(await client.RequestAsync("ping")));
            var reasons = server.Violations.Select(v => v.Reason).ToArray();
            Assert.Contains(reasons, r => r.StartsWith("not valid JSON"));
            Assert.Contains(reasons, r => r.Contains("headers must be an object"));
            Assert.Contains(reasons, r => r.Contains("body must be an object"));
            Assert.Contains(reasons, r => r.Contains("unknown cmd 'aibot_fly'"));
        }

        [Fact]
        public async Task Binary_frames_are_violations()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            await client.SendBinaryAsync(Encoding.UTF8.GetBytes("{}"));
            Assert.True(server.WaitUntil(s => s.Violations.Count == 1, TestClient.Timeout));
            Assert.Contains("binary", server.Violations[0].Reason);
            Assert.Equal(0, Errcode(await client.RequestAsync("ping")));
        }

        [Fact]
        public async Task Second_subscribe_kicks_the_first_connection()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { KickCloseDelay = TimeSpan.FromMilliseconds(100) });
            await using var first = await TestClient.SubscribedAsync(server);
            await using var second = await TestClient.SubscribedAsync(server);
            var evt = await first.WaitForCmdAsync("aibot_event_callback");
            var body = evt.GetProperty("body");
            Assert.Equal("disconnected_event", body.GetProperty("event").GetProperty("eventtype").GetString());
            Assert.False(body.TryGetProperty("from", out _));
            Assert.False(body.TryGetProperty("chattype", out _));
            Assert.True(await first.WaitForEndAsync(TestClient.Timeout));
            Assert.Null(first.CloseStatus); // abrupt: no close frame
            Assert.True(server.WaitForConnectionCount(1, TestClient.Timeout));
            Assert.Equal(0, Errcode(await second.RequestAsync("ping")));
            Assert.Equal(new[] { server.ConnectionIds.Single() }, server.SubscribedConnectionIds);
            Assert.Equal(2, server.SuccessfulSubscribes);
        }

        [Fact]
        public async Task DropConnections_resets_without_close_frame()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.DropConnections();
            Assert.True(await client.WaitForEndAsync(TestClient.Timeout));
            Assert.Null(client.CloseStatus);
            Assert.NotNull(client.ReceiveError);
            Assert.True(server.WaitForConnectionCount(0, TestClient.Timeout));
        }

        [Fact]
        public async Task CloseConnections_sends_a_close_frame()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.CloseConnections(WebSocketCloseStatus.EndpointUnavailable);
            Assert.True(await client.WaitForEndAsync(TestClient.Timeout));
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
            Assert.True(server.WaitForConnectionCount(0, TestClient.Timeout));
        }

        [Fact]
        public async Task Silent_server_neither_acks_nor_closes()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.Silent = true;
            var reqId = await client.SendAsync("ping");
            await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForAckAsync(reqId, TimeSpan.FromMilliseconds(500)));
            Assert.False(client.Ended);
            Assert.Equal(1, server.ActiveConnectionCount);

            // A connection attempt while silent never gets its handshake answered.
            using (var hung = new ClientWebSocket())
            using (var cts = new CancellationTokenSource(300))
                await Assert.ThrowsAnyAsync<Exception>(() => hung.ConnectAsync(server.Endpoint, cts.Token));

            server.Silent = false; // the silenced connection lost bytes: it is reset
            Assert.True(await client.WaitForEndAsync(TestClient.Timeout));
            await using var fresh = await TestClient.SubscribedAsync(server);
        }

        [Fact]
        public async Task RefuseConnections_resets_new_connections()
        {
            using var server = WecomMockServer.Start();
            server.RefuseConnections = true;
            using (var ws = new ClientWebSocket())
                await Assert.ThrowsAnyAsync<Exception>(() => ws.ConnectAsync(server.Endpoint, CancellationToken.None));
            server.RefuseConnections = false;
            await using var client = await TestClient.SubscribedAsync(server);
        }

        [Fact]
        public async Task FailNext_fails_the_next_ping_only()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            server.FailNext("ping", -1, "system error");
            var failed = await client.RequestAsync("ping");
            Assert.Equal(-1, Errcode(failed));
            Assert.Equal("system error", failed.GetProperty("errmsg").GetString());
            Assert.Equal(0, Errcode(await client.RequestAsync("ping")));
        }

        [Fact]
        public async Task AckDelay_delays_acks_without_blocking_the_connection()
        {
            // Three acks delayed 1 s each: together they take about 1 s; one after another would take 3 s or more.
            using var server = WecomMockServer.Start(new MockServerOptions { AckDelay = TimeSpan.FromSeconds(1) });
            await using var client = await TestClient.ConnectAsync(server);
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_subscribe", new { bot_id = server.BotId, secret = server.Secret })));
            var started = DateTime.UtcNow;
            var ids = new[] { await client.SendAsync("ping"), await client.SendAsync("ping"), await client.SendAsync("ping") };
            foreach (var id in ids) await client.WaitForAckAsync(id, TimeSpan.FromSeconds(15));
            var elapsed = DateTime.UtcNow - started;
            Assert.InRange(elapsed.TotalMilliseconds, 950, 2900);
        }

        [Fact]
        public async Task Dispose_closes_connections_and_stops_listening()
        {
            var server = WecomMockServer.Start();
            var endpoint = server.Endpoint;
            await using var client = await TestClient.SubscribedAsync(server);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            server.Dispose();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "Dispose took " + watch.Elapsed);   // bounded, with room for a loaded machine
            Assert.Equal(0, server.BackgroundTaskCount);
            Assert.True(await client.WaitForEndAsync(TestClient.Timeout));
            using var ws = new ClientWebSocket();
            await Assert.ThrowsAnyAsync<Exception>(() => ws.ConnectAsync(endpoint, CancellationToken.None));
        }

        [Fact]
        public async Task Plain_http_to_unknown_path_is_404()
        {
            using var server = WecomMockServer.Start();
            using var http = new System.Net.Http.HttpClient();
            var response = await http.GetAsync(new Uri(server.HttpBase, "nothing"));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        }
    }
}
