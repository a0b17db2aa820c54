using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>The five cmdlets through the real engine against the server double: what a user observes.</summary>
    [Collection("PowerShell")]
    public sealed class CmdletTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            _files.Dispose();
        }

        [Fact]
        public void Connect_sends_subscribe_with_credentials_and_returns_a_connected_default_session()
        {
            var r = _ps.Connect(_server);
            var session = Assert.IsType<WecomSession>(Assert.Single(r.Output).BaseObject);
            Assert.Equal(WecomSessionState.Connected, session.State);
            Assert.Equal(_server.BotId, session.BotId);
            Assert.Same(session, SessionStore.Default);

            var sub = Assert.Single(_server.FramesFor("aibot_subscribe"));
            Assert.Equal(_server.BotId, sub.BodyString("bot_id"));
            Assert.Equal(_server.Secret, sub.BodyString("secret"));
            Assert.Matches(@"^aibot_subscribe_\d{13}_[0-9a-f]{8}$", sub.ReqId);
            Assert.DoesNotContain(_server.Secret, session.ToString());
        }

        [Fact]
        public void Unreachable_endpoint_fails_within_the_timeout()
        {
            // A listener that accepts TCP but never answers the WebSocket upgrade.
            var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            silent.Start();
            try
            {
                var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var e = _ps.Throws("Connect-WecomBot -BotId b -Secret s -Endpoint ws://127.0.0.1:" + port + "/ -TimeoutSec 2");
                clock.Stop();
                Assert.StartsWith("WecomConnectTimeout", e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.OperationTimeout, e.CategoryInfo.Category);
                Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 8);

                silent.Stop();
                e = _ps.Throws("Connect-WecomBot -BotId b -Secret s -Endpoint ws://127.0.0.1:" + port + "/ -TimeoutSec 2");
                Assert.StartsWith("WecomConnectFailed", e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
            }
            finally { silent.Stop(); }
        }

        [Fact]
        public void Send_markdown_puts_the_documented_frame_on_the_wire_and_waits_for_its_ack()
        {
            _ps.Connect(_server);
            var r = _ps.Run("Send-WecomMessage -ChatId lisi -Content 'Build **passed**' -PassThru");
            Assert.Empty(r.Errors);
            var f = Assert.Single(_server.FramesFor("aibot_send_msg"));
            Assert.Matches(@"^aibot_send_msg_\d{13}_[0-9a-f]{8}$", f.ReqId);
            Assert.Equal("lisi", f.BodyString("chatid"));
            Assert.Equal("markdown", f.BodyString("msgtype"));
            Assert.Equal("Build **passed**", f.BodyString("markdown.content"));
            var result = Assert.IsType<WecomSendResult>(Assert.Single(r.Output).BaseObject);
            Assert.Equal(f.ReqId, result.ReqId);
            // Binding -ChatId by property name from the pipeline: tests/Pester/Client.Tests.ps1 (Send-WecomMessage).
        }

        [Fact]
        public void No_ack_within_the_timeout_is_an_error_that_says_delivery_is_unknown()
        {
            _server.Options.AckDelay = TimeSpan.Zero;
            _ps.Connect(_server);
            _server.Options.AckDelay = TimeSpan.FromSeconds(3);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var r = _ps.Run("Send-WecomMessage -ChatId lisi -Content hi -TimeoutSec 1");
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 5);
            var e = Assert.Single(r.Errors);
            Assert.StartsWith("WecomAckTimeout", e.FullyQualifiedErrorId);
            Assert.Contains("unknown", e.Exception.Message);
            _server.Options.AckDelay = TimeSpan.Zero;
        }

        [Fact]
        public void Reply_goes_under_the_callback_req_id_as_a_finished_stream()
        {
            _ps.Connect(_server);
            var pushed = _server.PushText("weather?", userId: "lisi");
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | Send-WecomMessage -Content 'Sunny' -PassThru");
            Assert.Empty(r.Errors);
            var f = Assert.Single(_server.FramesFor("aibot_respond_msg"));
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
            Assert.Equal(pushed.ReqId, f.ReqId);
            Assert.Equal("stream", f.BodyString("msgtype"));
            Assert.Equal("Sunny", f.BodyString("stream.content"));
            Assert.Equal("true", f.BodyString("stream.finish"));
            Assert.StartsWith("stream_", f.BodyString("stream.id"));
        }

        [Fact]
        public void Messages_queued_before_receive_come_out_in_order_with_their_fields()
        {
            _ps.Connect(_server);
            var a = _server.PushText("one", userId: "lisi");
            var b = _server.PushText("two", userId: "wang", chatId: "wrGroup1");
            var c = _server.PushVoice("three", userId: "lisi");
            Assert.True(SpinWait.SpinUntil(() => SessionStore.Default.InboxCount == 3, Wait));

            var r = _ps.Run("Receive-WecomMessage");
            Assert.Equal(3, r.Output.Count);
            var m = r.Output.Select(o => (WecomMessage)o.BaseObject).ToList();
            Assert.Equal(new[] { a.MsgId, b.MsgId, c.MsgId }, m.Select(x => x.MsgId));
            Assert.Equal(new[] { "one", "two", "three" }, m.Select(x => x.Content));
            Assert.Equal(new[] { "lisi", "wrGroup1", "lisi" }, m.Select(x => x.ChatId));
            Assert.Equal(new[] { "single", "group", "single" }, m.Select(x => x.ChatType));
            Assert.Equal(new[] { "text", "text", "voice" }, m.Select(x => x.MsgType));
            Assert.Equal(a.ReqId, m[0].ReqId);
            Assert.Contains("WecomPS.Message.Text", r.Output[0].TypeNames);
            Assert.Contains("\"msgid\"", m[0].RawBody);
            Assert.Empty(_ps.Run("Receive-WecomMessage").Output);
        }

        [Fact]
        public void Wait_with_count_returns_after_that_many_and_timeout_ends_an_empty_wait()
        {
            _ps.Connect(_server);
            // A fixed delay on purpose: the messages must come while Receive-WecomMessage -Wait is already waiting,
            // which nothing outside the cmdlet shows.
            var pusher = new Thread(() =>
            {
                Thread.Sleep(300);
                _server.PushText("x1"); _server.PushText("x2"); _server.PushText("x3");
            });
            pusher.Start();
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 2 -Timeout 10");
            pusher.Join();
            Assert.Equal(new[] { "x1", "x2" }, r.Output.Select(o => ((WecomMessage)o.BaseObject).Content));
            Assert.True(SpinWait.SpinUntil(() => SessionStore.Default.InboxCount == 1, Wait));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            r = _ps.Run("Receive-WecomMessage -Wait -Timeout 1 -MsgType image");
            Assert.Empty(r.Output);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 5);
            Assert.Equal(1, SessionStore.Default.InboxCount);   // the filter left the text message queued
        }

        [Fact]
        public void Events_come_out_with_msgtype_event_and_their_event_type()
        {
            _ps.Connect(_server);
            _server.PushEvent("enter_chat", userId: "lisi");
            _server.PushEvent("feedback_event", new { id = "fb_7", type = 2, content = "more detail", inaccurate_reason_list = new[] { 2, 4 } });
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 2 -Timeout 5");
            var enter = Assert.IsType<WecomPS.Event.EnterChat>(r.Output[0].BaseObject);
            Assert.Equal("event", enter.MsgType);
            Assert.Equal("enter_chat", enter.EventType);
            Assert.Contains("WecomPS.Event.EnterChat", r.Output[0].TypeNames);
            var fb = Assert.IsType<WecomPS.Event.Feedback>(r.Output[1].BaseObject);
            Assert.Equal("fb_7", fb.FeedbackId);
            Assert.Equal(2, fb.FeedbackType);
            Assert.Equal(new[] { 2, 4 }, fb.InaccurateReasons);
        }

        [Fact]
        public void Send_file_uploads_in_chunks_that_reassemble_to_the_file_then_sends_the_media()
        {
            _ps.Connect(_server);
            var small = _files.Create("report.pdf", 1_300_000, seed: 7);
            var big = _files.Create("big.bin", 5 * 1024 * 1024 + 17, seed: 8);
            var r = _ps.Run("Get-Item $a, $b | Send-WecomFile -ChatId lisi -PassThru", new Dictionary<string, object> { ["a"] = small, ["b"] = big });
            Assert.Empty(r.Errors);
            Assert.Equal(2, _server.Uploads.Count);
            Assert.Equal(File.ReadAllBytes(small), _server.Uploads[0].Bytes);
            Assert.Equal(File.ReadAllBytes(big), _server.Uploads[1].Bytes);
            Assert.Equal("report.pdf", _server.Uploads[0].FileName);

            var init = _server.FramesFor("aibot_upload_media_init")[0];
            Assert.Equal("file", init.BodyString("type"));
            Assert.Equal("1300000", init.BodyString("total_size"));
            Assert.Equal("3", init.BodyString("total_chunks"));
            Assert.Matches("^[0-9a-f]{32}$", init.BodyString("md5"));
            var chunks = _server.FramesFor("aibot_upload_media_chunk").Where(f => f.BodyString("upload_id") == _server.Uploads[0].UploadId).Select(f => int.Parse(f.BodyString("chunk_index"))).OrderBy(i => i);
            Assert.Equal(new[] { 0, 1, 2 }, chunks);

            var sends = _server.FramesFor("aibot_send_msg");
            Assert.Equal(2, sends.Count);
            Assert.Equal("file", sends[0].BodyString("msgtype"));
            Assert.Equal(_server.Uploads[0].MediaId, sends[0].BodyString("file.media_id"));
            Assert.Equal(_server.Uploads[0].MediaId, ((WecomSendResult)r.Output[0].BaseObject).MediaId);
        }

        [Fact]
        public void Bad_files_get_clear_errors_before_any_frame_and_the_good_ones_still_go()
        {
            _ps.Connect(_server);
            _server.ClearFrames();
            var tooBig = _files.Create("huge.zip", 20 * 1024 * 1024 + 1);
            var empty = _files.Create("empty.txt", 0);
            var webp = _files.Create("photo.webp", 1000);
            var good = _files.Create("ok.txt", 1000);
            var missing = Path.Combine(_files.Folder, "missing.txt");
            var r = _ps.Run("$huge, $empty, $missing, $good | Send-WecomFile -ChatId lisi; Send-WecomFile -ChatId lisi -Path $webp -MediaType image",
                new Dictionary<string, object> { ["huge"] = tooBig, ["empty"] = empty, ["missing"] = missing, ["good"] = good, ["webp"] = webp });
            Assert.Equal(new[] { "WecomFileTooLarge", "WecomFileEmpty", "WecomFileNotFound", "WecomUnsupportedFormat" },
                r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(ErrorCategory.LimitsExceeded, r.Errors[0].CategoryInfo.Category);
            Assert.Equal(tooBig, r.Errors[0].TargetObject);
            Assert.Contains("-MediaType file", r.Errors[3].Exception.Message);
            // Only the good file was uploaded; nothing about the bad ones reached the wire.
            var inits = _server.FramesFor("aibot_upload_media_init");
            Assert.Equal("ok.txt", Assert.Single(inits).BodyString("filename"));
        }

        [Fact]
        public void After_disconnect_the_session_is_closed_and_sends_fail_clearly()
        {
            var session = (WecomSession)_ps.Connect(_server).Output[0].BaseObject;
            var r = _ps.Run("Disconnect-WecomBot");
            Assert.Empty(r.Errors);
            Assert.Equal(WecomSessionState.Disconnected, session.State);
            Assert.True(_server.WaitForConnectionCount(0, Wait));

            r = _ps.Run("Send-WecomMessage -Session $s -ChatId lisi -Content hi", new Dictionary<string, object> { ["s"] = session });
            var e = Assert.Single(r.Errors);
            Assert.StartsWith("WecomSessionClosed", e.FullyQualifiedErrorId);
            var none = _ps.Throws("Send-WecomMessage -ChatId lisi -Content hi");
            Assert.StartsWith("WecomNoSession", none.FullyQualifiedErrorId);
            Assert.Contains("Connect-WecomBot", none.Exception.Message);
        }

        [Fact]
        public void Raw_control_characters_inside_strings_arrive_intact_and_garbage_is_skipped()
        {
            _ps.Connect(_server);
            _server.PushRaw("{not json at all");
            _server.PushRaw("{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"RAWREQ000000000000000001\"},\"body\":{\"msgid\":\"raw1\",\"aibotid\":\"" + _server.BotId +
                            "\",\"chattype\":\"single\",\"from\":{\"userid\":\"lisi\"},\"msgtype\":\"text\",\"text\":{\"content\":\"red \u001b[31mX\u001b[0m\r\nnext\"}}}");
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 -Verbose");
            var m = (WecomMessage)Assert.Single(r.Output).BaseObject;
            Assert.Equal("red \u001b[31mX\u001b[0m\r\nnext", m.Content);
            Assert.Equal(WecomSessionState.Connected, SessionStore.Default.State);
            Assert.Equal(1, SessionStore.Default.FramesSkipped);
        }

        [Fact]
        public void No_secret_reaches_any_stream_of_a_full_verbose_debug_run()
        {
            var file = _files.Create("x.png", 3000);
            var r0 = _ps.Run(@"$DebugPreference = 'Continue'; Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -Verbose -Debug",
                new Dictionary<string, object> { ["botId"] = _server.BotId, ["secret"] = _server.Secret, ["endpoint"] = _server.Endpoint });
            var pushed = _server.PushImage(new byte[] { 1, 2, 3, 4, 5, 6 });
            var r = _ps.Run(@"
                $DebugPreference = 'Continue'
                $m = Receive-WecomMessage -Wait -Count 1 -Timeout 5 -Verbose -Debug
                $m | Send-WecomMessage -Content 'ok' -Verbose -Debug
                Send-WecomFile -ChatId lisi -Path $file -Verbose -Debug
                Send-WecomMessage -ChatId lisi -Content hi -Verbose -Debug
                Connect-WecomBot -BotId $botId -Secret 'another-bad-secret' -Endpoint $endpoint -Name bad -Verbose -Debug -ErrorAction SilentlyContinue
                Disconnect-WecomBot -Verbose
            ", new Dictionary<string, object> { ["botId"] = _server.BotId, ["secret"] = _server.Secret, ["endpoint"] = _server.Endpoint, ["file"] = file });
            var text = string.Join("\n", r0.AllText().Concat(r.AllText()));
            Assert.Contains("aibot_subscribe", text);   // the wire is visible...
            Assert.Contains("-> {", text);              // ...frames too, with -Debug
            Assert.DoesNotContain(_server.Secret, text);
            Assert.DoesNotContain("another-bad-secret", text);
            var aesKey = System.Text.Json.JsonDocument.Parse(pushed.RawJson).RootElement.GetProperty("body").GetProperty("image").GetProperty("aeskey").GetString();
            Assert.DoesNotContain(aesKey, text);
        }
    }
}
