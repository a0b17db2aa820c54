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
    /// <summary>One encrypted media reference of an inbound message: a message's own media, a mixed item, or a quote's.</summary>
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
        private readonly HttpClient _http;
        private readonly SessionLog _log;

        public MediaDownloader(WecomSessionOptions options, TimeSpan timeout, SessionLog log = null)
        {
            _log = log;
            var handler = new HttpClientHandler();
            if (options?.Proxy != null) { handler.Proxy = options.Proxy; handler.UseProxy = true; }
            if (options != null && options.HasCertificatePolicy)
                handler.ServerCertificateCustomValidationCallback = (msg, cert, chain, errors) => options.AcceptsCertificate(cert, errors);
            _http = new HttpClient(handler) { Timeout = timeout };
        }

        public async Task<FileInfo> SaveAsync(MediaReference media, string destination, bool overwrite, CancellationToken ct)
        {
            if (string.IsNullOrEmpty(media.Url))
                throw new WecomException("WecomMediaNoUrl", ErrorCategory.InvalidArgument, "The " + media.MsgType + " has no media URL.");
            var key = MediaDecryptor.DecodeKey(media.AesKey);
            Directory.CreateDirectory(destination);
            _log?.Verbose("GET " + FrameRedactor.RedactUrl(media.Url));

            HttpResponseMessage response;
            try
            {
                response = await _http.GetAsync(media.Url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new WecomException("WecomMediaDownloadTimeout", ErrorCategory.OperationTimeout, "The media download did not finish within " + _http.Timeout.TotalSeconds + " s.", e);
            }
            catch (HttpRequestException e)
            {
                throw new WecomException("WecomMediaDownloadFailed", ErrorCategory.ConnectionError, "The media download failed: " + e.Message, e);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    var code = (int)response.StatusCode;
                    bool expired = code == 403 || code == 404 || code == 410;
                    throw new WecomException(expired ? "WecomMediaExpired" : "WecomMediaDownloadFailed", expired ? ErrorCategory.ResourceUnavailable : ErrorCategory.ConnectionError,
                        "The media download was refused with HTTP " + code + (expired ? ": media URLs are valid for about 5 minutes after the message arrived; save media soon after receiving it." : "."));
                }
                string serverName = FileNameFrom(response.Content.Headers.ContentDisposition?.ToString() ?? TryHeader(response, "Content-Disposition"));
                var temp = Path.Combine(destination, "." + Guid.NewGuid().ToString("n") + ".wecom-partial");
                try
                {
                    long length;
                    var head = new byte[16];
                    int headCount;
                    using (var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                    using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    {
                        length = await MediaDecryptor.DecryptAsync(body, file, key, ct).ConfigureAwait(false);
                        file.Position = 0;
                        headCount = file.Read(head, 0, head.Length);
                    }
                    var fallback = media.NameHint + (SafeFileName.SniffExtension(head, headCount) ?? DefaultExtension(media.MsgType));
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

        private static string TryHeader(HttpResponseMessage r, string name) =>
            r.Content.Headers.TryGetValues(name, out var v) || r.Headers.TryGetValues(name, out v) ? v.FirstOrDefault() : null;

        private static string DefaultExtension(string msgType) => msgType == "image" ? ".jpg" : msgType == "video" ? ".mp4" : ".bin";

        /// <summary>
        /// The file name of a Content-Disposition value: <c>filename*=UTF-8''…</c> (percent-decoded) first, then
        /// <c>filename="…"</c> or <c>filename=…</c>. A stray % does not throw (unlike Node's decoder).
        /// </summary>
        public static string FileNameFrom(string contentDisposition)
        {
            if (string.IsNullOrEmpty(contentDisposition)) return null;
            var m = System.Text.RegularExpressions.Regex.Match(contentDisposition, @"filename\*\s*=\s*(?:UTF-8|utf-8)?'[^']*'([^;]+)");
            if (m.Success) return PercentDecode(m.Groups[1].Value.Trim().Trim('"'));
            m = System.Text.RegularExpressions.Regex.Match(contentDisposition, @"filename\s*=\s*(?:""([^""]*)""|([^;]+))");
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
