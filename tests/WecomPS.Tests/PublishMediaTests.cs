using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using WecomPS.Media;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Upload once, send later and many times (issue 15 §1): Publish-WecomMedia uploads without sending and writes
    /// WecomPS.Media objects; Send-WecomFile -Media / -MediaId sends them without uploading again; an expired media
    /// object, or one of another bot, is refused before any frame is sent.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class PublishMediaTests : IDisposable
    {
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();

        public PublishMediaTests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            _files.Dispose();
        }

        private PsResult Run(string script, Dictionary<string, object> variables = null)
        {
            variables = variables ?? new Dictionary<string, object>();
            variables["dir"] = _files.Folder;
            return _ps.Run("Set-Location -LiteralPath $dir\n" + script, variables);
        }

        private static void AssertClean(PsResult r)
        {
            Assert.True(r.Terminating == null, "terminating: " + r.Terminating);
            Assert.True(r.Errors.Count == 0, "errors: " + string.Join("; ", r.Errors));
        }

        private int Count(string cmd) => _server.FramesFor(cmd).Count;

        private static WecomMedia MediaOf(PSObject o) => Assert.IsType<WecomMedia>(o.BaseObject);

        [Fact]
        public void Publish_uploads_each_file_once_and_sends_nothing()
        {
            var a = _files.Create("a.png", 3000, seed: 1);
            _files.Create("b.pdf", 700_000, seed: 2);
            var before = DateTimeOffset.UtcNow.AddSeconds(-5);
            var r = Run("Get-ChildItem a.png, b.pdf | Publish-WecomMedia");
            AssertClean(r);

            Assert.Equal(2, Count("aibot_upload_media_init"));
            Assert.Equal(2, Count("aibot_upload_media_finish"));
            Assert.Equal(3, Count("aibot_upload_media_chunk"));   // 1 + 2 chunks of 512 KiB
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
            Assert.Empty(_server.FramesFor("aibot_respond_msg"));

            var media = r.Output.Select(MediaOf).ToList();
            Assert.Equal(2, media.Count);
            Assert.Equal(_server.Uploads.Select(u => u.MediaId), media.Select(m => m.MediaId));
            Assert.Equal(new[] { "image", "file" }, media.Select(m => m.MediaType));
            Assert.Equal(new[] { "a.png", "b.pdf" }, media.Select(m => m.FileName));
            Assert.Equal(new long[] { 3000, 700_000 }, media.Select(m => m.Size));
            Assert.All(media, m =>
            {
                Assert.InRange(m.UploadedAt, before, DateTimeOffset.UtcNow.AddSeconds(5));
                Assert.Equal(m.UploadedAt + TimeSpan.FromDays(3), m.ExpiresAt);
                Assert.Equal(_server.BotId, m.Session);   // the session's name: the bot id unless -Name
                Assert.Equal(_server.BotId, m.BotId);
            });
            Assert.Equal(a, media[0].SourcePath);
            Assert.Equal(File.ReadAllBytes(a), _server.Uploads[0].Bytes);
            // Progress of the shared upload path: a bar per file, completed.
            Assert.Contains(r.Progress,
                p => p.Activity == "Uploading b.pdf" && p.RecordType == ProgressRecordType.Completed);
        }

        [Fact]
        public void Publish_takes_the_type_and_name_given_and_binds_positional_and_wildcard_paths()
        {
            _files.Create("shot1.png", 4000, seed: 3);
            _files.Create("shot2.png", 4000, seed: 4);
            var r = Run("Publish-WecomMedia ./shot*.png -MediaType file -FileName 'dashboard.png'");
            AssertClean(r);
            var media = r.Output.Select(MediaOf).ToList();
            Assert.Equal(2, media.Count);
            Assert.All(media, m => Assert.Equal("file", m.MediaType));
            Assert.All(media, m => Assert.Equal("dashboard.png", m.FileName));
            Assert.All(_server.FramesFor("aibot_upload_media_init"), f =>
            {
                Assert.Equal("file", f.BodyString("type"));
                Assert.Equal("dashboard.png", f.BodyString("filename"));
            });
        }

        [Fact]
        public void Publish_checks_limits_and_paths_before_any_frame_and_goes_on_with_the_next_file()
        {
            _files.Create("tiny.txt", 3, seed: 5);
            _files.Create("fake.png", 3000, seed: 6);
            _files.Create("ok.txt", 3000, seed: 7);
            Directory.CreateDirectory(Path.Combine(_files.Folder, "sub"));
            var r = Run("Publish-WecomMedia tiny.txt, fake.png, sub, missing.txt, ok.txt -MediaType file;" +
                        "Publish-WecomMedia fake.png -MediaType voice");
            Assert.Null(r.Terminating);
            Assert.Equal(
                new[] { "WecomFileTooSmall", "WecomPathIsDirectory", "WecomFileNotFound", "WecomUnsupportedFormat" },
                r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(new[] { ErrorCategory.InvalidData, ErrorCategory.InvalidArgument, ErrorCategory.ObjectNotFound,
                ErrorCategory.InvalidArgument }, r.Errors.Select(e => e.CategoryInfo.Category));
            Assert.All(r.Errors,
                e => Assert.EndsWith(",WecomPS.Cmdlets.PublishWecomMediaCommand", e.FullyQualifiedErrorId));
            Assert.EndsWith("tiny.txt", (string)r.Errors[0].TargetObject);
            Assert.Equal("sub", r.Errors[1].TargetObject);
            // fake.png as file and ok.txt were uploaded; nothing else reached the server.
            Assert.Equal(new[] { "fake.png", "ok.txt" }, r.Output.Select(o => MediaOf(o).FileName));
            Assert.Equal(2, Count("aibot_upload_media_init"));
        }

        [Fact]
        public void Publish_WhatIf_uploads_nothing()
        {
            _files.Create("a.png", 3000, seed: 8);
            var r = Run("Publish-WecomMedia a.png -WhatIf");
            AssertClean(r);
            Assert.Empty(r.Output);
            Assert.Empty(_server.FramesFor("aibot_upload_media_init"));
        }

        [Fact]
        public void Published_files_piped_to_Send_WecomFile_are_uploaded_once_and_sent_to_every_chat()
        {
            _files.Create("c1.png", 3000, seed: 9);
            _files.Create("c2.png", 5000, seed: 10);
            var r = Run("Get-ChildItem *.png | Publish-WecomMedia | Send-WecomFile -ChatId a, b -PassThru");
            AssertClean(r);
            Assert.Equal(2, Count("aibot_upload_media_init"));
            Assert.Equal(2, Count("aibot_upload_media_finish"));
            var sends = _server.FramesFor("aibot_send_msg");
            Assert.Equal(4, sends.Count);
            var ids = _server.Uploads.Select(u => u.MediaId).ToList();
            Assert.Equal(new[] { ids[0], ids[0], ids[1], ids[1] }, sends.Select(s => s.BodyString("image.media_id")));
            Assert.Equal(new[] { "a", "b", "a", "b" }, sends.Select(s => s.BodyString("chatid")));
            Assert.All(sends, s => Assert.Equal("image", s.BodyString("msgtype")));
            Assert.Equal(4, r.Output.Count);
            Assert.All(r.Output, o => Assert.Equal("aibot_send_msg", o.Properties["Cmd"].Value));
        }

        [Fact]
        public void A_media_object_is_sent_again_later_without_a_second_upload()
        {
            _files.Create("report.pdf", 3000, seed: 11);
            var r = Run("$script:report = Publish-WecomMedia report.pdf\n" +
                        "Send-WecomFile -ChatId a -Media $report\n" +
                        "$report | Send-WecomFile -ChatId b -ChatType group\n" +
                        "Send-WecomFile -ChatId c -MediaId $report.MediaId -MediaType $report.MediaType");
            AssertClean(r);
            Assert.Equal(1, Count("aibot_upload_media_init"));
            var sends = _server.FramesFor("aibot_send_msg");
            Assert.Equal(new[] { "a", "b", "c" }, sends.Select(s => s.BodyString("chatid")));
            var id = Assert.Single(_server.Uploads).MediaId;
            Assert.All(sends, s => Assert.Equal(id, s.BodyString("file.media_id")));
            Assert.Equal(2, sends[1].BodyElement("chat_type").GetInt32());
        }

        [Theory]
        [InlineData("$m | Send-WecomFile -Media $report")]
        [InlineData("$report | Send-WecomFile -ReplyTo $m")]
        [InlineData("Send-WecomFile -ReplyTo $m -MediaId $report.MediaId -MediaType image")]
        [InlineData("$m | Send-WecomFile -MediaId $report.MediaId -MediaType image")]
        public void Media_goes_as_a_reply_without_uploading(string script)
        {
            _files.Create("chart.png", 3000, seed: 12);
            AssertClean(Run("$script:report = Publish-WecomMedia chart.png"));
            var pushed = _server.PushText("the chart please", chatId: "wrgroup1");
            var got = Run("$script:m = Receive-WecomMessage -Wait -Count 1 -Timeout 10");
            AssertClean(got);

            var r = Run(script);
            AssertClean(r);
            Assert.Equal(1, Count("aibot_upload_media_init"));
            var reply = Assert.Single(_server.RepliesTo(pushed.ReqId));
            Assert.Equal("aibot_respond_msg", reply.Cmd);
            Assert.Equal("image", reply.BodyString("msgtype"));
            Assert.Equal(Assert.Single(_server.Uploads).MediaId, reply.BodyString("image.media_id"));
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
        }

        [Fact]
        public void An_expired_media_object_is_refused_before_any_frame_and_the_others_are_sent()
        {
            _files.Create("old.pdf", 3000, seed: 13);
            _files.Create("new.pdf", 3000, seed: 14);
            // The server made the first media_id 3 days and an hour ago (its created_at).
            _server.AdvanceClock(TimeSpan.FromDays(-3) - TimeSpan.FromHours(1));
            AssertClean(Run("$script:old = Publish-WecomMedia old.pdf"));
            _server.AdvanceClock(TimeSpan.FromDays(3) + TimeSpan.FromHours(1));
            AssertClean(Run("$script:new = Publish-WecomMedia new.pdf"));
            _server.ClearFrames();

            var r = Run("$old, $new | Send-WecomFile -ChatId a -PassThru; $old");
            Assert.Null(r.Terminating);
            var old = MediaOf(r.Output.Last());
            Assert.True(old.ExpiresAt < DateTimeOffset.UtcNow, "expires " + old.ExpiresAt);
            var error = Assert.Single(r.Errors);
            Assert.Equal("WecomMediaIdExpired,WecomPS.Cmdlets.SendWecomFileCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            Assert.Same(old, (error.TargetObject as PSObject)?.BaseObject ?? error.TargetObject);
            Assert.Contains("expired at " + old.ExpiresAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"),
                error.Exception.Message);
            Assert.Contains("Publish-WecomMedia", error.Exception.Message);

            // Only the fresh one went out.
            var send = Assert.Single(_server.FramesFor("aibot_send_msg"));
            Assert.Equal(_server.Uploads[1].MediaId, send.BodyString("file.media_id"));
        }

        [Fact]
        public void An_expired_media_object_alone_sends_no_frame_at_all()
        {
            _files.Create("old.pdf", 3000, seed: 15);
            _server.AdvanceClock(TimeSpan.FromDays(-4));
            AssertClean(Run("$script:old = Publish-WecomMedia old.pdf"));
            _server.AdvanceClock(TimeSpan.FromDays(4));
            _server.PushText("hello", chatId: "wrgroup1");
            AssertClean(Run("$script:m = Receive-WecomMessage -Wait -Count 1 -Timeout 10"));
            _server.ClearFrames();

            var r = Run("Send-WecomFile -ChatId a, b -Media $old; $m | Send-WecomFile -Media $old");
            Assert.Null(r.Terminating);
            Assert.Equal(2, r.Errors.Count);
            Assert.All(r.Errors, e => Assert.StartsWith("WecomMediaIdExpired,", e.FullyQualifiedErrorId));
            Assert.Empty(_server.Frames.Where(f => f.Cmd != "ping"));
        }

        [Fact]
        public void Media_of_another_bot_is_refused_before_any_frame()
        {
            using (var other = WecomMockServer.Start(new MockServerOptions { BotId = "aib-other-bot" }))
            {
                AssertClean(_ps.Run("Connect-WecomBot -BotId $b -Secret $s -Endpoint $e -Name other",
                    new Dictionary<string, object>
                    {
                        ["b"] = other.BotId, ["s"] = other.Secret, ["e"] = other.Endpoint,
                    }));
                _files.Create("a.pdf", 3000, seed: 16);
                var r = Run("$media = Publish-WecomMedia a.pdf -Session " + _server.BotId + "\n" +
                            "$media | Send-WecomFile -ChatId a -Session other");
                Assert.Null(r.Terminating);
                var error = Assert.Single(r.Errors);
                Assert.Equal("WecomMediaFromOtherBot,WecomPS.Cmdlets.SendWecomFileCommand",
                    error.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
                Assert.IsType<WecomMedia>((error.TargetObject as PSObject)?.BaseObject ?? error.TargetObject);
                Assert.Contains("aib-other-bot", error.Exception.Message);
                Assert.Contains(_server.BotId, error.Exception.Message);
                Assert.Empty(other.Frames.Where(f => f.Cmd != "ping" && f.Cmd != "aibot_subscribe"));
                Assert.Empty(_server.FramesFor("aibot_send_msg"));
                Assert.Empty(other.Violations);
                _ps.Run("Disconnect-WecomBot other");
            }
        }

        [Fact]
        public void Send_WecomFile_WhatIf_with_media_sends_nothing()
        {
            _files.Create("a.pdf", 3000, seed: 17);
            AssertClean(Run("$script:media = Publish-WecomMedia a.pdf"));
            var r = Run("$media | Send-WecomFile -ChatId a -WhatIf");
            AssertClean(r);
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
        }

        [Theory]
        [InlineData("Send-WecomFile -ChatId a -MediaId x -MediaType file -FileName n.txt")]
        [InlineData("Send-WecomFile -ChatId a -Media $null")]
        [InlineData("Send-WecomFile -ChatId a -MediaId x")]
        public void Forms_that_do_not_fit_a_parameter_set_fail_before_anything_is_sent(string script)
        {
            var error = _ps.Throws(script);
            Assert.NotNull(error);
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
        }

        // ------------------------------------------------------------ the core, without PowerShell

        private static WecomSession NewSession(string botId, string name = null)
        {
            var secret = new SecureString();
            secret.AppendChar('x');
            return new WecomSession(new WecomSessionOptions { BotId = botId, Secret = secret, Name = name });
        }

        [Fact]
        public void EnsureSendableBy_refuses_an_expired_media_and_another_bots_media()
        {
            using (var mine = NewSession("bot-a", "main"))
            using (var theirs = NewSession("bot-b"))
            using (var again = NewSession("bot-a", "reconnected"))
            {
                var uploaded = new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);
                var media = new WecomMedia("mid-1", "image", uploaded, mine, "a.png", 10);
                Assert.Equal(uploaded.AddDays(3), media.ExpiresAt);
                Assert.Equal("main", media.Session);

                media.EnsureSendableBy(mine, uploaded.AddDays(3).AddSeconds(-1));
                media.EnsureSendableBy(again, uploaded.AddDays(1));   // same bot, another session: its media_id

                var expired = Assert.Throws<WecomException>(() => media.EnsureSendableBy(mine, uploaded.AddDays(3)));
                Assert.Equal(ErrorIds.MediaIdExpired, expired.ErrorId);
                Assert.Equal(ErrorCategory.ResourceUnavailable, expired.Category);
                Assert.Contains("mid-1", expired.Message);
                Assert.Contains(media.ExpiresAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), expired.Message);

                var other = Assert.Throws<WecomException>(() => media.EnsureSendableBy(theirs, uploaded.AddHours(1)));
                Assert.Equal(ErrorIds.MediaFromOtherBot, other.ErrorId);
                Assert.Equal(ErrorCategory.InvalidArgument, other.Category);
                Assert.Contains("bot-a", other.Message);
                Assert.Contains("bot-b", other.Message);
            }
        }

        [Fact]
        public void A_media_object_needs_an_id_and_a_known_type()
        {
            using (var s = NewSession("bot-a"))
            {
                Assert.Throws<ArgumentException>(() => new WecomMedia("", "file", DateTimeOffset.UtcNow, s));
                Assert.Throws<ArgumentException>(() => new WecomMedia("m", "text", DateTimeOffset.UtcNow, s));
                Assert.Throws<ArgumentNullException>(() => new WecomMedia("m", "file", DateTimeOffset.UtcNow, null));
            }
        }
    }
}
