using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using WecomPS.Media;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Media in both directions: Save-WecomMedia against media the double encrypts, and fast uploads.</summary>
    [Collection("PowerShell")]
    public sealed class MediaTests : IDisposable
    {
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();

        public MediaTests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            _files.Dispose();
        }

        private static byte[] Bytes(int n, int seed) { var b = new byte[n]; new Random(seed).NextBytes(b); return b; }

        private PsResult SaveAll(int count, string extra = "")
        {
            return _ps.Run("Receive-WecomMessage -Wait -Count " + count + " -Timeout 10 | Save-WecomMedia -Destination $dest " + extra,
                new Dictionary<string, object> { ["dest"] = _files.Folder });
        }

        [Theory]
        [InlineData(1)]
        [InlineData(31)]
        [InlineData(32)]
        [InlineData(33)]
        [InlineData(300_001)]
        public void Image_file_and_video_are_downloaded_decrypted_and_named(int size)
        {
            var image = Bytes(size, 1);
            var doc = Bytes(size + 5, 2);
            _server.PushImage(image);
            _server.PushFile(doc, "report 2026.pdf");
            var r = SaveAll(2);
            Assert.Empty(r.Errors);
            var files = r.Output.Select(o => (FileInfo)o.BaseObject).ToList();
            Assert.Equal(2, files.Count);
            Assert.Equal(image, File.ReadAllBytes(files[0].FullName));
            Assert.Equal(doc, File.ReadAllBytes(files[1].FullName));
            Assert.Equal("report 2026.pdf", files[1].Name);
            Assert.Equal(2, Directory.GetFiles(_files.Folder).Length);   // no temp file left
        }

        [Fact]
        public void A_mixed_message_saves_each_of_its_images()
        {
            // Numbered names for an existing file and -Force: tests/Pester/Client.Tests.ps1 (Save-WecomMedia).
            _server.PushMixed("look at these", Bytes(100, 3), Bytes(200, 4));
            var r = SaveAll(1);
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Output.Count);
        }

        [Theory]
        [InlineData("attachment; filename=\"../../x.txt\"", "x.txt")]
        [InlineData("attachment; filename=\"C:\\\\Windows\\\\x.txt\"", "x.txt")]
        [InlineData("attachment; filename=\"CON\"", "_CON")]
        [InlineData("attachment; filename=\"nul.txt\"", "_nul.txt")]
        [InlineData("attachment; filename*=UTF-8''a%07b%0Ac.txt", "a_b_c.txt")]
        [InlineData("attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf", "报告.pdf")]
        [InlineData("attachment; filename=\"..\"", null)]
        [InlineData("attachment; filename=\"bad%zz.txt\"", "bad%zz.txt")]
        public void Hostile_file_names_never_escape_the_destination(string disposition, string expected)
        {
            var media = _server.RegisterMedia(Bytes(40, 9), "ignored.bin", contentDisposition: disposition);
            _server.PushMessage("file", new { url = media.Url, aeskey = media.AesKey });
            var r = SaveAll(1);
            Assert.Empty(r.Errors);
            var file = (FileInfo)Assert.Single(r.Output).BaseObject;
            Assert.Equal(Path.GetFullPath(_files.Folder), file.DirectoryName);
            if (expected != null) Assert.Equal(expected, file.Name);
            else Assert.StartsWith("file_", file.Name);
        }

        [Theory]
        [InlineData(MediaCorruption.WrongKey, "WecomMediaBadPadding")]
        [InlineData(MediaCorruption.PadZero, "WecomMediaBadPadding")]
        [InlineData(MediaCorruption.PadTooLarge, "WecomMediaBadPadding")]
        [InlineData(MediaCorruption.PadInconsistent, "WecomMediaBadPadding")]
        [InlineData(MediaCorruption.Truncated, "WecomMediaCorrupt")]
        [InlineData(MediaCorruption.ShortKey, "WecomMediaBadKey")]
        public void Wrong_keys_and_bad_padding_give_clear_errors_and_leave_no_file(MediaCorruption corruption, string errorId)
        {
            var media = _server.RegisterMedia(Bytes(1000, 10), "x.bin", corruption: corruption);
            _server.PushMessage("file", new { url = media.Url, aeskey = media.AesKey });
            var r = SaveAll(1);
            var e = Assert.Single(r.Errors);
            Assert.StartsWith(errorId, e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            Assert.IsAssignableFrom<WecomMessage>(e.TargetObject);
            Assert.Empty(Directory.GetFileSystemEntries(_files.Folder));
        }

        [Fact]
        public void One_file_to_three_chats_is_uploaded_once()
        {
            var f = _files.Create("notes.txt", 2000);
            var r = _ps.Run("Send-WecomFile -ChatId a, b, c -Path $f -PassThru", new Dictionary<string, object> { ["f"] = f });
            Assert.Empty(r.Errors);
            Assert.Single(_server.FramesFor("aibot_upload_media_init"));
            var sends = _server.FramesFor("aibot_send_msg");
            Assert.Equal(new[] { "a", "b", "c" }, sends.Select(s => s.BodyString("chatid")));
            Assert.Single(sends.Select(s => s.BodyString("file.media_id")).Distinct());
        }

        [Fact]
        public void A_chunk_refused_with_system_error_is_retried_and_the_upload_completes()
        {
            var f = _files.Create("data.bin", 3 * 1024 * 1024, seed: 12);
            _server.FailNext("aibot_upload_media_chunk", -1, "system error", count: 2);
            var r = _ps.Run("Send-WecomFile -ChatId a -Path $f -Verbose", new Dictionary<string, object> { ["f"] = f });
            Assert.Empty(r.Errors);
            Assert.Equal(File.ReadAllBytes(f), Assert.Single(_server.Uploads).Bytes);
            Assert.Equal(6 + 2, _server.FramesFor("aibot_upload_media_chunk").Count);
            Assert.Contains(r.Verbose, v => v.Contains("retrying"));
        }

        [Fact]
        public void On_a_wan_like_server_the_window_never_exceeds_four_chunks_in_flight()
        {
            using (var wan = WecomMockServer.Start(new MockServerOptions { AckDelay = TimeSpan.FromMilliseconds(100), MaxChunksInFlightPerUpload = 4 }))
            {
                _ps.Run("Disconnect-WecomBot");
                _ps.Connect(wan);
                var f = _files.Create("wan.bin", 6 * 1024 * 1024 + 3, seed: 13);
                var r = _ps.Run("Send-WecomFile -ChatId a -Path $f", new Dictionary<string, object> { ["f"] = f });
                Assert.Empty(r.Errors);
                Assert.Equal(File.ReadAllBytes(f), Assert.Single(wan.Uploads).Bytes);
                Assert.Equal(0, wan.RejectedChunks);
                Assert.True(wan.MaxChunksInFlightSeen > 1 && wan.MaxChunksInFlightSeen <= 4, "in flight: " + wan.MaxChunksInFlightSeen);
                Assert.Empty(wan.Violations);
            }
        }

        [Fact]
        public void Image_voice_and_video_limits_are_checked_before_any_frame()
        {
            _server.ClearFrames();
            var bigPng = _files.Create("big.png", 10 * 1024 * 1024 + 1);
            var mp3 = _files.Create("song.mp3", 100);
            var r = _ps.Run("Send-WecomFile -ChatId a -Path $p; Send-WecomFile -ChatId a -Path $m -MediaType voice",
                new Dictionary<string, object> { ["p"] = bigPng, ["m"] = mp3 });
            Assert.Equal(new[] { "WecomFileTooLarge", "WecomUnsupportedFormat" }, r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Contains("-MediaType file", r.Errors[0].Exception.Message);
            Assert.Empty(_server.FramesFor("aibot_upload_media_init"));
        }
    }
}
