using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace WecomPS.Session
{
    /// <summary>
    /// Extra trusted roots (-CertificateAuthority) for TLS-intercepting corporate proxies: a server certificate the
    /// system store does not trust is accepted only when its chain builds, for server authentication, to one of these
    /// roots with no other error; a name mismatch is never forgiven. Also reads the roots from PEM or DER files.
    /// </summary>
    internal static class CertificateTrust
    {
        private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
        private const string PemBegin = "-----BEGIN CERTIFICATE-----";
        private const string PemEnd = "-----END CERTIFICATE-----";

        /// <summary>
        /// Whether the certificate the system rejected only for its chain builds to one of <paramref name="roots"/>.
        /// <paramref name="problem"/> says why not.
        /// </summary>
        public static bool ChainsToAuthority(X509Certificate2 leaf, X509Chain presented,
            IReadOnlyList<X509Certificate2> roots, out string problem)
        {
            problem = null;
            using (var chain = new X509Chain())
            {
                var policy = chain.ChainPolicy;
                policy.RevocationMode = X509RevocationMode.NoCheck;
                policy.ApplicationPolicy.Add(new Oid(ServerAuthOid));
                // Intermediates the server sent, then the given roots (for runtimes without a custom trust store).
                if (presented != null)
                    foreach (var element in presented.ChainElements) policy.ExtraStore.Add(element.Certificate);
                foreach (var root in roots) policy.ExtraStore.Add(root);
                bool customTrust = TryUseCustomTrustStore(policy, roots);
                if (!customTrust) policy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;

                bool built = chain.Build(leaf);
                var elements = chain.ChainElements;
                var top = elements.Count > 0 ? elements[elements.Count - 1].Certificate : null;
                bool topIsGiven = top != null && roots.Any(r => string.Equals(r.Thumbprint, top.Thumbprint,
                    StringComparison.OrdinalIgnoreCase));
                // Without a custom trust store the given root shows up as UntrustedRoot: that one status is expected
                // when the root is one of ours; every other status (expiry, usage, partial chain...) is fatal.
                var errors = chain.ChainStatus
                    .Where(s => s.Status != X509ChainStatusFlags.NoError)
                    .Where(s => customTrust || !(s.Status == X509ChainStatusFlags.UntrustedRoot && topIsGiven))
                    .Select(s => s.Status.ToString())
                    .Distinct()
                    .ToArray();
                if (built && topIsGiven && errors.Length == 0) return true;
                if (!topIsGiven)
                    problem = "its chain does not end at a -CertificateAuthority root (it ends at "
                              + (top?.Subject ?? "nothing") + Status(errors) + ")";
                else
                    problem = "its chain to the -CertificateAuthority root " + top.Subject + " has errors:"
                              + string.Join(",", errors);
                return false;
            }
        }

        /// <summary>Why the system rejected a chain, from the chain the TLS stack built.</summary>
        public static string DescribeChain(X509Chain chain)
        {
            var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => s.Status.ToString()).Distinct().ToArray() ?? new string[0];
            return "its chain is not trusted" + Status(statuses);
        }

        private static string Status(string[] statuses) =>
            statuses.Length == 0 ? "" : " (" + string.Join(", ", statuses) + ")";

        /// <summary>
        /// Where the runtime has it (.NET 5+), trust only the given roots for this chain (CustomTrustStore with
        /// TrustMode CustomRootTrust). netstandard2.0 does not expose these, so they are set by reflection.
        /// </summary>
        private static bool TryUseCustomTrustStore(X509ChainPolicy policy, IReadOnlyList<X509Certificate2> roots)
        {
            var storeProperty = typeof(X509ChainPolicy).GetProperty("CustomTrustStore");
            var modeProperty = typeof(X509ChainPolicy).GetProperty("TrustMode");
            if (storeProperty == null || modeProperty == null || !modeProperty.PropertyType.IsEnum) return false;
            if (!(storeProperty.GetValue(policy) is X509Certificate2Collection store)) return false;
            foreach (var root in roots) store.Add(root);
            modeProperty.SetValue(policy, Enum.Parse(modeProperty.PropertyType, "CustomRootTrust"));
            return true;
        }

        /// <summary>The certificates of a PEM file (one or more CERTIFICATE blocks) or a DER file.</summary>
        public static IReadOnlyList<X509Certificate2> Load(string path)
        {
            byte[] bytes = File.ReadAllBytes(path);
            // An empty file would make an empty certificate object that fails later with an obscure handle error.
            if (bytes.Length == 0)
                throw new WecomException(ErrorIds.InvalidCertificate, ErrorCategory.InvalidData,
                    "'" + path + "' is empty: it is not a certificate in PEM or DER form.");
            var text = Encoding.ASCII.GetString(bytes);
            var found = new List<X509Certificate2>();
            try
            {
                if (text.IndexOf(PemBegin, StringComparison.Ordinal) < 0)
                {
                    found.Add(new X509Certificate2(bytes));
                    return found;
                }
                int at = 0;
                while ((at = text.IndexOf(PemBegin, at, StringComparison.Ordinal)) >= 0)
                {
                    int start = at + PemBegin.Length;
                    int end = text.IndexOf(PemEnd, start, StringComparison.Ordinal);
                    if (end < 0) throw new FormatException("a CERTIFICATE block has no END line");
                    found.Add(new X509Certificate2(Convert.FromBase64String(text.Substring(start, end - start))));
                    at = end + PemEnd.Length;
                }
                return found;
            }
            catch (Exception e) when (e is FormatException || e is CryptographicException)
            {
                foreach (var certificate in found) certificate.Dispose();
                throw new WecomException(ErrorIds.InvalidCertificate, ErrorCategory.InvalidData,
                    "'" + path + "' is not a certificate in PEM or DER form: " + e.Message, e);
            }
        }

        /// <summary>What a user should read about a certificate: subject, issuer and the names it is for.</summary>
        public static string Describe(X509Certificate2 certificate)
        {
            var names = certificate.Extensions.Cast<X509Extension>().FirstOrDefault(x => x.Oid?.Value == "2.5.29.17");
            return "subject " + certificate.Subject + ", issuer " + certificate.Issuer
                   + (names != null ? ", names " + names.Format(false) : "")
                   + ", thumbprint " + certificate.Thumbprint;
        }

        /// <summary>The reason a certificate was refused, for an error message (null when it was accepted).</summary>
        public static string Problem(X509Certificate2 certificate, SslPolicyErrors errors, string chainProblem)
        {
            if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                return "the server presented no certificate";
            var parts = new List<string>();
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                parts.Add("its names do not match the host name");
            if (chainProblem != null) parts.Add(chainProblem);
            return string.Join("; ", parts) + " [" + Describe(certificate) + "]";
        }
    }
}
