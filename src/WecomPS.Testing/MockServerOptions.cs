using System;
using System.Collections.Generic;

namespace WecomPS.Testing
{
    /// <summary>Settings of a <see cref="WecomMockServer"/>. Read when used, so most can be changed while
    /// running.</summary>
    public sealed class MockServerOptions
    {
        /// <summary>The accepted bot_id.</summary>
        public string BotId { get; set; } = "aib-mock-bot";

        /// <summary>The accepted secret; random 32 hex characters per instance.</summary>
        public string Secret { get; set; } = Protocol.Ids.Hex(16);

        /// <summary>
        /// More bots this instance serves besides <see cref="BotId"/>: bot_id → secret. Each is checked exactly as
        /// BotId/Secret are, and each has its own live connection: a newer subscribe supersedes only the same bot's
        /// older connection. Pushes without a connection id go to <see cref="BotId"/>'s connections; a push to a
        /// connection id carries that connection's bot_id.
        /// </summary>
        public IDictionary<string, string> AdditionalBots { get; set; } =
            new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
        public int Port { get; set; } = 0;

        /// <summary>Delay before every ack (WAN simulation). Frames keep being processed meanwhile.</summary>
        public TimeSpan AckDelay { get; set; } = TimeSpan.Zero;

        /// <summary>When set: a chunk arriving while this many chunks of the same upload are unacked gets errcode -1
        /// "system error".</summary>
        public int? MaxChunksInFlightPerUpload { get; set; } = null;

        public TimeSpan WelcomeWindow { get; set; } = TimeSpan.FromSeconds(5);
        public TimeSpan UpdateWindow { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>aibot_respond_msg after this long from the callback gets 846604.</summary>
        public TimeSpan ReplyWindow { get; set; } = TimeSpan.FromHours(24);

        /// <summary>Stream frames later than this after the stream's first frame get 846608.</summary>
        public TimeSpan StreamLifetime { get; set; } = TimeSpan.FromMinutes(10);

        public TimeSpan MediaUrlLifetime { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>UTF-8 byte limit of markdown.content and stream.content.</summary>
        public int MaxContentBytes { get; set; } = 20480;

        /// <summary>0 = not enforced; else per-conversation sends + replies per rolling minute, then 846607.</summary>
        public int RateLimitPerMinute { get; set; } = 0;

        /// <summary>After a newer subscribe for the same bot the old connection gets disconnected_event, then is reset
        /// after this delay.</summary>
        public TimeSpan KickCloseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

        /// <summary>
        /// Whether a kicked connection (between disconnected_event and its reset) answers commands with 846609.
        /// Default false: observed real servers keep serving the old socket normally until they drop it.
        /// </summary>
        public bool KickedConnectionsAnswerNotSubscribed { get; set; } = false;

        /// <summary>How long an upload session lives after init.</summary>
        public TimeSpan UploadSessionLifetime { get; set; } = TimeSpan.FromMinutes(30);

        /// <summary>
        /// Serve wss:// (and https:// media URLs) with a throw-away root CA and a leaf for
        /// <see cref="CertificateNames"/>, made in memory at start. Clients must be told to trust
        /// <see cref="WecomMockServer.RootCertificate"/>.
        /// </summary>
        public bool Tls { get; set; }

        /// <summary>The names (DNS names or IP addresses) in the TLS leaf; the first is also its CN.</summary>
        public string[] CertificateNames { get; set; } = { "127.0.0.1", "localhost" };

        /// <summary>With <see cref="Tls"/>: the TLS handshake fails unless the client presents a certificate.</summary>
        public bool RequireClientCertificate { get; set; }

        /// <summary>WebSocket keep-alive (server pings). Zero by default: whether the real server pings is
        /// unknown.</summary>
        public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.Zero;
    }
}
