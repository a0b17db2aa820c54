using System;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Starts the WeCom AI-bot server double on a free loopback port.</para>
    /// <para type="description">The same strict double the WecomPS test suites use. Connect a client to its
    /// Endpoint with its BotId and Secret. With -Tls it serves wss:// with a throw-away root CA (RootCertificate,
    /// RootCertificatePem) for Connect-WecomBot -CertificateAuthority. The test kit runs in PowerShell 7.4+ only
    /// (not Windows PowerShell 5.1).</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "WecomMockServer")]
    [OutputType(typeof(WecomMockServer))]
    public sealed class StartWecomMockServerCommand : PSCmdlet
    {
        /// <summary>The bot id the server accepts. Default: aib-mock-bot.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string BotId { get; set; }

        /// <summary>The secret the server accepts (plain text: it is a test secret). Default: 32 random hex
        /// characters.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string Secret { get; set; }

        /// <summary>TCP port on 127.0.0.1. Default 0: a free port.</summary>
        [Parameter] [ValidateRange(0, 65535)] public int Port { get; set; }

        /// <summary>Delay before every ack, in milliseconds (a slow network). Frames are still processed
        /// meanwhile.</summary>
        [Parameter] [ValidateRange(0, 600000)] public int AckDelayMs { get; set; }

        /// <summary>Upload chunks of one upload allowed in flight; one more is refused with errcode -1. Default: no
        /// limit.</summary>
        [Parameter] [ValidateRange(1, 1000)] public int MaxChunksInFlight { get; set; }

        /// <summary>Sends and replies per conversation per rolling minute before errcode 846607. Default 0: no
        /// limit.</summary>
        [Parameter] [ValidateRange(0, 100000)] public int RateLimitPerMinute { get; set; }

        /// <summary>UTF-8 byte limit of markdown and stream content (errcode 40058 above it). Default 20480.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int MaxContentBytes { get; set; }

        /// <summary>Seconds after a message callback during which a reply is accepted (else 846604). Default 24
        /// hours.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int ReplyWindowSec { get; set; }

        /// <summary>Seconds after enter_chat during which a welcome reply is accepted. Default 5.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int WelcomeWindowSec { get; set; }

        /// <summary>Seconds after template_card_event during which a card update is accepted. Default 5.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int UpdateWindowSec { get; set; }

        /// <summary>Seconds a streaming reply may keep being updated after its first frame (else 846608). Default
        /// 600.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int StreamLifetimeSec { get; set; }

        /// <summary>Seconds a pushed media URL stays downloadable (then 403). Default 300.</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int MediaUrlLifetimeSec { get; set; }

        /// <summary>Milliseconds between disconnected_event and the reset of a connection kicked by a newer subscribe.
        /// Default 200.</summary>
        [Parameter] [ValidateRange(0, 600000)] public int KickCloseDelayMs { get; set; }

        /// <summary>Interval of server WebSocket pings, in seconds. Default 0: the server does not ping.</summary>
        [Parameter] [ValidateRange(0, 3600)] public int KeepAliveSec { get; set; }

        /// <summary>
        /// Serve wss:// (and https:// media URLs) with a throw-away root CA and leaf made in memory at start; the
        /// server's RootCertificate / RootCertificatePem is what Connect-WecomBot -CertificateAuthority needs.
        /// </summary>
        [Parameter] public SwitchParameter Tls { get; set; }

        /// <summary>With -Tls: the names (DNS names or IP addresses) of the leaf.
        /// Default 127.0.0.1, localhost.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string[] CertificateName { get; set; }

        /// <summary>With -Tls: refuse a TLS handshake without a client certificate (NewClientCertificate()).</summary>
        [Parameter] public SwitchParameter RequireClientCertificate { get; set; }

        /// <summary>More bots to serve besides -BotId: a hashtable of bot id = secret. Each has its own live
        /// connection, checked exactly as -BotId / -Secret.</summary>
        [Parameter] [ValidateNotNull] public System.Collections.Hashtable AdditionalBot { get; set; }

        /// <summary>Settings to start from (a WecomPS.Testing.MockServerOptions); the other parameters override
        /// them.</summary>
        [Parameter] [ValidateNotNull] public MockServerOptions Options { get; set; }

        protected override void EndProcessing()
        {
            var options = Options ?? new MockServerOptions();
            var bound = MyInvocation.BoundParameters;
            if (bound.ContainsKey(nameof(BotId))) options.BotId = BotId;
            if (bound.ContainsKey(nameof(Secret))) options.Secret = Secret;
            if (bound.ContainsKey(nameof(Port))) options.Port = Port;
            if (bound.ContainsKey(nameof(AckDelayMs))) options.AckDelay = TimeSpan.FromMilliseconds(AckDelayMs);
            if (bound.ContainsKey(nameof(MaxChunksInFlight))) options.MaxChunksInFlightPerUpload = MaxChunksInFlight;
            if (bound.ContainsKey(nameof(RateLimitPerMinute))) options.RateLimitPerMinute = RateLimitPerMinute;
            if (bound.ContainsKey(nameof(MaxContentBytes))) options.MaxContentBytes = MaxContentBytes;
            if (bound.ContainsKey(nameof(ReplyWindowSec))) options.ReplyWindow = TimeSpan.FromSeconds(ReplyWindowSec);
            if (bound.ContainsKey(nameof(WelcomeWindowSec))) options.WelcomeWindow =
                TimeSpan.FromSeconds(WelcomeWindowSec);
            if (bound.ContainsKey(nameof(UpdateWindowSec))) options.UpdateWindow =
                TimeSpan.FromSeconds(UpdateWindowSec);
            if (bound.ContainsKey(nameof(StreamLifetimeSec))) options.StreamLifetime =
                TimeSpan.FromSeconds(StreamLifetimeSec);
            if (bound.ContainsKey(nameof(MediaUrlLifetimeSec))) options.MediaUrlLifetime =
                TimeSpan.FromSeconds(MediaUrlLifetimeSec);
            if (bound.ContainsKey(nameof(KickCloseDelayMs))) options.KickCloseDelay =
                TimeSpan.FromMilliseconds(KickCloseDelayMs);
            if (bound.ContainsKey(nameof(KeepAliveSec))) options.KeepAliveInterval = TimeSpan.FromSeconds(KeepAliveSec);
            if (AdditionalBot != null)
                foreach (System.Collections.DictionaryEntry bot in AdditionalBot)
                {
                    var id = bot.Key as string;
                    var secret = (bot.Value is PSObject wrapped ? wrapped.BaseObject : bot.Value) as string;
                    if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                                "-AdditionalBot takes bot id = secret, both non-empty strings; got '" + bot.Key
                                + "'."), "WecomMockInvalidBot", ErrorCategory.InvalidArgument, bot.Key));
                    options.AdditionalBots[id] = secret;
                }
            if (bound.ContainsKey(nameof(Tls))) options.Tls = Tls.IsPresent;
            if (bound.ContainsKey(nameof(CertificateName))) options.CertificateNames = CertificateName;
            if (bound.ContainsKey(nameof(RequireClientCertificate)))
                options.RequireClientCertificate = RequireClientCertificate.IsPresent;
            if (!options.Tls && (options.RequireClientCertificate || bound.ContainsKey(nameof(CertificateName))))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                        "-CertificateName and -RequireClientCertificate need -Tls: a ws:// server has no certificate."),
                    "WecomMockParameterNeedsTls", ErrorCategory.InvalidArgument, null));

            WecomMockServer server = null;
            try
            {
                server = WecomMockServer.Start(options);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "WecomMockStartFailed", ErrorCategory.ResourceUnavailable,
                    "127.0.0.1:" + options.Port));
            }
            MockServerRegistry.Add(server);
            WriteVerbose("WeCom mock server listening at " + server.Endpoint + " (bot id " + server.BotId + ").");
            WriteObject(server);
        }
    }
}
