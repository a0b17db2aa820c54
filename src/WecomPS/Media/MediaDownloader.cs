using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS.Media
{
    /// <summary>One encrypted media reference of an inbound message: a message's own media, a mixed item, or a
    /// quote's.</summary>
    public sealed class MediaReference
    {
        public string MsgType { get; set; }
        public string Url { get; set; }
        public string AesKey { get; set; }
        public string FileName { get; set; }
        /// <summary>Used to make a name when the server sends none: image_&lt;msgid&gt;_2.png.</summary>
        public string NameHint { get; set; }
    }

    /// <summary>
    /// Downloads inbound media with the session's proxy and certificate options and decrypts it into the destination
    /// folder through a temporary file: a failure (expired URL, wrong key, bad padding) leaves no partial file.
    /// </summary>
    public sealed class MediaDownloader : IDisposable
    {
        /// <summary>
        /// The most a download may be: 21 MiB. The largest media WeCom carries is a 20 MB file (its ciphertext is
        /// at most 32 bytes more); anything larger is refused by its Content-Length, or when the bytes read pass this.
        /// </summary>
        public const long MaxDownloadBytes = 21 * 1024 * 1024;

        private readonly HttpClient _http;
        private readonly SessionLog _log;
        private readonly TimeSpan _timeout;
        private readonly WecomSessionOptions _options;
        private volatile string _certificateProblem;

        public MediaDownloader(WecomSessionOptions options, TimeSpan timeout, SessionLog log = null)
        {
            _log = log;
            _timeout = timeout;
            // Redirects are never followed: a media URL is a pre-signed link served where it points, and following one
            // could hand the download to another host (also under -SkipCertificateCheck).
            var handler = new HttpClientHandler { AllowAutoRedirect = false };
            if (options?.Proxy != null) { handler.Proxy = options.Proxy; handler.UseProxy = true; }
            _options = options ?? new WecomSessionOptions();
            // The session's certificate rule; also without a policy, so that a refusal can be named.
            try
            {
                handler.ServerCertificateCustomValidationCallback = (msg, cert, chain, errors) =>
                {
                    bool accepted = _options.AcceptsCertificate(cert, chain, errors, out var problem);
                    if (!accepted) _certificateProblem = problem;
                    return accepted;
                };
            }
            catch (PlatformNotSupportedException) when (!_options.HasCertificatePolicy) { }
            if (options?.ClientCertificate != null)
            {
                handler.ClientCertificateOptions = ClientCertificateOption.Manual;
                handler.ClientCertificates.Add(options.ClientCertificate);
            }
            // The deadline is ours (headers and body together): the client's own timeout stops at the headers.
            _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        /// <summary>
        /// Downloads, decrypts and saves one media within the timeout given to the constructor (request, headers and
        /// body). A timeout, a size over <see cref="MaxDownloadBytes"/>, a redirect or a decryption failure leaves no
        /// file behind.
        /// </summary>
        public async Task<FileInfo> SaveAsync(MediaReference media, string destination, bool overwrite,
            CancellationToken ct)
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                deadline.CancelAfter(_timeout);
                try
                {
                    return await SaveWithinAsync(media, destination, overwrite, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                    when (deadline.IsCancellationRequested && !ct.IsCancellationRequested && CutShort(e))
                {
                    throw new WecomException(ErrorIds.MediaDownloadTimeout, ErrorCategory.OperationTimeout,
                        "The media download did not finish within " + _timeout.TotalSeconds + " s (-TimeoutSec).", e);
                }
            }
        }

        /// <summary>
        /// Whether a failure can be the deadline cutting the transfer (a cancelled or aborted read, or a body that
        /// therefore ended early); a refusal decided from what the server sent (size, redirect, status) stays itself.
        /// </summary>
        private static bool CutShort(Exception e) =>
            !(e is WecomException w) || w.ErrorId == ErrorIds.MediaCorrupt || w.ErrorId == ErrorIds.MediaBadPadding ||
            w.ErrorId == ErrorIds.MediaDownloadFailed;

        private async Task<FileInfo> SaveWithinAsync(MediaReference media, string destination, bool overwrite,
            CancellationToken ct)
        {
            if (string.IsNullOrEmpty(media.Url))
                throw new WecomException(ErrorIds.MediaNoUrl, ErrorCategory.InvalidArgument, "The " + media.MsgType
                    + " has no media URL.");
            var key = MediaDecryptor.DecodeKey(media.AesKey);
            Directory.CreateDirectory(destination);
            _log?.Verbose("GET " + FrameRedactor.RedactUrl(media.Url));

            HttpResponseMessage response;
            try
            {
                response = await _http.GetAsync(media.Url, HttpCompletionOption.ResponseHeadersRead, ct)
                    .ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (!ct.IsCancellationRequested && _certificateProblem != null)
            {
                throw new WecomException(ErrorIds.CertificateRejected, ErrorCategory.SecurityError,
                    "The media download failed: the TLS certificate of "
                    + new Uri(media.Url).GetLeftPart(UriPartial.Authority) + " was rejected: " + _certificateProblem
                    + ".",
                    e);
            }
            catch (HttpRequestException e) when (!ct.IsCancellationRequested)
            {
                throw new WecomException(ErrorIds.MediaDownloadFailed, ErrorCategory.ConnectionError,
                    "The media download failed: " + e.Message, e);
            }

            using (response)
            using (ct.Register(() => response.Dispose()))   // a body read that stalls ends at the deadline
            {
                int code = (int)response.StatusCode;
                if (code >= 300 && code < 400) throw RedirectRefused(response, code);
                if (!response.IsSuccessStatusCode)
                {
                    bool expired = code == 403 || code == 404 || code == 410;
                    throw new WecomException(expired ? ErrorIds.MediaExpired : ErrorIds.MediaDownloadFailed,
                        expired ? ErrorCategory.ResourceUnavailable : ErrorCategory.ConnectionError,
                        "The media download was refused with HTTP " + code
                            + (expired ? ": media URLs are valid for about 5 minutes after the message arrived; "
                                + "save media soon after receiving it." : "."));
                }
                long? declared = response.Content.Headers.ContentLength;
                if (declared > MaxDownloadBytes) throw TooLarge("its Content-Length is " + declared + " bytes");
                string serverName = FileNameFrom(response.Content.Headers.ContentDisposition?.ToString()
                    ?? TryHeader(response, "Content-Disposition"));
                var temp = Path.Combine(destination, "." + Guid.NewGuid().ToString("n") + ".wecom-partial");
                try
                {
                    long length;
                    var head = new byte[16];
                    int headCount;
                    using (var raw = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                    using (var body = new CountingStream(raw, MaxDownloadBytes))
                    using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                        1 << 16, FileOptions.Asynchronous))
                    {
                        length = await MediaDecryptor.DecryptAsync(body, file, key, ct).ConfigureAwait(false);
                        file.Position = 0;
                        headCount = file.Read(head, 0, head.Length);
                    }
                    var fallback = media.NameHint + (SafeFileName.SniffExtension(head, headCount)
                        ?? DefaultExtension(media.MsgType));
                    var name = SafeFileName.Clean(serverName ?? media.FileName, fallback);
                    var final = SafeFileName.PathIn(destination, name, overwrite);
                    if (overwrite && File.Exists(final)) File.Delete(final);
                    File.Move(temp, final);
                    _log?.Verbose("Saved " + length + " bytes to " + final + ".");
                    return new FileInfo(final);
                }
                catch
                {
                    try { File.Delete(temp); } catch { }
                    throw;
                }
            }
        }

        private static WecomException TooLarge(string why) =>
            new WecomException(ErrorIds.MediaTooLarge, ErrorCategory.LimitsExceeded,
                "The media download was refused: " + why + ", over the limit of " + MaxDownloadBytes +
                " bytes (21 MiB; WeCom media is at most 20 MB). Nothing was saved.");

        /// <summary>Names where a redirect pointed: scheme, host and port (its query may carry a signature).</summary>
        private static WecomException RedirectRefused(HttpResponseMessage response, int code)
        {
            var location = response.Headers.Location;
            if (location != null && !location.IsAbsoluteUri && response.RequestMessage?.RequestUri != null)
                location = new Uri(response.RequestMessage.RequestUri, location);
            string target = location != null && location.IsAbsoluteUri
                ? location.GetLeftPart(UriPartial.Authority) : "an unknown location";
            return new WecomException(ErrorIds.MediaRedirectRefused, ErrorCategory.SecurityError,
                "The media server answered HTTP " + code + ", a redirect to " + target + ". Media downloads do not " +
                "follow redirects (a media URL is served where it points), so nothing was fetched from there.");
        }

        /// <summary>Passes reads through; throws WecomMediaTooLarge as soon as more than the limit was read.</summary>
        private sealed class CountingStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _limit;
            private long _read;

            public CountingStream(Stream inner, long limit) { _inner = inner; _limit = limit; }

            private int Count(int n)
            {
                _read += n;
                if (_read > _limit) throw TooLarge("its body passed " + _limit + " bytes");
                return n;
            }

            public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
                Count(await _inner.ReadAsync(buffer, offset, count, ct).ConfigureAwait(false));

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => _read; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }

        private static string TryHeader(HttpResponseMessage r, string name) =>
            r.Content.Headers.TryGetValues(name, out var v)
                || r.Headers.TryGetValues(name, out v) ? v.FirstOrDefault() : null;

        private static string DefaultExtension(string msgType) => msgType == "image" ? ".jpg" : msgType == "video"
            ? ".mp4" : ".bin";

        /// <summary>
        /// The file name of a Content-Disposition value: <c>filename*=UTF-8''…</c> (percent-decoded) first, then
        /// <c>filename="…"</c> or <c>filename=…</c>. A stray % does not throw (unlike Node's decoder).
        /// </summary>
        public static string FileNameFrom(string contentDisposition)
        {
            if (string.IsNullOrEmpty(contentDisposition)) return null;
            var m = System.Text.RegularExpressions.Regex.Match(contentDisposition,
                @"filename\*\s*=\s*(?:UTF-8|utf-8)?'[^']*'([^;]+)");
            if (m.Success) return PercentDecode(m.Groups[1].Value.Trim().Trim('"'));
            m = System.Text.RegularExpressions.Regex.Match(contentDisposition,
                @"filename\s*=\s*(?:""([^""]*)""|([^;]+))");
            if (m.Success) return PercentDecode((m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Trim());
            return null;
        }

        private static string PercentDecode(string s)
        {
            try { return Uri.UnescapeDataString(s); } catch { return s; }
        }

        public void Dispose() => _http.Dispose();
    }
}
