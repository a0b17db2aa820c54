using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Start-/Update-/Complete-WecomReply through the engine, against the double (issue 15 §2).</summary>
    [Collection("PowerShell")]
    public sealed class ProgressReplyTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private readonly WecomMockServer _server = WecomMockServer.Start(new MockServerOptions());
        private readonly PowerShellHost _ps = new PowerShellHost();

        public ProgressReplyTests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        private PushedFrame PushAndReceive(string text = "deploy please", string userId = "lisi")
        {
            var pushed = _server.PushText(text, userId: userId);
            var r = _ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5; $global:m");
            Assert.Single(r.Output);
            return pushed;
        }

        private static List<string> Contents(IEnumerable<ReceivedFrame> frames) => frames.Select(f
            => f.BodyString("stream.content")).ToList();

        private static void AssertOpenThenFinish(IReadOnlyList<ReceivedFrame> frames)
        {
            Assert.Single(frames.Select(f => f.BodyString("stream.id")).Distinct());
            Assert.All(frames.Take(frames.Count - 1), f => Assert.Equal("false", f.BodyString("stream.finish")));
            Assert.Equal("true", frames.Last().BodyString("stream.finish"));
        }

        [Fact]
        public void Start_Update_Complete_replace_the_content_of_one_stream_and_finish_only_at_the_end()
        {
            var pushed = PushAndReceive();
            var r = _ps.Run("$r = Start-WecomReply -ReplyTo $m -Content 'Working...' -Feedback fb_9; $r; " +
                            "$r | Update-WecomReply -Content 'Step 2 of 3'; " +
                            "Complete-WecomReply $r 'Done: v2.3 deployed' -PassThru");
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Output.Count);
            var reply = Assert.IsType<Reply>(r.Output[0].BaseObject);
            Assert.Same(reply, r.Output[1].BaseObject);
            Assert.Equal(ReplyState.Completed, reply.State);
            Assert.Equal(pushed.ReqId, reply.ReqId);
            Assert.Equal("lisi", reply.ChatId);
            Assert.Equal(reply.StartedAt + TimeSpan.FromMinutes(10), reply.ExpiresAt);
            Assert.Contains("WecomPS.Reply", r.Output[0].TypeNames);

            var frames = _server.RepliesTo(pushed.ReqId);
            Assert.Equal(new[] { "Working...", "Step 2 of 3", "Done: v2.3 deployed" }, Contents(frames));
            AssertOpenThenFinish(frames);
            Assert.Equal(reply.StreamId, frames[0].BodyString("stream.id"));
            Assert.Equal("fb_9", frames[0].BodyString("stream.feedback.id"));
            Assert.All(frames.Skip(1), f => Assert.Null(f.BodyString("stream.feedback.id")));
            Assert.All(frames, f => Assert.Equal(0, f.AckErrcode));
            Assert.Equal(0, SessionStore.Default.OpenReplyCount);
        }

        [Fact]
        public void Updates_under_a_slow_ack_are_coalesced_one_frame_in_flight_and_the_latest_content_goes_out()
        {
            var pushed = PushAndReceive();
            var delay = TimeSpan.FromSeconds(1);
            _server.Options.AckDelay = delay;
            var r = _ps.Run("$r = Start-WecomReply -ReplyTo $m -Content 'Working'; " +
                            "1..30 | ForEach-Object { Update-WecomReply -Reply $r -Content \"Step $_ of 30\" }; " +
                            "$r.Updates; Complete-WecomReply -Reply $r; $r.State");
            Assert.Empty(r.Errors);
            Assert.Equal(30, (int)r.Output[0].BaseObject);
            Assert.Equal(ReplyState.Completed, r.Output[1].BaseObject);
            var frames = _server.RepliesTo(pushed.ReqId);
            // Thirty updates took far less than one ack: the first went out, the later ones replaced each other while
            // it
            // was in flight, and the latest went out (here with the final frame, which Complete sent next).
            Assert.True(frames.Count <= 4, "frames: " + string.Join(" | ", Contents(frames)));
            AssertOpenThenFinish(frames);
            Assert.Equal("Working", frames[0].BodyString("stream.content"));
            Assert.Equal("Step 30 of 30", frames[frames.Count - 1].BodyString("stream.content"));
            var steps = frames.Skip(1).Select(f => int.Parse(f.BodyString("stream.content").Split(' ')[1])).ToList();
            // Only ever forward: never a stale one after a newer one.
            Assert.Equal(steps.OrderBy(x => x).Distinct(), steps);
            // Replaced, not appended: no frame carries an earlier step.
            Assert.All(frames, f => Assert.DoesNotContain("\n", f.BodyString("stream.content")));
            // One in flight: every frame arrived at least one ack delay after the previous one (its ack came first).
            for (int i = 1; i < frames.Count; i++)
                Assert.True(frames[i].At - frames[i - 1].At >= delay - TimeSpan.FromMilliseconds(30),
                    "frame " + i + " overtook the ack of frame " + (i - 1));
        }

        [Fact]
        public void The_latest_update_goes_out_after_the_frame_in_flight_without_waiting_for_Complete()
        {
            var pushed = PushAndReceive();
            _server.Options.AckDelay = TimeSpan.FromMilliseconds(500);
            var r = _ps.Run("$r = Start-WecomReply $m 'Working'; " +
                            "1..10 | ForEach-Object { Update-WecomReply $r \"Step $_ of 10\" }");
            Assert.Empty(r.Errors);
            Assert.True(SpinWait.SpinUntil(() => _server.RepliesTo(pushed.ReqId).Any(f
                => f.BodyString("stream.content") == "Step 10 of 10"), Wait),
                "frames: " + string.Join(" | ", Contents(_server.RepliesTo(pushed.ReqId))));
            Assert.All(_server.RepliesTo(pushed.ReqId), f => Assert.Equal("false", f.BodyString("stream.finish")));
            Assert.True(_server.RepliesTo(pushed.ReqId).Count <= 4);
        }

        [Fact]
        public void Disconnect_finishes_a_reply_left_open_with_its_last_content()
        {
            var pushed = PushAndReceive();
            var r = _ps.Run("$r = Start-WecomReply $m 'Working'; Update-WecomReply $r 'Step 3 of 5'; " +
                            "Get-WecomSession | Select-Object -ExpandProperty OpenReplyCount; " +
                            "Disconnect-WecomBot; $r.State");
            Assert.Empty(r.Errors);
            Assert.Equal(1, (int)r.Output[0].BaseObject);
            Assert.Equal(ReplyState.Completed, r.Output[1].BaseObject);
            var frames = _server.RepliesTo(pushed.ReqId);
            AssertOpenThenFinish(frames);
            Assert.Equal("Step 3 of 5", frames.Last().BodyString("stream.content"));
            Assert.Equal(0, frames.Last().AckErrcode);
        }

        [Fact]
        public void Module_removal_finishes_a_reply_left_open()
        {
            var pushed = PushAndReceive();
            var r = _ps.Run("$global:r = Start-WecomReply $m 'Half way'; Remove-Module WecomPS; $r.State");
            Assert.Empty(r.Errors);
            Assert.Equal(ReplyState.Completed, r.Output[0].BaseObject);
            var frames = _server.RepliesTo(pushed.ReqId);
            Assert.Equal(2, frames.Count);
            AssertOpenThenFinish(frames);
            Assert.Equal("Half way", frames.Last().BodyString("stream.content"));
        }

        [Fact]
        public void Ctrl_C_while_Start_waits_for_its_ack_still_finishes_the_reply()
        {
            var pushed = PushAndReceive();
            _server.Options.AckDelay = TimeSpan.FromSeconds(2);
            using (var ps = PowerShell.Create())
            {
                ps.Runspace = (Runspace)typeof(PowerShellHost).GetField("_runspace",
                    System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).GetValue(_ps);
                ps.AddScript("Start-WecomReply -ReplyTo $m -Content 'Working'");
                var handle = ps.BeginInvoke();
                Assert.True(SpinWait.SpinUntil(() => _server.RepliesTo(pushed.ReqId).Count >= 1, Wait));
                ps.Stop();
                try { ps.EndInvoke(handle); } catch (PipelineStoppedException) { }
            }
            Assert.True(SpinWait.SpinUntil(() => _server.RepliesTo(pushed.ReqId).Count >= 2, Wait), "no finish frame");
            var frames = _server.RepliesTo(pushed.ReqId);
            AssertOpenThenFinish(frames);
            Assert.Equal("Working", frames.Last().BodyString("stream.content"));
            Assert.True(SpinWait.SpinUntil(() => SessionStore.Default.OpenReplyCount == 0, Wait));
        }

        [Fact]
        public void Complete_past_the_stream_lifetime_sends_the_final_content_as_a_markdown_message_with_a_warning()
        {
            var pushed = PushAndReceive();
            // Past the lifetime by the double's clock, not by sleeping (a loaded machine can take longer than a
            // short lifetime to ack the first frame).
            var r = _ps.Run("$r = Start-WecomReply $m 'Working'; $srv.AdvanceClock([TimeSpan]::FromMinutes(11)); " +
                            "Complete-WecomReply $r -Content 'All 5 steps done'; $r.State",
                new Dictionary<string, object> { ["srv"] = _server });
            Assert.Empty(r.Errors);
            Assert.Equal(ReplyState.CompletedAsMessage, r.Output.Single().BaseObject);
            Assert.Contains(r.Warnings, w => w.Contains("846608"));
            var refused = _server.RepliesTo(pushed.ReqId).Last();
            Assert.Equal(846608, refused.AckErrcode);
            var send = Assert.Single(_server.FramesFor("aibot_send_msg"));
            Assert.Equal("lisi", send.BodyString("chatid"));
            Assert.Equal("1", send.BodyString("chat_type"));
            Assert.Equal("All 5 steps done", send.BodyString("markdown.content"));
        }

        [Fact]
        public void An_update_after_expiry_is_kept_and_Complete_sends_it_as_a_message()
        {
            var pushed = PushAndReceive();
            var r = _ps.Run("$r = Start-WecomReply $m 'Working'; $srv.AdvanceClock([TimeSpan]::FromMinutes(11)); " +
                            "Update-WecomReply $r 'Step 4 of 4'; Complete-WecomReply $r; $r.State",
                new Dictionary<string, object> { ["srv"] = _server });
            Assert.Empty(r.Errors);
            Assert.Equal(ReplyState.CompletedAsMessage, r.Output.Single().BaseObject);
            Assert.Equal("Step 4 of 4",
                Assert.Single(_server.FramesFor("aibot_send_msg")).BodyString("markdown.content"));
        }

        [Fact]
        public void Content_over_20480_bytes_is_refused_with_LimitsExceeded_and_nothing_is_sent()
        {
            var pushed = PushAndReceive();
            var big = new string('é', 10241);   // 20482 bytes
            var vars = new Dictionary<string, object> { ["big"] = big };
            var start = _ps.Run("Start-WecomReply $m -Content $big", vars);
            var e = Assert.Single(start.Errors);
            Assert.Equal(ErrorCategory.LimitsExceeded, e.CategoryInfo.Category);
            Assert.StartsWith("WecomReplyContentTooLong,", e.FullyQualifiedErrorId);
            Assert.Contains("20482", e.Exception.Message);
            Assert.Empty(_server.RepliesTo(pushed.ReqId));

            var r = _ps.Run("$r = Start-WecomReply $m 'Working'; Update-WecomReply $r $big; " +
                            "Complete-WecomReply $r $big; $r", vars);
            Assert.Equal(2, r.Errors.Count);
            Assert.All(r.Errors, x =>
            {
                Assert.Equal(ErrorCategory.LimitsExceeded, x.CategoryInfo.Category);
                Assert.StartsWith("WecomReplyContentTooLong,", x.FullyQualifiedErrorId);
                Assert.Same(r.Output.Single().BaseObject, x.TargetObject);
            });
            Assert.Equal(new[] { "Working" }, Contents(_server.RepliesTo(pushed.ReqId)));
            Assert.Equal(ReplyState.Open, ((Reply)r.Output.Single().BaseObject).State);
            // Exactly at the limit is fine.
            var r2 = _ps.Run("Complete-WecomReply $r $max", new Dictionary<string, object> { ["max"] = new string('é',
                10240) });
            Assert.Empty(r2.Errors);
            Assert.Equal(20480,
                System.Text.Encoding.UTF8.GetByteCount(
                    _server.RepliesTo(pushed.ReqId).Last().BodyString("stream.content")));
        }

        [Fact]
        public void Update_or_Complete_of_a_completed_reply_is_an_InvalidOperation_error_and_sends_nothing()
        {
            var pushed = PushAndReceive();
            var r = _ps.Run("$r = Start-WecomReply $m 'Working'; Complete-WecomReply $r 'Done'; " +
                            "Update-WecomReply $r 'again'; Complete-WecomReply $r 'again'; $r");
            Assert.Equal(2, r.Errors.Count);
            Assert.All(r.Errors, e =>
            {
                Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
                Assert.StartsWith("WecomReplyClosed,", e.FullyQualifiedErrorId);
                Assert.Same(r.Output.Single().BaseObject, e.TargetObject);
                Assert.Contains("was completed", e.Exception.Message);
            });
            Assert.Equal(new[] { "Working", "Done" }, Contents(_server.RepliesTo(pushed.ReqId)));
        }

        [Fact]
        public void WhatIf_on_all_three_sends_nothing()
        {
            var pushed = PushAndReceive();
            var r = _ps.Run("Start-WecomReply $m 'x' -WhatIf; $r = Start-WecomReply $m 'Working'; " +
                            "Update-WecomReply $r 'y' -WhatIf; Complete-WecomReply $r 'z' -WhatIf; $r.State");
            Assert.Empty(r.Errors);
            Assert.Equal(ReplyState.Open, r.Output.Last().BaseObject);
            Assert.Equal(new[] { "Working" }, Contents(_server.RepliesTo(pushed.ReqId)));
        }

        [Fact]
        public void A_message_from_the_pipeline_starts_a_reply_and_a_refused_start_is_an_error_with_nothing_open()
        {
            var pushed = _server.PushText("status?");
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | Start-WecomReply -Content 'Checking...'");
            Assert.Empty(r.Errors);
            var reply = Assert.IsType<Reply>(Assert.Single(r.Output).BaseObject);
            Assert.Equal(pushed.ReqId, reply.ReqId);
            Assert.DoesNotContain(_server.Secret, reply.ToString());
            Assert.Contains(reply.StreamId, reply.ToString());

            // A welcome event cannot stream: refused before any frame.
            _server.PushEvent("enter_chat");
            var w = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | Start-WecomReply");
            var e = Assert.Single(w.Errors);
            Assert.StartsWith("WecomNotReplyable,", e.FullyQualifiedErrorId);
            Assert.Empty(w.Output);
            Assert.Equal(1, SessionStore.Default.OpenReplyCount);
        }
    }
}
