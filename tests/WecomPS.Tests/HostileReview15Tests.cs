using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Hostile review of issue 15: edges found breaking, and chain rules that must hold.</summary>
    [Collection("PowerShell")]
    public sealed class HostileReview15Tests : IDisposable
    {
        private readonly WecomMockServer _server = WecomMockServer.Start(new MockServerOptions());
        private readonly PowerShellHost _ps = new PowerShellHost();

        public HostileReview15Tests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        [Fact]
        public void An_expired_reply_names_846608_without_an_exception_type_in_the_double_errmsg()
        {
            var pushed = _server.PushText("long job");
            _ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
            var started = _ps.Run("$global:r = Start-WecomReply $m 'Working'");
            Assert.Empty(started.Errors);
            _server.AdvanceClock(TimeSpan.FromMinutes(11));
            var r = _ps.Run("Complete-WecomReply $r 'done' -PassThru | ForEach-Object LastError");
            Assert.Empty(r.Errors);
            var lastError = Assert.Single(r.Output).ToString();
            Assert.Contains("846608", lastError);
            Assert.DoesNotContain("Exception of type", lastError);
            var ack = _server.Acks.Single(a => a.ReqId == pushed.ReqId && a.Errcode == 846608);
            Assert.DoesNotContain("Exception of type", ack.Errmsg);
        }

        [Fact]
        public void Complete_WecomReply_TimeoutSec_is_an_OperationTimeout_that_says_delivery_is_unknown()
        {
            _server.PushText("deploy");
            _ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5; $global:r = Start-WecomReply $m 'Working'");
            _server.Options.AckDelay = TimeSpan.FromSeconds(4);
            var r = _ps.Run("Complete-WecomReply $r 'final' -TimeoutSec 1 -PassThru");
            Assert.Empty(r.Output);
            var error = Assert.Single(r.Errors);
            Assert.StartsWith("WecomAckTimeout,", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.IsType<Reply>(error.TargetObject);
            Assert.Contains("1 s", error.Exception.Message);
            Assert.Contains("delivery is unknown", error.Exception.Message);
            _server.Options.AckDelay = TimeSpan.Zero;
        }

        [Fact]
        public void Start_WecomReply_refuses_a_feedback_id_over_256_utf8_bytes_before_sending_anything()
        {
            var pushed = _server.PushText("deploy");
            _ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
            // 100 characters, 300 UTF-8 bytes: within a 256-character limit, over WeCom's 256-byte one.
            var r = _ps.Run("Start-WecomReply $m 'Working' -Feedback ('\u53cd' * 100)");
            Assert.Empty(r.Output);
            var error = Assert.Single(r.Errors);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.StartsWith("ParameterArgumentValidationError,", error.FullyQualifiedErrorId);
            Assert.Empty(_server.RepliesTo(pushed.ReqId));
            // 85 characters, 255 bytes: accepted and sent on the first frame.
            var ok = _ps.Run("Start-WecomReply $m 'Working' -Feedback ('\u53cd' * 85)");
            Assert.Empty(ok.Errors);
            Assert.Equal(new string('\u53cd', 85),
                _server.RepliesTo(pushed.ReqId).Single().BodyString("stream.feedback.id"));
        }

        [Theory]
        [InlineData("-UserId 'ops[1'", "ops[1")]
        [InlineData("-ChatId 'wrchat[' -Wait -Timeout 5", "wrchat[")]
        public void Receive_WecomMessage_an_invalid_wildcard_is_an_InvalidArgument_naming_it_and_takes_nothing(
            string parameters, string pattern)
        {
            _server.PushText("restart", userId: "ops[1");
            var session = (WecomPS.Session.WecomSession)_ps.Run("Get-WecomSession").Output.Single().BaseObject;
            Assert.True(System.Threading.SpinWait.SpinUntil(() => session.InboxCount == 1, TimeSpan.FromSeconds(10)));
            var error = _ps.Throws("Receive-WecomMessage " + parameters);
            Assert.Equal("WecomInvalidPattern", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(pattern, error.TargetObject);
            Assert.Contains("`[", error.Exception.Message);
            Assert.Equal(1, session.InboxCount);
        }

        [Fact]
        public void MaxAgeSec_is_not_defeated_by_a_create_time_in_the_future()
        {
            // A create_time later than the message was received (a skewed or lying clock) is not usable: the message
            // is at least as old as its arrival. Otherwise an hour-old command would never be stale.
            _server.AdvanceClock(TimeSpan.FromDays(1));
            _server.PushText("restart the database", userId: "alice");
            _server.AdvanceClock(TimeSpan.FromDays(-1));
            var session = (WecomPS.Session.WecomSession)_ps.Run("Get-WecomSession").Output.Single().BaseObject;
            Assert.True(System.Threading.SpinWait.SpinUntil(() => session.InboxCount == 1, TimeSpan.FromSeconds(10)));
            System.Threading.Thread.Sleep(2500);   // a lower bound: a loaded machine only makes it older
            var r = _ps.Run("Receive-WecomMessage -MaxAgeSec 1 -Verbose");
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            var line = Assert.Single(r.Verbose, v => v.StartsWith("Skipped"));
            Assert.Contains("create_time is later", line);
            Assert.Equal(0, session.InboxCount);
        }

        [Fact]
        public void CertificateAuthority_an_empty_file_or_a_wildcard_matching_nothing_is_a_clear_error_before_connecting()
        {
            var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wecomps-r15-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            var tls = WecomMockServer.Start(new MockServerOptions { Tls = true });
            try
            {
                var empty = System.IO.Path.Combine(dir, "corp-root.pem");
                System.IO.File.WriteAllBytes(empty, new byte[0]);
                var nothing = System.IO.Path.Combine(dir, "*.crt");
                var connect = "Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -TimeoutSec 10 "
                    + "-Name tls -CertificateAuthority $ca";
                foreach (var (ca, id, category) in new[]
                {
                    (empty, "WecomInvalidCertificate", System.Management.Automation.ErrorCategory.InvalidData),
                    (nothing, "WecomFileNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound),
                })
                {
                    var error = _ps.Throws(connect, new System.Collections.Generic.Dictionary<string, object>
                    {
                        ["botId"] = tls.BotId, ["secret"] = tls.Secret, ["endpoint"] = tls.Endpoint, ["ca"] = ca,
                    });
                    Assert.Equal(id, error.FullyQualifiedErrorId.Split(',')[0]);
                    Assert.Equal(category, error.CategoryInfo.Category);
                    Assert.Equal(ca, error.TargetObject);
                }
                Assert.Equal(0, tls.TotalConnections);
            }
            finally
            {
                tls.Dispose();
                System.IO.Directory.Delete(dir, true);
            }
        }

        // ---------------------------------------------------------------- chain rules (-CertificateAuthority)

        private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

        private static X509Certificate2 Ca(string name, X509Certificate2 issuer = null)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
            if (issuer == null) return req.CreateSelfSigned(Now.AddDays(-5), Now.AddDays(5));
            using (var signed = req.Create(issuer, Now.AddDays(-4), Now.AddDays(4), Serial()))
                return signed.CopyWithPrivateKey(key);
        }

        private static X509Certificate2 Leaf(X509Certificate2 issuer, DateTimeOffset from, DateTimeOffset to)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
            using (var signed = req.Create(issuer, from, to, Serial()))
                return signed.CopyWithPrivateKey(key);
        }

        private static byte[] Serial() => Guid.NewGuid().ToByteArray();

        private static bool Chains(X509Certificate2 leaf, X509Certificate2[] sent, params X509Certificate2[] roots)
        {
            using (var presented = new X509Chain())
            {
                foreach (var c in sent) presented.ChainPolicy.ExtraStore.Add(c);
                presented.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                presented.Build(leaf);
                return CertificateTrust.ChainsToAuthority(leaf, presented, roots, out _);
            }
        }

        [Fact]
        public void Chain_rules_accept_a_good_leaf_and_refuse_expired_forged_and_leaf_signed_certificates()
        {
            var root = Ca("Review Root");
            var good = Leaf(root, Now.AddHours(-1), Now.AddHours(5));
            Assert.True(Chains(good, new X509Certificate2[0], root));
            Assert.True(Chains(good, new[] { root }, root));

            // An expired leaf from the trusted root.
            var expired = Leaf(root, Now.AddDays(-3), Now.AddDays(-1));
            Assert.False(Chains(expired, new X509Certificate2[0], root));
            // A leaf not yet valid.
            var future = Leaf(root, Now.AddDays(1), Now.AddDays(2));
            Assert.False(Chains(future, new X509Certificate2[0], root));

            // A forged root with the trusted root's name: the leaf it signs must not chain.
            var forged = Ca("Review Root");
            var forgedLeaf = Leaf(forged, Now.AddHours(-1), Now.AddHours(5));
            Assert.False(Chains(forgedLeaf, new[] { forged }, root));

            // A good leaf (not a CA) used to sign another leaf: the server sends both.
            var leafAsCa = LeafSignedByLeaf(good);
            Assert.False(Chains(leafAsCa, new[] { good, root }, root));

            // An intermediate (a CA under the root) chains; an intermediate of another root does not.
            var intermediate = Ca("Review Intermediate", root);
            var underIntermediate = Leaf(intermediate, Now.AddHours(-1), Now.AddHours(5));
            Assert.True(Chains(underIntermediate, new[] { intermediate }, root));
            var otherRoot = Ca("Other Root");
            var otherIntermediate = Ca("Review Intermediate", otherRoot);
            var underOther = Leaf(otherIntermediate, Now.AddHours(-1), Now.AddHours(5));
            Assert.False(Chains(underOther, new[] { otherIntermediate, otherRoot }, root));
        }

        private static X509Certificate2 LeafSignedByLeaf(X509Certificate2 issuerLeaf)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            var sig = X509SignatureGenerator.CreateForECDsa(issuerLeaf.GetECDsaPrivateKey());
            using (var signed = req.Create(issuerLeaf.SubjectName, sig, Now.AddHours(-1), Now.AddHours(4), Serial()))
                return signed.CopyWithPrivateKey(key);
        }
    }
}
