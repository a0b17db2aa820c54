using System;
using System.Management.Automation;
using System.Net;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommunications.Connect, "WecomBot", DefaultParameterSetName = EnvironmentSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WecomSession))]
    public sealed class ConnectWecomBotCommand : WecomCmdlet, IDisposable
    {
        private const string SecretSet = "Secret";
        private const string CredentialSet = "Credential";
        private const string EnvironmentSet = "Environment";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = SecretSet,
            ValueFromPipelineByPropertyName = true)]
        [Alias("UserName")]   // so that a piped PSCredential binds as bot id and secret
        // Empty is refused in ProcessRecord (WecomMissingCredentials), not by the binder: a piped record with an
        // empty BotId would otherwise be a non-terminating binding error and the pipeline would go on past it,
        // while one with an empty Secret ends it.
        [AllowEmptyString]
        [AllowNull]
        public string BotId { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = SecretSet,
            ValueFromPipelineByPropertyName = true)]
        [Alias("Password")]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString Secret { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = CredentialSet,
            ValueFromPipelineByPropertyName = true)]
        [Credential]
        [ValidateNotNull]
        public PSCredential Credential { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string Name { get; set; }

        [Parameter] [ValidateNotNull] public Uri Endpoint { get; set; } = WecomSessionOptions.DefaultEndpoint;

        [Parameter] [ValidateRange(1, 600)] public int TimeoutSec { get; set; } = 10;

        [Parameter] [ValidateRange(1, 3600)] public int HeartbeatIntervalSec { get; set; } = 30;

        [Parameter] [ValidateRange(1, 3600)] public int AckTimeoutSec { get; set; } = 15;

        [Parameter] [ValidateRange(1, 10_000_000)] public int InboxCapacity { get; set; } = 10000;

        [Parameter] [ValidateRange(-1, int.MaxValue)] public int MaxReconnectAttempts { get; set; } = -1;

        [Parameter] [ValidateRange(1, 3600)] public int ReconnectDelayMaxSec { get; set; } = 30;

        [Parameter] [ValidateRange(0, 10_000)] public int SendsPerMinute { get; set; } = 30;

        [Parameter] public Uri Proxy { get; set; }

        [Parameter] [Credential] public PSCredential ProxyCredential { get; set; }

        [Parameter] public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string CertificateThumbprint { get; set; }

        /// <summary>Roots to trust besides the system store: PEM or DER file paths, or certificate objects.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public object[] CertificateAuthority { get; set; }

        [Parameter] [ValidateNotNull] public X509Certificate2 ClientCertificate { get; set; }

        [Parameter] [ValidateRange(0, int.MaxValue)] public int Scene { get; set; }

        [Parameter] [ValidateNotNullOrEmpty] public string PlugVersion { get; set; }

        [Parameter] [ValidateRange(0, 100)] public int MaxAuthFailureRetries { get; set; }

        /// <summary>With bots piped in: how many connect at once (they are handed on in input order).</summary>
        [Parameter] [ValidateRange(1, 1000)] public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        [Parameter] public SwitchParameter PassThru { get; set; }

        public const int DefaultThrottleLimit = 32;

        private IReadOnlyList<X509Certificate2> _authorities;
        private ConnectBatch _batch;
        private bool _warned;
        // SecureStrings this cmdlet made from plain text: one per piped record, or one for the whole pipeline when
        // -Secret was typed; disposed when the pipeline ends.
        private readonly HashSet<SecureString> _madeFromPlainText = new HashSet<SecureString>();

        protected override void BeginProcessing()
        {
            if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != "wss" && Endpoint.Scheme != "ws"))
                ThrowError(ErrorIds.InvalidEndpoint, ErrorCategory.InvalidArgument,
                    "-Endpoint must be a ws:// or wss:// URI; got '" + Endpoint + "'.", Endpoint);
            if (ProxyCredential != null && Proxy == null)
                ThrowError(ErrorIds.ParameterNotApplicable, ErrorCategory.InvalidArgument,
                    "-ProxyCredential needs -Proxy: there is no proxy to authenticate to.", ProxyCredential.UserName);
            if (ClientCertificate != null && !ClientCertificate.HasPrivateKey)
                ThrowError(ErrorIds.InvalidCertificate, ErrorCategory.InvalidArgument,
                    "-ClientCertificate " + ClientCertificate.Subject + " has no private key: a TLS client cannot "
                    + "present it. Use a certificate from a PFX file or a certificate store with its key.",
                    ClientCertificate);
            _authorities = ResolveAuthorities();
            _batch = new ConnectBatch(ThrottleLimit, StopToken,
                (options, ct) => SessionStore.OpenAsync(options, s => s.AttachLog(this), ct));
        }

        protected override void ProcessRecord()
        {
            WecomSessionOptions options;
            try
            {
                options = BuildOptions();
            }
            catch
            {
                // A loop would have connected the bots before this one: finish them, then report this one.
                HandBackAll();
                throw;
            }
            if (!_warned)
            {
                _warned = true;
                foreach (var warning in options.TransportWarnings()) WriteWarning(warning);
                if (SecureStringTransformationAttribute.WasPlainText(Secret))
                    WriteVerbose("-Secret was given as plain text; it was converted to a SecureString. Prefer "
                        + "(Get-Secret ...) or Read-Host -AsSecureString.");
            }

            string target = TargetOf(options);
            bool started = false;
            try
            {
                if (!ShouldProcess(target, "Connect")) return;
                while (_batch.MustTakeBefore(options)) HandBackOldest();
                // The session keeps its own copy of the secret; this copy goes when the connect ends either way.
                _batch.Start(options, target, _ => options.Secret.Dispose());
                started = true;
            }
            finally
            {
                // -WhatIf, No at -Confirm, or an earlier bot failed: this copy is not needed.
                if (!started) options.Secret.Dispose();
            }
            HandBackFinished();
        }

        protected override void EndProcessing() => HandBackAll();

        /// <summary>The engine disposes the cmdlet however the pipeline ends: what is still connecting (Ctrl+C,
        /// an error elsewhere in the pipeline) is cancelled, and what connected but was not handed on is
        /// closed.</summary>
        public void Dispose()
        {
            _batch?.Abandon();
            _batch?.Dispose();
            foreach (var secret in _madeFromPlainText) secret.Dispose();
            _madeFromPlainText.Clear();
        }

        private static string TargetOf(WecomSessionOptions options) =>
            "bot " + options.BotId + " at " + options.Endpoint;

        /// <summary>Hands on, in order, the sessions at the front that have already connected.</summary>
        private void HandBackFinished()
        {
            while (_batch.Oldest != null && _batch.Oldest.Task.IsCompleted) HandBackOldest();
        }

        private void HandBackAll()
        {
            while (_batch != null && _batch.Oldest != null) HandBackOldest();
        }

        private void HandBackOldest()
        {
            var entry = _batch.Oldest;
            try
            {
                Await(entry.Task);
            }
            catch (PipelineStoppedException) { _batch.Abandon(); throw; }
            catch (Exception e)
            {
                _batch.Abandon();
                if (e is OperationCanceledException && StopToken.IsCancellationRequested)
                    throw new PipelineStoppedException();
                ThrowWecomError(e, entry.Target);
            }
            var session = _batch.TakeOldest();
            if (PassThru) WriteObject(session);
        }

        private WecomSessionOptions BuildOptions()
        {
            string botId = BotId;
            SecureString secret = Secret;
            if (ParameterSetName == CredentialSet)
            {
                botId = Credential.UserName;
                secret = Credential.Password;
            }
            else if (ParameterSetName == EnvironmentSet)
            {
                botId = Environment.GetEnvironmentVariable("WECOM_BOT_ID");
                var plain = Environment.GetEnvironmentVariable("WECOM_BOT_SECRET");
                if (string.IsNullOrEmpty(botId) || string.IsNullOrEmpty(plain))
                    ThrowError(ErrorIds.MissingCredentials, ErrorCategory.InvalidArgument,
                        "No credentials: pass -BotId and -Secret, or -Credential, or set the WECOM_BOT_ID and "
                            + "WECOM_BOT_SECRET environment variables.", null);
                secret = new SecureString();
                foreach (var c in plain) secret.AppendChar(c);
                secret.MakeReadOnly();
                WriteVerbose("Using the bot id and secret from WECOM_BOT_ID / WECOM_BOT_SECRET.");
            }
            if (string.IsNullOrEmpty(botId))
                ThrowError(ErrorIds.MissingCredentials, ErrorCategory.InvalidArgument, "The bot id is empty.", Name);
            if (secret == null || secret.Length == 0)
                ThrowError(ErrorIds.MissingCredentials, ErrorCategory.InvalidArgument, "The secret is empty.", botId);

            IWebProxy proxy = null;
            if (Proxy != null)
            {
                proxy = new WebProxy(Proxy);
                if (ProxyCredential != null) proxy.Credentials = ProxyCredential.GetNetworkCredential();
            }
            if (SecureStringTransformationAttribute.WasPlainText(secret)) _madeFromPlainText.Add(secret);
            var own = secret.Copy();
            own.MakeReadOnly();
            if (ParameterSetName == EnvironmentSet) secret.Dispose();
            return new WecomSessionOptions
            {
                BotId = botId,
                Secret = own,
                Name = Name,
                Endpoint = Endpoint,
                ConnectTimeout = TimeSpan.FromSeconds(TimeoutSec),
                HeartbeatInterval = TimeSpan.FromSeconds(HeartbeatIntervalSec),
                AckTimeout = TimeSpan.FromSeconds(AckTimeoutSec),
                InboxCapacity = InboxCapacity,
                MaxReconnectAttempts = MaxReconnectAttempts,
                ReconnectDelayMax = TimeSpan.FromSeconds(ReconnectDelayMaxSec),
                SendsPerMinute = SendsPerMinute,
                Proxy = proxy,
                SkipCertificateCheck = SkipCertificateCheck,
                CertificateThumbprint = CertificateThumbprint,
                ClientCertificate = ClientCertificate,
                Scene = MyInvocation.BoundParameters.ContainsKey(nameof(Scene)) ? Scene : (int?)null,
                PlugVersion = PlugVersion,
                MaxAuthFailureRetries = MaxAuthFailureRetries,
                CertificateAuthorities = _authorities,
            };
        }

        /// <summary>-CertificateAuthority as certificates: paths (PEM or DER, wildcards resolved) or objects.</summary>
        private IReadOnlyList<X509Certificate2> ResolveAuthorities()
        {
            if (CertificateAuthority == null) return null;
            var roots = new List<X509Certificate2>();
            foreach (var item in CertificateAuthority)
            {
                var value = item is PSObject wrapped ? wrapped.BaseObject : item;
                if (value is X509Certificate2 certificate) { roots.Add(certificate); continue; }
                if (value is X509Certificate plain) { roots.Add(new X509Certificate2(plain)); continue; }
                var path = value is System.IO.FileSystemInfo file ? file.FullName : value as string;
                if (string.IsNullOrEmpty(path))
                    ThrowError(ErrorIds.InvalidCertificate, ErrorCategory.InvalidArgument,
                        "-CertificateAuthority takes file paths (PEM or DER) or X509Certificate2 objects; got "
                        + (value?.GetType().FullName ?? "null") + ".", value);
                Collection<string> resolved = null;
                try
                {
                    resolved = GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (provider.Name != "FileSystem") throw new ItemNotFoundException(path + " is not a file");
                    // A wildcard that matches nothing must not quietly trust nothing.
                    if (resolved.Count == 0) throw new ItemNotFoundException(path + " matches no file");
                }
                catch (Exception e) when (e is ItemNotFoundException || e is DriveNotFoundException
                                          || e is ProviderNotFoundException)
                {
                    ThrowError(ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound,
                        "-CertificateAuthority: the certificate file '" + path + "' was not found.", path);
                }
                foreach (var one in resolved)
                {
                    try
                    {
                        roots.AddRange(CertificateTrust.Load(one));
                    }
                    catch (WecomException e) { ThrowWecomError(e, one); }
                    catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
                    {
                        ThrowError(ErrorIds.InvalidCertificate, ErrorCategory.ReadError,
                            "-CertificateAuthority: '" + one + "' could not be read: " + e.Message, one);
                    }
                }
            }
            foreach (var root in roots)
                WriteVerbose("Trusting the root " + root.Subject + " (" + root.Thumbprint + ").");
            return roots;
        }
    }
}
