using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using WecomPS.Testing.Server;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private readonly MockCertificates _certificates;
        private readonly List<X509Certificate2> _clientCertificates = new List<X509Certificate2>();
        private readonly List<string> _tlsFailures = new List<string>();

        /// <summary>With <see cref="MockServerOptions.Tls"/>: the throw-away root CA (public part) to trust.</summary>
        public X509Certificate2 RootCertificate =>
            _certificates == null ? null : new X509Certificate2(_certificates.Root.RawData);

        /// <summary>The root CA as PEM text (write it to a .pem/.crt file for -CertificateAuthority).</summary>
        public string RootCertificatePem => _certificates == null ? null : MockCertificates.ToPem(_certificates.Root);

        /// <summary>The server's TLS leaf (public part).</summary>
        public X509Certificate2 ServerCertificate =>
            _certificates == null ? null : new X509Certificate2(_certificates.Leaf.RawData);

        /// <summary>Client certificates presented in TLS handshakes, in order (public parts).</summary>
        public IReadOnlyList<X509Certificate2> ClientCertificates
        {
            get { lock (_clientCertificates) return _clientCertificates.ToArray(); }
        }

        /// <summary>Why TLS handshakes failed (the client rejected the server, or
        /// gave no required certificate).</summary>
        public IReadOnlyList<string> TlsFailures
        {
            get { lock (_tlsFailures) return _tlsFailures.ToArray(); }
        }

        /// <summary>A client certificate (with private key) signed by this server's root, for a
        /// client-certificate test.</summary>
        public X509Certificate2 NewClientCertificate(string subject = "CN=WecomPS.Testing client")
        {
            if (_certificates == null) throw new InvalidOperationException("The server was started without Tls.");
            return _certificates.IssueClientCertificate(subject);
        }

        /// <summary>The TLS handshake as the server; null when it failed or took over
        /// 10 s (recorded in TlsFailures).</summary>
        private async Task<Stream> AuthenticateTlsAsync(Stream network)
        {
            bool require = Options.RequireClientCertificate;
            var ssl = new SslStream(network, false, (sender, certificate, chain, errors) =>
            {
                if (certificate != null)
                {
                    var presented = new X509Certificate2(certificate.GetRawCertData());
                    lock (_clientCertificates) _clientCertificates.Add(presented);
                }
                return !require || certificate != null;
            });
            var handshake = ssl.AuthenticateAsServerAsync(_certificates.Leaf, require, SslProtocols.None, false);
            try
            {
                if (await Task.WhenAny(handshake, Task.Delay(TimeSpan.FromSeconds(10), _stopping.Token))
                        .ConfigureAwait(false) != handshake)
                    throw new TimeoutException("no TLS handshake within 10 s");
                await handshake.ConfigureAwait(false);
                return ssl;
            }
            catch (Exception e) when (e is AuthenticationException || e is IOException || e is TimeoutException
                || e is OperationCanceledException || e is ObjectDisposedException)
            {
                var why = e.Message + (e.InnerException != null ? " (" + e.InnerException.Message + ")" : "");
                lock (_tlsFailures) _tlsFailures.Add(why);
                _state.Changed.Notify();
                ssl.Dispose();
                _ = handshake.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                return null;
            }
        }
    }
}
