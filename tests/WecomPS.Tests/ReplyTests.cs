using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;
using System.Threading;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Streaming replies, welcome replies, cards and their windows, through the cmdlets.</summary>
    [Collection("PowerShell")]
    public sealed class ReplyTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private readonly WecomMockServer _server;
        private readonly PowerShellHost _ps = new PowerShellHost();

        public ReplyTests() : this(new MockServerOptions()) { }

        private ReplyTests(MockServerOptions options)
        {
            _server = WecomMockServer.Start(options);
            _ps.Connect(_server);
        }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        private Dictionary<string, object> Receive()
        {
            var r = _ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5; $global:m");
            Assert.Single(r.Output);
            return new Dictionary<string, object>();
        }

        [Fact]
        public void Stream_sends_accumulating_updates_under_one_id_one_at_a_time_then_finish()
        {
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(30);
            var pushed = _server.PushText("build please");
            Receive();
            // The Start-Sleep is the scenario, not a wait: a slow producer whose lines come while updates are in flight.
            var r = _ps.Run("1..12 | ForEach-Object { Start-Sleep -Milliseconds 40; \"step $_\" } | " +
                            "Send-WecomMessage -ReplyTo $m -Stream -Feedback fb_1");
            Assert.Empty(r.Errors);
            var frames = _server.RepliesTo(pushed.ReqId);
            Assert.True(frames.Count >= 2 && frames.Count <= 13, "frames: " + frames.Count);
            Assert.Single(frames.Select(f => f.BodyString("stream.id")).Distinct());
            Assert.All(frames.Take(frames.Count - 1), f => Assert.Equal("false", f.BodyString("stream.finish")));
            var last = frames.Last();
            Assert.Equal("true", last.BodyString("stream.finish"));
            Assert.Equal(string.Join("\n", Enumerable.Range(1, 12).Select(i => "step " + i)), last.BodyString("stream.content"));
            // Content only grows: each snapshot starts with the previous one.
            for (int i = 1; i < frames.Count; i++) Assert.StartsWith(frames[i - 1].BodyString("stream.content"), frames[i].BodyString("stream.content"));
            // Feedback on the first frame only.
            Assert.Equal("fb_1", frames[0].BodyString("stream.feedback.id"));
            Assert.All(frames.Skip(1), f => Assert.Null(f.BodyString("stream.feedback.id")));
            // Strictly one after another: each frame arrived after the previous frame's ack was sent.
            var acks = _server.Acks.Where(a => a.ReqId == pushed.ReqId).ToList();
            for (int i = 1; i < frames.Count; i++) Assert.True(frames[i].At >= acks[i - 1].At, "frame " + i + " overtook an ack");
        }

        [Fact]
        public void Ctrl_C_on_a_streaming_pipeline_still_finishes_the_stream()
        {
            var pushed = _server.PushText("long job");
            Receive();
            TimeSpan stopTook = TimeSpan.Zero;
            var log = new LogCollector();
            using var attached = SessionStore.Default.AttachLog(log);
            using (var ps = PowerShell.Create())
            {
                ps.Runspace = (Runspace)typeof(PowerShellHost).GetField("_runspace", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).GetValue(_ps);
                // The Start-Sleep is the scenario, not a wait: an endless slow producer that only Ctrl+C ends.
                ps.AddScript("1..100000 | ForEach-Object { Start-Sleep -Milliseconds 50; \"line $_\" } | " +
                             "Send-WecomMessage -ReplyTo $m -Stream");
                var handle = ps.BeginInvoke();
                Assert.True(SpinWait.SpinUntil(() => _server.RepliesTo(pushed.ReqId).Count >= 2, Wait));
                var stopClock = System.Diagnostics.Stopwatch.StartNew();
                ps.Stop();
                stopTook = stopClock.Elapsed;
                try { ps.EndInvoke(handle); } catch (PipelineStoppedException) { }
            }
            bool finished = SpinWait.SpinUntil(() => _server.RepliesTo(pushed.ReqId).Any(f => f.BodyString("stream.finish") == "true"), Wait);
            Assert.True(finished, "no finish frame; replies: " + string.Join(" | ", _server.RepliesTo(pushed.ReqId).Select(f => f.BodyString("stream.finish") + "@" + f.At.ToString("HH:mm:ss.fff"))) +
                "; acks: " + string.Join(" | ", _server.Acks.Where(a => a.ReqId == pushed.ReqId).Select(a => a.Errcode + "@" + a.At.ToString("HH:mm:ss.fff"))) +
                "; session " + SessionStore.Default?.State + " reconnects " + SessionStore.Default?.Reconnects + " last error " + SessionStore.Default?.LastError +
                "; now " + DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff") + "; stop took " + stopTook.TotalMilliseconds + " ms; log: " + string.Join(" | ", log.Lines.Where(l => !l.StartsWith("Debug"))));
            var last = _server.RepliesTo(pushed.ReqId).Last();
            Assert.Equal("true", last.BodyString("stream.finish"));
            Assert.StartsWith("line 1", last.BodyString("stream.content"));
        }

        [Fact]
        public void Content_over_the_byte_limit_continues_in_a_new_stream_split_at_a_character()
        {
            var pushed = _server.PushText("long");
            Receive();
            var line = string.Concat(Enumerable.Repeat("测试😀", 700));   // 10 bytes per repeat: 7000 bytes a line
            var r = _ps.Run("1..5 | ForEach-Object { $line } | Send-WecomMessage -ReplyTo $m -Stream", new Dictionary<string, object> { ["line"] = line });
            Assert.Empty(r.Errors);
            var finals = _server.RepliesTo(pushed.ReqId).Where(f => f.BodyString("stream.finish") == "true").ToList();
            Assert.True(finals.Count >= 2, "streams: " + finals.Count);
            Assert.Equal(finals.Count, finals.Select(f => f.BodyString("stream.id")).Distinct().Count());
            Assert.All(finals, f => Assert.True(Encoding.UTF8.GetByteCount(f.BodyString("stream.content")) <= 20480));
            Assert.Equal(string.Join("\n", Enumerable.Repeat(line, 5)), string.Concat(finals.Select(f => f.BodyString("stream.content"))));

            // The one-shot path splits too.
            var p2 = _server.PushText("again");
            Receive();
            var big = string.Concat(Enumerable.Repeat("é", 15000));   // 30000 bytes
            r = _ps.Run("Send-WecomMessage -ReplyTo $m -Content $big", new Dictionary<string, object> { ["big"] = big });
            Assert.Empty(r.Errors);
            Assert.Equal(big, string.Concat(_server.RepliesTo(p2.ReqId).Select(f => f.BodyString("stream.content"))));
        }

        [Fact]
        public void Welcome_replies_use_the_welcome_command_within_five_seconds()
        {
            var ev = _server.PushEvent("enter_chat", userId: "lisi");
            Receive();
            var r = _ps.Run("$m | Send-WecomMessage -Content 'Hello! How can I help?'");
            Assert.Empty(r.Errors);
            var f = Assert.Single(_server.FramesFor("aibot_respond_welcome_msg"));
            Assert.Equal(ev.ReqId, f.ReqId);
            Assert.Equal("text", f.BodyString("msgtype"));
            Assert.Equal("Hello! How can I help?", f.BodyString("text.content"));

            // Too late: the error names the window, and nothing is sent.
            _server.PushEvent("enter_chat", userId: "wang");
            Receive();
            _ps.Run("$m.GetType().GetProperty('ReceivedAt').SetValue($m, [DateTimeOffset]::Now.AddSeconds(-6))");
            r = _ps.Run("$m | Send-WecomMessage -Content hi");
            var e = Assert.Single(r.Errors);
            Assert.StartsWith("WecomWelcomeWindowPassed", e.FullyQualifiedErrorId);
            Assert.Contains("5 seconds", e.Exception.Message);
            Assert.Single(_server.FramesFor("aibot_respond_welcome_msg"));
        }

        [Fact]
        public void A_clicked_card_is_not_updated_after_its_window()
        {
            // The update itself (-UpdateFor from the pipeline, task_id, -UserId): tests/Pester/Client.Tests.ps1.
            _server.PushEvent("template_card_event",
                new { card_type = "button_interaction", event_key = "approve", task_id = "task_42" }, userId: "lisi");
            var r0 = _ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5 -EventType template_card_event; $m");
            Assert.IsType<WecomPS.Event.TemplateCard>(r0.Output[0].BaseObject);
            _ps.Run("$m.GetType().GetProperty('ReceivedAt').SetValue($m, [DateTimeOffset]::Now.AddSeconds(-6))");
            var r = _ps.Run(
                "$m | Send-WecomCard -Card '{\"card_type\":\"text_notice\",\"sub_title_text\":\"x\",\"card_action\":{\"type\":1}}'");
            Assert.StartsWith("WecomCardUpdateWindowPassed", Assert.Single(r.Errors).FullyQualifiedErrorId);
        }

        [Fact]
        public void A_button_card_carries_its_keys_styles_and_feedback_on_the_wire()
        {
            // An invalid card refused before sending: tests/Pester/Client.Tests.ps1 (Send-WecomCard).
            _server.ClearFrames();
            var r = _ps.Run("Send-WecomCard -ChatId lisi -Feedback fb9 -Card ([pscustomobject]@{ card_type = 'button_interaction'; task_id = 't1'; main_title = @{ title = 'Deploy?' }; button_list = @(@{ text = 'Yes'; key = 'yes'; style = 1 }) })");
            Assert.Empty(r.Errors);
            var f = Assert.Single(_server.FramesFor("aibot_send_msg"));
            Assert.Equal("template_card", f.BodyString("msgtype"));
            Assert.Equal("yes", f.BodyString("template_card.button_list.0.key"));
            Assert.Equal("1", f.BodyString("template_card.button_list.0.style"));
            Assert.Equal("fb9", f.BodyString("template_card.feedback.id"));
        }
    }
}
