using System;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Tests
{
    /// <summary>The double over TLS (wss:// and https:// media), and its strict check of subscribe extras.</summary>
    public class TlsServerTests
    {
        /// <summary>Trusts exactly the double's root (custom root trust), as a careful client would.</summary>
        private static bool TrustsOnly(X509Certificate2 root, X509Certificate certificate, SslPolicyErrors errors)
        {
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0 || certificate == null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        }

        private static async Task<ClientWebSocket> OpenAsync(WecomMockServer server, X509Certificate2 client = null)
        {
            var socket = new ClientWebSocket();
            var root = server.RootCertificate;
            socket.Options.RemoteCertificateValidationCallback = (s, c, ch, e) => TrustsOnly(root, c, e);
            if (client != null) socket.Options.ClientCertificates.Add(client);
            using var timeout = new CancellationTokenSource(TestClient.Timeout);
            await socket.ConnectAsync(server.Endpoint, timeout.Token);
            return socket;
        }

        private static async Task<string> SubscribeAsync(ClientWebSocket socket, WecomMockServer server)
        {
            var frame = "{\"cmd\":\"aibot_subscribe\",\"headers\":{\"req_id\":\"s1\"},\"body\":{\"bot_id\":\""
                        + server.BotId + "\",\"secret\":\"" + server.Secret + "\"}}";
            await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, default);
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TestClient.Timeout);
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, result.Count);
        }

        [Fact]
        public async Task Tls_serves_wss_with_a_leaf_for_127_0_0_1_and_localhost_signed_by_its_own_root()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { Tls = true });
            Assert.Equal("wss", server.Endpoint.Scheme);
            Assert.Equal("https", server.HttpBase.Scheme);
            Assert.Equal(server.RootCertificate.Subject, server.ServerCertificate.Issuer);
            Assert.False(server.RootCertificate.HasPrivateKey);
            var names = server.ServerCertificate.Extensions.First(x => x.Oid.Value == "2.5.29.17").Format(false);
            Assert.Contains("127.0.0.1", names);
            Assert.Contains("localhost", names);
            Assert.StartsWith("-----BEGIN CERTIFICATE-----\n", server.RootCertificatePem);

            using var socket = await OpenAsync(server);
            Assert.Contains("\"errcode\":0", await SubscribeAsync(socket, server));
            Assert.True(server.WaitForSubscribed(TestClient.Timeout));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task A_client_that_does_not_trust_the_root_cannot_connect_and_each_server_has_its_own_root()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { Tls = true });
            using var other = WecomMockServer.Start(new MockServerOptions { Tls = true });
            Assert.NotEqual(server.RootCertificate.Thumbprint, other.RootCertificate.Thumbprint);
            using var plain = new ClientWebSocket();
            await Assert.ThrowsAnyAsync<WebSocketException>(() => plain.ConnectAsync(server.Endpoint, default));
            using var wrong = new ClientWebSocket();
            var otherRoot = other.RootCertificate;
            wrong.Options.RemoteCertificateValidationCallback = (s, c, ch, e) => TrustsOnly(otherRoot, c, e);
            await Assert.ThrowsAnyAsync<WebSocketException>(() => wrong.ConnectAsync(server.Endpoint, default));
            Assert.Equal(0, server.TotalConnections);
        }

        [Fact]
        public async Task RequireClientCertificate_refuses_a_handshake_without_one_and_records_the_one_presented()
        {
            using var server = WecomMockServer.Start(
                new MockServerOptions { Tls = true, RequireClientCertificate = true });
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var bare = await OpenAsync(server);
                await SubscribeAsync(bare, server);
            });
            Assert.Equal(0, server.SuccessfulSubscribes);
            Assert.Empty(server.ClientCertificates);

            var client = server.NewClientCertificate("CN=tester");
            Assert.True(client.HasPrivateKey);
            using var socket = await OpenAsync(server, client);
            Assert.Contains("\"errcode\":0", await SubscribeAsync(socket, server));
            var seen = Assert.Single(server.ClientCertificates);
            Assert.Equal(client.Thumbprint, seen.Thumbprint);
        }

        [Fact]
        public async Task Media_urls_are_https_under_Tls()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { Tls = true });
            var media = server.RegisterMedia(new byte[] { 1, 2, 3, 4, 5 }, "a.bin");
            Assert.StartsWith("https://127.0.0.1:", media.Url);
            var root = server.RootCertificate;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (m, c, ch, e) => TrustsOnly(root, c, e),
            };
            using var http = new HttpClient(handler);
            var body = await http.GetByteArrayAsync(media.Url);
            Assert.Equal(media.Cipher, body);
        }

        [Theory]
        [InlineData("\"scene\":\"1\"", "body.scene must be an integer")]
        [InlineData("\"scene\":1.5", "body.scene must be an integer")]
        [InlineData("\"plug_version\":2", "body.plug_version must be a string")]
        [InlineData("\"plug_version\":null", "body.plug_version must be a string")]
        public async Task Subscribe_extras_of_the_wrong_type_are_violations(string extra, string violation)
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.ConnectAsync(server);
            await client.SendTextAsync(
                "{\"cmd\":\"aibot_subscribe\",\"headers\":{\"req_id\":\"s1\"},\"body\":{\"bot_id\":\""
                + server.BotId + "\",\"secret\":\"" + server.Secret + "\"," + extra + "}}");
            var ack = await client.WaitForAckAsync("s1");
            Assert.Equal(49003, ack.GetProperty("errcode").GetInt32());
            Assert.Contains(server.Violations, v => v.ToString().Contains(violation));
            Assert.Equal(0, server.SuccessfulSubscribes);
        }

        [Fact]
        public async Task Subscribe_extras_of_the_right_type_are_accepted_and_recorded()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.ConnectAsync(server);
            var ack = await client.RequestAsync("aibot_subscribe",
                new { bot_id = server.BotId, secret = server.Secret, scene = 1, plug_version = "1.0.7" });
            Assert.Equal(0, ack.GetProperty("errcode").GetInt32());
            var frame = Assert.Single(server.FramesFor("aibot_subscribe"));
            Assert.Equal(1, frame.BodyElement("scene").GetInt32());
            Assert.Equal("1.0.7", frame.BodyString("plug_version"));
            Assert.Empty(server.Violations);
        }
    }
}
