using System;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Security;

namespace WecomPS.Session
{
    /// <summary>Everything a session needs to connect and behave. The secret stays a SecureString.</summary>
    public sealed class WecomSessionOptions
    {
        public static readonly Uri DefaultEndpoint = new Uri("wss://openws.work.weixin.qq.com");

        public string BotId { get; set; }
        public SecureString Secret { get; set; }
        public string Name { get; set; }
        /// <summary>The name the session goes by: <see cref="Name"/>, else the bot id.</summary>
        public string SessionName => string.IsNullOrEmpty(Name) ? BotId : Name;
        public Uri Endpoint { get; set; } = DefaultEndpoint;
        /// <summary>Time for the socket to open and the subscribe ack to arrive.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>Default wait for an ack of a command (replies, sends, upload steps).</summary>
        public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(15);
        /// <summary>
        /// One ping per interval; a link without any frame for <see cref="DeadAfter"/> is dead. 1 s to 1 h, as
        /// -HeartbeatIntervalSec (zero would declare every link dead at once and reconnect in a loop).
        /// </summary>
        public TimeSpan HeartbeatInterval
        {
            get => _heartbeatInterval;
            set
            {
                if (value < TimeSpan.FromSeconds(1) || value > TimeSpan.FromHours(1))
                    throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), value, "from 1 s to 1 h");
                _heartbeatInterval = value;
            }
        }
        private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(30);
        public int InboxCapacity { get; set; } = 10000;
        /// <summary>-1: never give up (the default).</summary>
        public int MaxReconnectAttempts { get; set; } = -1;
        public TimeSpan ReconnectDelayBase { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Per-conversation pacing (docs/protocol.md §8: 30/min and 1000/h); 0 turns a window off.</summary>
        public int SendsPerMinute { get; set; } = 30;
        public int SendsPerHour { get; set; } = 1000;
        public int DedupCapacity { get; set; } = 10000;
        public TimeSpan DedupWindow { get; set; } = TimeSpan.FromHours(24);
        /// <summary>Upper bound of the dedup table: beyond it the oldest ids go even inside the window.</summary>
        public int DedupMaxIds { get; set; } = 100000;
        /// <summary>Upper bound of the chats remembered for -ChatId completion (least recently seen forgotten
        /// first).</summary>
        public int KnownChatsCapacity { get; set; } = 1000;
        /// <summary>Upper bound of the conversations the pacer tracks (idle ones are forgotten first).</summary>
        public int PacedConversationsCapacity { get; set; } = 10000;
        /// <summary>
        /// The largest inbound WebSocket message kept (default 4 MiB). Real frames are callbacks and acks of a few KB
        /// (text is capped at 20480 bytes, media arrive as URLs), so 4 MiB is far above any of them and bounds what a
        /// broken or hostile server can make the reader hold. A larger message is read to its end, dropped and
        /// counted in FramesSkipped; the connection goes on.
        /// </summary>
        public int MaxInboundFrameBytes
        {
            get => _maxInboundFrameBytes;
            set
            {
                if (value < 1024)
                    throw new ArgumentOutOfRangeException(nameof(MaxInboundFrameBytes), value, "at least 1024 bytes");
                _maxInboundFrameBytes = value;
            }
        }
        private int _maxInboundFrameBytes = DefaultMaxInboundFrameBytes;
        public const int DefaultMaxInboundFrameBytes = 4 * 1024 * 1024;
        public IWebProxy Proxy { get; set; }
        public bool SkipCertificateCheck { get; set; }
        public string CertificateThumbprint { get; set; }
        /// <summary>Roots trusted besides the system store (-CertificateAuthority; corporate TLS proxies).</summary>
        public System.Collections.Generic.IReadOnlyList<X509Certificate2> CertificateAuthorities { get; set; }
        /// <summary>Presented when the server or a proxy asks for a client certificate (socket, downloads).</summary>
        public X509Certificate2 ClientCertificate { get; set; }
        /// <summary>body.scene of aibot_subscribe when set (docs/protocol.md §2); absent when null.</summary>
        public int? Scene { get; set; }
        /// <summary>body.plug_version of aibot_subscribe when set; absent when null.</summary>
        public string PlugVersion { get; set; }
        /// <summary>
        /// Reconnect attempts refused with 853000 that are retried with the backoff before the session fails;
        /// 0 fails at the first refusal.
        /// </summary>
        public int MaxAuthFailureRetries { get; set; }

        /// <summary>The clock of pacing and dedup windows (tests move it; null = MonotonicClock).</summary>
        internal Func<DateTime> UtcClock { get; set; }

        /// <summary>
        /// True when -SkipCertificateCheck, -CertificateThumbprint or -CertificateAuthority changes how server
        /// certificates are checked.
        /// </summary>
        internal bool HasCertificatePolicy => SkipCertificateCheck || !string.IsNullOrEmpty(CertificateThumbprint)
                                              || (CertificateAuthorities != null && CertificateAuthorities.Count > 0);

        internal bool AcceptsCertificate(X509Certificate certificate, SslPolicyErrors errors) =>
            AcceptsCertificate(certificate, null, errors, out _);

        /// <summary>
        /// The one certificate rule for the WebSocket and media downloads: normal validation; or anything with
        /// -SkipCertificateCheck; or a certificate whose thumbprint is -CertificateThumbprint (spaces ignored); or,
        /// when the only error is the chain, a chain that builds to a -CertificateAuthority root
        /// (<see cref="CertificateTrust"/>). A name mismatch is never accepted otherwise. <paramref name="problem"/>
        /// says why a certificate was refused.
        /// </summary>
        internal bool AcceptsCertificate(X509Certificate certificate, X509Chain chain, SslPolicyErrors errors,
            out string problem)
        {
            problem = null;
            if (SkipCertificateCheck || errors == SslPolicyErrors.None) return true;
            var presented = certificate == null
                ? null
                : certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            if (presented != null && !string.IsNullOrEmpty(CertificateThumbprint)
                && string.Equals(presented.Thumbprint, CertificateThumbprint.Replace(" ", ""),
                    StringComparison.OrdinalIgnoreCase))
                return true;
            string chainProblem = null;
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                bool haveRoots = CertificateAuthorities != null && CertificateAuthorities.Count > 0;
                if (haveRoots && presented != null)
                {
                    bool chains = CertificateTrust.ChainsToAuthority(presented, chain, CertificateAuthorities,
                        out chainProblem);
                    if (chains && errors == SslPolicyErrors.RemoteCertificateChainErrors) return true;
                }
                else chainProblem = CertificateTrust.DescribeChain(chain);
            }
            problem = CertificateTrust.Problem(presented, errors, chainProblem);
            return false;
        }

        /// <summary>
        /// What a user should hear about how the secret travels: in clear text over ws:// to another machine, or to a
        /// server whose certificate is not checked.
        /// </summary>
        public System.Collections.Generic.IReadOnlyList<string> TransportWarnings()
        {
            var warnings = new System.Collections.Generic.List<string>();
            if (Endpoint != null && Endpoint.Scheme == "ws" && !Endpoint.IsLoopback)
                warnings.Add("-Endpoint " + Endpoint.GetLeftPart(UriPartial.Authority)
                    + " is ws:// to another machine: "
                    + "the bot secret and every message cross the network in clear text. Use wss://.");
            if (SkipCertificateCheck)
                warnings.Add("-SkipCertificateCheck: the server's certificate is not checked, so anyone on the "
                    + "network path "
                    + "can pose as the server and read the bot secret. Prefer -CertificateThumbprint for a known "
                        + "test server.");
            return warnings;
        }

        public WecomSessionOptions Clone() => (WecomSessionOptions)MemberwiseClone();

        /// <summary>The time without any frame after which the socket is declared dead: two intervals plus a
        /// margin.</summary>
        public TimeSpan DeadAfter => TimeSpan.FromTicks(HeartbeatInterval.Ticks * 2
            + Math.Min(HeartbeatInterval.Ticks / 2, TimeSpan.FromSeconds(10).Ticks));
    }
}
