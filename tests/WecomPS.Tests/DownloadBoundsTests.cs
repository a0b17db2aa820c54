using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Media;
using WecomPS.Messages;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Save-WecomMedia's bounds against a raw HTTP server on loopback: -TimeoutSec covers the body, the size is capped
    /// (by Content-Length and by counting), redirects are not followed; every refusal leaves no file behind.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class DownloadBoundsTests : IDisposable
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();
        private readonly byte[] _key = new byte[32];

        public DownloadBoundsTests()
        {
            new Random(7).NextBytes(_key);
            _ps.Connect(_server);
        }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            _files.Dispose();
        }

        private byte[] Cipher(int plainSize, int seed = 1)
        {
            var plain = new byte[plainSize];
            new Random(seed).NextBytes(plain);
            return Testing.Media.MediaCipher.Encrypt(plain, _key);
        }

        /// <summary>Pushes a file message that points at <paramref name="url"/>, receives it and saves it.</summary>
        private PsResult Save(Uri url, string extra = "")
        {
            _server.PushMessage("file", new { url = url.ToString(), aeskey = Convert.ToBase64String(_key) });
            var script = "Receive-WecomMessage -Wait -Count 1 -Timeout 10 | " +
                         "Save-WecomMedia -Destination $dest " + extra;
            var run = Task.Run(() => _ps.Run(script, new Dictionary<string, object> { ["dest"] = _files.Folder }));
            Assert.True(run.Wait(Bound), "Save-WecomMedia did not end");
            return run.Result;
        }

        private ErrorRecord SingleError(PsResult r, string id, ErrorCategory category)
        {
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            var e = Assert.Single(r.Errors);
            Assert.Equal(id + ",WecomPS.Cmdlets.SaveWecomMediaCommand", e.FullyQualifiedErrorId);
            Assert.Equal(category, e.CategoryInfo.Category);
            Assert.IsAssignableFrom<WecomMessage>(e.TargetObject);
            Assert.Empty(Directory.GetFileSystemEntries(_files.Folder));   // no partial or temporary file
            return e;
        }

        private static Func<string, Stream, CancellationToken, Task> Respond(string head, byte[] body = null,
            bool stallAfter = false)
        {
            return async (request, s, stop) =>
            {
                var h = RawHttpServer.Ascii(head);
                await s.WriteAsync(h, 0, h.Length);
                if (body != null) await s.WriteAsync(body, 0, body.Length);
                await s.FlushAsync();
                // A stalled server holds the socket (bounded, so a client without a deadline cannot hang the run).
                if (stallAfter) await Task.Delay(TimeSpan.FromSeconds(40), stop);
            };
        }

        [Fact]
        public void A_server_that_stalls_after_its_headers_ends_within_TimeoutSec_and_leaves_no_file()
        {
            var body = Cipher(100_000);
            var half = body.Take(50_000).ToArray();
            var head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" +
                       "Content-Length: " + body.Length + "\r\n\r\n";
            using (var http = new RawHttpServer(Respond(head, half, stallAfter: true)))
            {
                var clock = Stopwatch.StartNew();
                var r = Save(http.Address, "-TimeoutSec 2");
                clock.Stop();
                var e = SingleError(r, "WecomMediaDownloadTimeout", ErrorCategory.OperationTimeout);
                Assert.Contains("2 s", e.Exception.Message);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), "took " + clock.Elapsed);
            }
        }

        [Fact]
        public void A_content_length_over_the_cap_is_refused_before_the_body()
        {
            long declared = MediaDownloader.MaxDownloadBytes + 1;
            using (var http = new RawHttpServer(Respond("HTTP/1.1 200 OK\r\nContent-Length: " + declared + "\r\n\r\n",
                new byte[1024], stallAfter: true)))
            {
                var e = SingleError(Save(http.Address), "WecomMediaTooLarge", ErrorCategory.LimitsExceeded);
                Assert.Contains(declared.ToString(), e.Exception.Message);
            }
        }

        [Fact]
        public void A_body_without_length_is_counted_and_refused_past_the_cap()
        {
            var body = Cipher((int)MediaDownloader.MaxDownloadBytes + 64 * 1024);
            using (var http = new RawHttpServer(Respond("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", body)))
            {
                var e = SingleError(Save(http.Address), "WecomMediaTooLarge", ErrorCategory.LimitsExceeded);
                Assert.Contains(MediaDownloader.MaxDownloadBytes.ToString(), e.Exception.Message);
            }
        }

        [Fact]
        public void A_chunked_body_is_counted_and_refused_past_the_cap()
        {
            // No Content-Length: one HTTP chunk bigger than the cap.
            var body = Cipher((int)MediaDownloader.MaxDownloadBytes + 64 * 1024);
            using (var http = new RawHttpServer(Respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                body.Length.ToString("x") + "\r\n", body, stallAfter: false)))
            {
                SingleError(Save(http.Address), "WecomMediaTooLarge", ErrorCategory.LimitsExceeded);
            }
        }

        [Fact]
        public void The_largest_real_media_is_under_the_cap_and_saved()
        {
            var body = Cipher(20 * 1024 * 1024, seed: 3);
            using (var http = new RawHttpServer(Respond("HTTP/1.1 200 OK\r\nContent-Length: " + body.Length +
                "\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n\r\n", body)))
            {
                var r = Save(http.Address);
                Assert.Empty(r.Errors);
                var file = (FileInfo)Assert.Single(r.Output).BaseObject;
                Assert.Equal(20 * 1024 * 1024, file.Length);
                Assert.Single(Directory.GetFileSystemEntries(_files.Folder));
            }
        }

        [Theory]
        [InlineData(false, "")]
        [InlineData(true, "")]
        [InlineData(false, "-SkipCertificateCheck")]
        public void A_redirect_is_refused_and_nothing_is_fetched_from_its_target(bool sameHost, string connectExtra)
        {
            if (connectExtra != "")
            {
                _ps.Run("Disconnect-WecomBot");
                _ps.Connect(_server, connectExtra);
            }
            var payload = Cipher(1000);
            using (var other = new RawHttpServer(Respond("HTTP/1.1 200 OK\r\nContent-Length: " + payload.Length +
                "\r\n\r\n", payload), sameHost ? "127.0.0.1" : "127.0.0.2"))
            using (var http = new RawHttpServer(Respond("HTTP/1.1 302 Found\r\nLocation: " + other.Address +
                "media?sign=secret-signature\r\nContent-Length: 0\r\n\r\n")))
            {
                var e = SingleError(Save(http.Address), "WecomMediaRedirectRefused", ErrorCategory.SecurityError);
                Assert.Contains("302", e.Exception.Message);
                Assert.DoesNotContain("secret-signature", e.Exception.Message);
                Assert.Single(http.RequestLines);
                Assert.Empty(other.RequestLines);
            }
        }
    }
}
