using System;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>The certificate rule shared by the WebSocket and media downloads.</summary>
    public sealed class CertificateRuleTests
    {
        private static X509Certificate2 SelfSigned()
        {
            using (var key = RSA.Create(2048))
                return new CertificateRequest("CN=private.example", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                    .CreateSelfSigned(DateTimeOffset.Now.AddDays(-1), DateTimeOffset.Now.AddDays(1));
        }

        [Fact]
        public void Normal_validation_decides_unless_a_policy_is_given()
        {
            var cert = SelfSigned();
            var none = new WecomSessionOptions();
            Assert.False(none.HasCertificatePolicy);
            Assert.True(none.AcceptsCertificate(cert, SslPolicyErrors.None));
            Assert.False(none.AcceptsCertificate(cert, SslPolicyErrors.RemoteCertificateChainErrors));

            var skip = new WecomSessionOptions { SkipCertificateCheck = true };
            Assert.True(skip.HasCertificatePolicy);
            Assert.True(skip.AcceptsCertificate(cert, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void A_pinned_thumbprint_accepts_that_certificate_only()
        {
            var cert = SelfSigned();
            var spaced = string.Join(" ", System.Text.RegularExpressions.Regex.Split(cert.Thumbprint.ToLowerInvariant(), "(?<=\\G.{8})"));
            var pinned = new WecomSessionOptions { CertificateThumbprint = spaced };
            Assert.True(pinned.AcceptsCertificate(cert, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(pinned.AcceptsCertificate(SelfSigned(), SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(pinned.AcceptsCertificate(null, SslPolicyErrors.RemoteCertificateNotAvailable));
        }
    }
}
