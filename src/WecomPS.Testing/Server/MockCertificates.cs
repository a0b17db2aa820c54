using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WecomPS.Testing.Server
{
    /// <summary>
    /// The throw-away certificates of a wss:// double: a root CA and a server leaf signed by it, made in memory at
    /// start (CertificateRequest, ECDSA P-256, valid from an hour ago for two days) and never written to any store.
    /// </summary>
    internal sealed class MockCertificates : IDisposable
    {
        private readonly ECDsa _rootKey;

        private MockCertificates(ECDsa rootKey, X509Certificate2 root, X509Certificate2 leaf)
        {
            _rootKey = rootKey;
            Root = root;
            Leaf = leaf;
        }

        /// <summary>The root CA, public part only (what a client is told to trust).</summary>
        public X509Certificate2 Root { get; }

        /// <summary>The server's leaf, with its private key.</summary>
        public X509Certificate2 Leaf { get; }

        public static MockCertificates Create(IReadOnlyList<string> names)
        {
            if (names == null || names.Count == 0)
                throw new ArgumentException("At least one certificate name is needed.");
            var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rootName = new X500DistinguishedName("CN=WecomPS.Testing throw-away root " + Protocol.Ids.Hex(4));
            var rootRequest = new CertificateRequest(rootName, rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
            var notBefore = DateTimeOffset.UtcNow.AddHours(-1);
            var notAfter = DateTimeOffset.UtcNow.AddDays(2);
            X509Certificate2 root;
            using (var withKey = rootRequest.CreateSelfSigned(notBefore, notAfter))
                root = new X509Certificate2(withKey.RawData);

            var leaf = Issue(rootKey, rootName, "CN=" + names[0], names, serverAuth: true, notBefore, notAfter);
            return new MockCertificates(rootKey, root, leaf);
        }

        /// <summary>A client certificate (clientAuth) signed by this root, with its private key.</summary>
        public X509Certificate2 IssueClientCertificate(string subject) =>
            Issue(_rootKey, Root.SubjectName, subject, null, serverAuth: false,
                DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));

        private static X509Certificate2 Issue(ECDsa issuerKey, X500DistinguishedName issuer, string subject,
            IReadOnlyList<string> names, bool serverAuth, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            {
                var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
                request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
                var usage = new OidCollection
                {
                    new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")
                };
                request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usage, false));
                if (names != null)
                {
                    var san = new SubjectAlternativeNameBuilder();
                    foreach (var name in names)
                    {
                        if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
                        else san.AddDnsName(name);
                    }
                    request.CertificateExtensions.Add(san.Build());
                }
                var serial = new byte[12];
                using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(serial);
                serial[0] &= 0x7F;
                var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
                using (var signed = request.Create(issuer, generator, notBefore, notAfter, serial))
                using (var withKey = signed.CopyWithPrivateKey(key))
                {
                    // A PKCS#12 round trip gives a key every platform's TLS stack can use (an ephemeral key cannot on
                    // Windows); the password only lives for this call.
                    var password = Protocol.Ids.Hex(8);
                    return new X509Certificate2(withKey.Export(X509ContentType.Pkcs12, password), password,
                        X509KeyStorageFlags.Exportable);
                }
            }
        }

        /// <summary>PEM text of a certificate (public part).</summary>
        public static string ToPem(X509Certificate2 certificate)
        {
            var base64 = Convert.ToBase64String(certificate.RawData);
            var pem = new System.Text.StringBuilder("-----BEGIN CERTIFICATE-----\n");
            for (int i = 0; i < base64.Length; i += 64)
                pem.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
            return pem.Append("-----END CERTIFICATE-----\n").ToString();
        }

        public void Dispose()
        {
            _rootKey.Dispose();
            Root.Dispose();
            Leaf.Dispose();
        }
    }
}
