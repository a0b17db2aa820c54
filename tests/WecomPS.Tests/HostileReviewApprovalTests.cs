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
    /// <summary>A hostile review of Request-WecomApproval (issue 15 §3): tries to make the gate decide wrongly or
    /// hang, through the engine against the double.</summary>
    [Collection("PowerShell")]
    public sealed class HostileReviewApprovalTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
        private readonly WecomMockServer _server = WecomMockServer.Start(new MockServerOptions());
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly List<PowerShellHost> _others = new List<PowerShellHost>();

        public HostileReviewApprovalTests()
        {
            _ps.Connect(_server);
            _server.PushText("hello", userId: "lisi");
            _server.PushText("hello", userId: "zhangsan", chatId: "wrOps");
            Assert.Equal(2, _ps.Run("Receive-WecomMessage -Wait -Count 2 -Timeout 5").Output.Count);
        }

        public void Dispose()
        {
            _ps.Dispose();
            foreach (var o in _others) o.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        private sealed class Running : IDisposable
        {
            public readonly PowerShell Ps = PowerShell.Create();
            public IAsyncResult Handle;

            public PSDataCollection<PSObject> End() => Ps.EndInvoke(Handle);

            public bool Ended(TimeSpan within) => Handle.AsyncWaitHandle.WaitOne(within);

            public void Dispose()
            {
                if (!Handle.IsCompleted) Ps.Stop();
                Ps.Dispose();
            }
        }

        private static Runspace RunspaceOf(PowerShellHost host) =>
            (Runspace)typeof(PowerShellHost).GetField("_runspace",
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).GetValue(host);

        /// <summary>Runs <paramref name="script"/> in the main runspace, or in another one of the same process (the
        /// sessions are the module's, so both use the same default session), as a thread job would.</summary>
        private Running Begin(string script, bool otherRunspace = false)
        {
            var host = _ps;
            if (otherRunspace)
            {
                host = new PowerShellHost();
                _others.Add(host);
            }
            var run = new Running();
            run.Ps.Runspace = RunspaceOf(host);
            run.Ps.AddScript(script);
            run.Handle = run.Ps.BeginInvoke();
            return run;
        }

        private ReceivedFrame WaitForCard(int count = 1)
        {
            Assert.True(SpinWait.SpinUntil(() => _server.SentCards.Count >= count, Wait), "no card was sent");
            return _server.SentCards[count - 1];
        }

        /// <summary>Waits until the request has its card's ack and waits for the click (its Verbose line).</summary>
        private static void WaitUntilWaiting(Running run) =>
            Assert.True(SpinWait.SpinUntil(() => run.Ps.Streams.Verbose.Any(v =>
                v.Message.Contains("waiting for a decision")), Wait), "the request did not start waiting");

        private List<ReceivedFrame> Updates() => _server.FramesFor("aibot_respond_update_msg").ToList();

        private static Approval Decided(Running run)
        {
            Assert.True(run.Ended(Wait), "the approval did not end");
            var output = run.End();
            Assert.Empty(run.Ps.Streams.Error);
            return Assert.IsType<Approval>(Assert.Single(output).BaseObject);
        }

        [Fact]
        public void Two_requests_waiting_at_once_in_one_session_each_get_only_their_own_click()
        {
            using (var a = Begin("Request-WecomApproval -ChatId wrOps -Title 'A?' -TimeoutSec 60"))
            {
                var cardA = WaitForCard(1).BodyString("template_card.task_id");
                using (var b = Begin("Request-WecomApproval -ChatId wrOps -Title 'B?' -TimeoutSec 60", true))
                {
                    var cardB = WaitForCard(2).BodyString("template_card.task_id");
                    _server.ClickCard(taskId: cardB, key: "Reject", userId: "zhangsan");
                    var approvalB = Decided(b);
                    Assert.Equal(cardB, approvalB.TaskId);
                    Assert.Equal("Reject", approvalB.Decision);
                    Thread.Sleep(300);
                    Assert.False(a.Handle.IsCompleted, "A was decided by the click on B");
                    _server.ClickCard(taskId: cardA, key: "Approve", userId: "lisi");
                    var approvalA = Decided(a);
                    Assert.Equal(cardA, approvalA.TaskId);
                    Assert.Equal("Approve", approvalA.Decision);
                    Assert.Equal("lisi", approvalA.DecidedBy);
                }
            }
        }

        [Fact]
        public void A_bot_loop_receiving_in_another_runspace_does_not_take_the_click_of_a_waiting_approval()
        {
            // A common shape: a bot loop receives everything in one runspace (a thread job) while a runbook in
            // another asks for approval. The click belongs to the approval; the loop gets the rest.
            using (var loop = Begin("Receive-WecomMessage -Wait -Count 1 -Timeout 30", true))
            {
                Thread.Sleep(300);
                using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -TimeoutSec 30"))
                {
                    WaitForCard();
                    _server.ClickCard(key: "Approve", userId: "zhangsan");
                    var approval = Decided(run);
                    Assert.Equal("Approve", approval.Decision);
                    Assert.False(loop.Handle.IsCompleted, "the bot loop took the approval's click");
                    _server.PushText("status?", userId: "wangwu");
                    Assert.True(loop.Ended(Wait), "the bot loop got nothing");
                    var got = Assert.Single(loop.End());
                    Assert.Equal("text", ((WecomPS.Messages.WecomMessage)got.BaseObject).MsgType);
                }
            }
        }

        [Fact]
        public void A_click_without_a_userid_does_not_decide()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Wipe the disk?' -TimeoutSec 30"))
            {
                var taskId = WaitForCard().BodyString("template_card.task_id");
                _server.PushEvent("template_card_event", new { card_type = "button_interaction",
                    event_key = "Approve", task_id = taskId }, userId: null, chatId: "wrOps");
                Thread.Sleep(500);
                Assert.False(run.Handle.IsCompleted, "a click by nobody decided");
                Assert.Empty(Updates());
                _server.ClickCard(key: "Reject", userId: "zhangsan");
                var approval = Decided(run);
                Assert.Contains(run.Ps.Streams.Warning, w => w.Message.Contains("without a userid"));
                Assert.Equal("Reject", approval.Decision);
                Assert.Equal("zhangsan", approval.DecidedBy);
            }
        }

        [Theory]
        [InlineData("'*'")]
        [InlineData("'ops*'")]
        [InlineData("'zhang?an'")]
        [InlineData("'[zl]isi'")]
        public void An_approver_with_wildcard_characters_is_refused_before_anything_is_sent(string approver)
        {
            int before = _server.Frames.Count(f => f.Cmd != "ping");
            var error = _ps.Throws("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -TimeoutSec 5 -Approver "
                + approver);
            Assert.Equal("WecomInvalidApproval,WecomPS.Cmdlets.RequestWecomApprovalCommand",
                error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal("Deploy?", error.TargetObject);
            Assert.Contains("wildcard", error.Exception.Message);
            Assert.Equal(before, _server.Frames.Count(f => f.Cmd != "ping"));
        }

        [Fact]
        public void An_approver_in_another_case_does_not_decide()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -TimeoutSec 30 " +
                                   "-Approver ZhangSan"))
            {
                WaitForCard();
                _server.ClickCard(key: "Approve", userId: "zhangsan");
                Assert.True(SpinWait.SpinUntil(() => Updates().Count == 1, Wait), "no answer to the click");
                Assert.Equal("[\"zhangsan\"]", Updates()[0].BodyString("userids"));
                Assert.False(run.Handle.IsCompleted);
                _server.ClickCard(key: "Reject", userId: "ZhangSan");
                var approval = Decided(run);
                Assert.Equal("ZhangSan", approval.DecidedBy);
                Assert.Equal(1, approval.RefusedClicks);
            }
        }

        [Fact]
        public void The_same_approver_clicking_twice_decides_once_and_the_second_click_stays_in_the_inbox()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -TimeoutSec 30"))
            {
                WaitForCard();
                _server.ClickCard(key: "Reject", userId: "zhangsan");
                var approval = Decided(run);
                Assert.Equal("Reject", approval.Decision);
            }
            _server.ClickCard(key: "Approve", userId: "zhangsan");
            Assert.Single(Updates());
            var left = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 -EventType template_card_event");
            Assert.Single(left.Output);
        }

        [Fact]
        public void A_redelivered_click_is_seen_once()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -TimeoutSec 30 " +
                                   "-Approver lisi"))
            {
                WaitForCard();
                var click = _server.ClickCard(key: "Approve", userId: "wangwu", msgId: "m-dup");
                _server.ClickCard(key: "Approve", userId: "wangwu", msgId: "m-dup");
                _server.ClickCard(key: "Reject", userId: "lisi");
                var approval = Decided(run);
                Assert.Equal(1, approval.RefusedClicks);
                Assert.Equal(2, Updates().Count);
            }
        }

        [Fact]
        public void Messages_that_arrive_while_it_waits_stay_in_the_inbox_in_order()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -TimeoutSec 30"))
            {
                WaitForCard();
                for (int i = 0; i < 5; i++) _server.PushText("m" + i, userId: "wangwu");
                _server.ClickCard(key: "Approve", userId: "zhangsan");
                _server.PushText("m5", userId: "wangwu");
                Decided(run);
            }
            var left = _ps.Run("Receive-WecomMessage -Wait -Count 6 -Timeout 5 | ForEach-Object Content");
            Assert.Equal(new[] { "m0", "m1", "m2", "m3", "m4", "m5" }, left.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void A_superseded_session_ends_the_wait_with_a_clear_error()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -Verbose"))
            {
                WaitUntilWaiting(run);
                _server.PushEvent("disconnected_event");
                Assert.True(run.Ended(Wait), "the wait did not end when the session was superseded");
                Assert.Empty(run.End());
                var e = Assert.Single(run.Ps.Streams.Error);
                Assert.Equal("WecomSessionSuperseded,WecomPS.Cmdlets.RequestWecomApprovalCommand",
                    e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ResourceUnavailable, e.CategoryInfo.Category);
                Assert.Equal("wrOps", e.TargetObject);
            }
        }

        [Fact]
        public void Disconnect_from_another_runspace_ends_the_wait_with_a_clear_error()
        {
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?' -Verbose"))
            {
                WaitUntilWaiting(run);
                using (var other = Begin("Disconnect-WecomBot", true)) Assert.True(other.Ended(Wait));
                Assert.True(run.Ended(Wait), "the wait did not end when the session was closed");
                Assert.Empty(run.End());
                var e = Assert.Single(run.Ps.Streams.Error);
                Assert.Equal("WecomSessionClosed,WecomPS.Cmdlets.RequestWecomApprovalCommand",
                    e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ResourceUnavailable, e.CategoryInfo.Category);
            }
        }

        [Fact]
        public void Ctrl_C_before_the_card_is_acknowledged_stops_at_once()
        {
            _server.LoseAckOfNext("aibot_send_msg");
            using (var run = Begin("Request-WecomApproval -ChatId wrOps -Title 'Deploy?'"))
            {
                Assert.True(SpinWait.SpinUntil(() => _server.FramesFor("aibot_send_msg").Count == 1, Wait));
                var stopped = System.Diagnostics.Stopwatch.StartNew();
                run.Ps.Stop();
                Assert.Throws<PipelineStoppedException>(() => run.End());
                Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), "stop took " + stopped.Elapsed);
            }
        }

        [Fact]
        public void A_reply_to_a_card_event_is_refused_before_anything_is_sent()
        {
            var ev = _server.PushEvent("template_card_event", new { card_type = "button_interaction",
                event_key = "x", task_id = "old" }, userId: "zhangsan", chatId: "wrOps");
            int before = _server.Frames.Count(f => f.Cmd != "ping");
            var error = _ps.Throws("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | " +
                                   "Request-WecomApproval -Title 'Deploy?' -TimeoutSec 5");
            Assert.Equal("WecomNotReplyable,WecomPS.Cmdlets.RequestWecomApprovalCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.IsType<WecomPS.Event.TemplateCard>(error.TargetObject);
            Assert.Equal(before, _server.Frames.Count(f => f.Cmd != "ping"));
        }

        [Fact]
        public void The_expiry_note_of_a_group_reply_goes_to_the_group()
        {
            _server.PushText("deploy?", userId: "lisi", chatId: "wrOps");
            var error = _ps.Throws("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | " +
                                   "Request-WecomApproval -Title 'Deploy?' -TimeoutSec 1");
            Assert.StartsWith("WecomApprovalTimeout,", error.FullyQualifiedErrorId);
            var note = _server.FramesFor("aibot_send_msg").Last();
            Assert.Equal("wrOps", note.BodyString("chatid"));
            Assert.Equal("2", note.BodyString("chat_type"));
            Assert.Equal(0, note.AckErrcode);
        }
    }
}
