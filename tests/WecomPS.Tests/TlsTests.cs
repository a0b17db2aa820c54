using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// -CertificateAuthority and -ClientCertificate for real: the double serves wss:// (and https:// media) with a
    /// throw-away root and leaf it makes at start; nothing is added to any certificate store.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class TlsTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
        private readonly List<WecomMockServer> _servers = new List<WecomMockServer>();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();

        public void Dispose()
        {
            _ps.Dispose();
            foreach (var server in _servers)
            {
                Assert.Empty(server.Violations);
                server.Dispose();
            }
            _files.Dispose();
        }

        private WecomMockServer Tls(Action<MockServerOptions> configure = null)
        {
            var options = new MockServerOptions { Tls = true };
            configure?.Invoke(options);
            var server = WecomMockServer.Start(options);
            _servers.Add(server);
            return server;
        }

        private Dictionary<string, object> Vars(WecomMockServer server, object ca = null, object client = null) =>
            new Dictionary<string, object>
            {
                ["botId"] = server.BotId, ["secret"] = server.Secret, ["endpoint"] = server.Endpoint,
                ["ca"] = ca, ["client"] = client,
            };

        private const string ConnectWithCa =
            "Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -TimeoutSec 10 -PassThru "
            + "-CertificateAuthority $ca";

        private string PemFile(WecomMockServer server)
        {
            var path = Path.Combine(_files.Folder, "root.pem");
            File.WriteAllText(path, server.RootCertificatePem);
            return path;
        }

        private static void AssertRejected(ErrorRecord error, WecomMockServer server, string problem)
        {
            Assert.Equal("WecomCertificateRejected", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
            Assert.Equal("bot " + server.BotId + " at " + server.Endpoint, error.TargetObject);
            Assert.Contains(problem, error.Exception.Message);
            Assert.Contains(server.ServerCertificate.Thumbprint, error.Exception.Message);
            Assert.DoesNotContain(server.Secret, error.ToString() + error.Exception);
            Assert.Equal(0, server.SuccessfulSubscribes);
            Assert.Empty(server.FramesFor("aibot_subscribe"));
        }

        [Fact]
        public void Without_CertificateAuthority_the_connection_fails_and_names_the_untrusted_chain()
        {
            var server = Tls();
            var error = _ps.Throws("Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint", Vars(server));
            AssertRejected(error, server, "its chain is not trusted");
            // The leaf's issuer is nowhere the system looks: PartialChain (UntrustedRoot where the runtime finds it).
            Assert.Matches("PartialChain|UntrustedRoot", error.Exception.Message);
            Assert.Contains("issuer " + server.RootCertificate.Subject, error.Exception.Message);
            Assert.Contains("-CertificateAuthority", error.Exception.Message);
        }

        [Theory]
        [InlineData("pem")]
        [InlineData("der")]
        [InlineData("object")]
        [InlineData("fileinfo")]
        public void With_the_root_as_a_file_or_an_object_the_connection_subscribes(string form)
        {
            var server = Tls();
            object ca;
            switch (form)
            {
                case "pem": ca = PemFile(server); break;
                case "der":
                    ca = Path.Combine(_files.Folder, "root.cer");
                    File.WriteAllBytes((string)ca, server.RootCertificate.RawData);
                    break;
                case "fileinfo": ca = new FileInfo(PemFile(server)); break;
                default: ca = server.RootCertificate; break;
            }
            var r = _ps.Run(ConnectWithCa + " -Verbose", Vars(server, ca));
            Assert.Null(r.Terminating);
            var session = Assert.IsType<WecomSession>(Assert.Single(r.Output).BaseObject);
            Assert.Equal(WecomSessionState.Connected, session.State);
            Assert.Equal(1, server.SuccessfulSubscribes);
            Assert.Contains(r.Verbose, v => v.Contains("Trusting the root " + server.RootCertificate.Subject));
            Assert.Empty(server.TlsFailures);
        }

        [Fact]
        public void A_pem_bundle_with_several_certificates_trusts_each()
        {
            var server = Tls();
            var other = Tls();
            var path = Path.Combine(_files.Folder, "bundle.pem");
            File.WriteAllText(path, other.RootCertificatePem + "\n" + server.RootCertificatePem);
            var r = _ps.Run(ConnectWithCa, Vars(server, path));
            Assert.Null(r.Terminating);
            Assert.Equal(1, server.SuccessfulSubscribes);
        }

        [Fact]
        public void A_wrong_root_does_not_open_the_connection()
        {
            var server = Tls();
            var other = Tls();
            var error = _ps.Throws(ConnectWithCa, Vars(server, other.RootCertificate));
            AssertRejected(error, server, "does not end at a -CertificateAuthority root");
            Assert.Contains("Check that -CertificateAuthority holds the root", error.Exception.Message);
        }

        [Fact]
        public void A_leaf_for_another_name_is_refused_even_with_its_root_trusted()
        {
            var server = Tls(o => o.CertificateNames = new[] { "other.example" });
            var error = _ps.Throws(ConnectWithCa, Vars(server, server.RootCertificate));
            AssertRejected(error, server, "its names do not match the host name");
            Assert.Contains("other.example", error.Exception.Message);
        }

        [Fact]
        public void A_client_certificate_is_presented_when_the_server_requires_one()
        {
            var server = Tls(o => o.RequireClientCertificate = true);
            var error = _ps.Throws(ConnectWithCa, Vars(server, server.RootCertificate));
            Assert.Equal("WecomConnectFailed", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(0, server.SuccessfulSubscribes);
            Assert.Empty(server.ClientCertificates);
            Assert.NotEmpty(server.TlsFailures);

            var client = server.NewClientCertificate("CN=runbook host");
            var r = _ps.Run(ConnectWithCa + " -ClientCertificate $client",
                Vars(server, server.RootCertificate, client));
            Assert.Null(r.Terminating);
            Assert.Equal(1, server.SuccessfulSubscribes);
            Assert.Contains(server.ClientCertificates, c => c.Thumbprint == client.Thumbprint);
        }

        [Fact]
        public void A_client_certificate_without_its_private_key_is_refused_before_connecting()
        {
            var server = Tls();
            var publicOnly = new X509Certificate2(server.NewClientCertificate().RawData);
            var error = _ps.Throws(ConnectWithCa + " -ClientCertificate $client",
                Vars(server, server.RootCertificate, publicOnly));
            Assert.Equal("WecomInvalidCertificate", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Same(publicOnly, error.TargetObject);
            Assert.Equal(0, server.TotalConnections);
        }

        [Fact]
        public void Media_downloads_use_the_same_roots_and_client_certificate()
        {
            var server = Tls(o => o.RequireClientCertificate = true);
            var client = server.NewClientCertificate();
            var r = _ps.Run(ConnectWithCa + " -ClientCertificate $client", Vars(server, PemFile(server), client));
            Assert.Null(r.Terminating);
            var image = new byte[1000];
            new Random(7).NextBytes(image);
            server.PushImage(image);
            var saved = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 10 | Save-WecomMedia -Destination $dest",
                new Dictionary<string, object> { ["dest"] = _files.Folder });
            Assert.Empty(saved.Errors);
            var file = (FileInfo)Assert.Single(saved.Output).BaseObject;
            Assert.Equal(image, File.ReadAllBytes(file.FullName));
            // The WebSocket and the download each presented it.
            Assert.True(server.ClientCertificates.Count(c => c.Thumbprint == client.Thumbprint) >= 2);
        }

        [Fact]
        public void A_media_download_from_a_server_outside_the_roots_fails_and_writes_nothing()
        {
            var server = Tls();
            var other = Tls();
            var options = new WecomSessionOptions { CertificateAuthorities = new[] { server.RootCertificate } };
            var trusted = server.RegisterMedia(new byte[] { 1, 2, 3 }, "a.bin");
            var foreign = other.RegisterMedia(new byte[] { 4, 5, 6 }, "b.bin");
            using (var downloader = new WecomPS.Media.MediaDownloader(options, Wait))
            {
                var ok = downloader.SaveAsync(new WecomPS.Media.MediaReference
                    {
                        MsgType = "file", Url = trusted.Url, AesKey = trusted.AesKey, FileName = "a.bin",
                    }, _files.Folder, false, System.Threading.CancellationToken.None).GetAwaiter().GetResult();
                Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(ok.FullName));

                var refused = Assert.Throws<WecomException>(() => downloader.SaveAsync(new WecomPS.Media.MediaReference
                    {
                        MsgType = "file", Url = foreign.Url, AesKey = foreign.AesKey, FileName = "b.bin",
                    }, _files.Folder, false, System.Threading.CancellationToken.None).GetAwaiter().GetResult());
                Assert.Equal("WecomCertificateRejected", refused.ErrorId);
                Assert.Equal(ErrorCategory.SecurityError, refused.Category);
                Assert.Contains("its chain does not end at a -CertificateAuthority root", refused.Message);
                Assert.Contains(other.ServerCertificate.Thumbprint, refused.Message);
            }
            Assert.Equal(new[] { "a.bin" }, Directory.GetFiles(_files.Folder).Select(Path.GetFileName));
        }

        [Fact]
        public void A_file_that_is_not_a_certificate_or_is_missing_is_a_clear_error()
        {
            var server = Tls();
            var junk = Path.Combine(_files.Folder, "junk.pem");
            File.WriteAllText(junk, "not a certificate");
            var bad = _ps.Throws(ConnectWithCa, Vars(server, junk));
            Assert.Equal("WecomInvalidCertificate", bad.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidData, bad.CategoryInfo.Category);
            Assert.Equal(junk, bad.TargetObject);

            var missing = Path.Combine(_files.Folder, "nope.pem");
            var gone = _ps.Throws(ConnectWithCa, Vars(server, missing));
            Assert.Equal("WecomFileNotFound", gone.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.ObjectNotFound, gone.CategoryInfo.Category);
            Assert.Equal(missing, gone.TargetObject);

            var wrongType = _ps.Throws(ConnectWithCa, Vars(server, 42));
            Assert.Equal("WecomInvalidCertificate", wrongType.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidArgument, wrongType.CategoryInfo.Category);
            Assert.Equal(0, server.TotalConnections);
        }
    }
}
