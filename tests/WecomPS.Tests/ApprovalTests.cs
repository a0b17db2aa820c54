using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Request-WecomApproval through the engine, against the double (issue 15 §3).</summary>
    [Collection("PowerShell")]
    public sealed class ApprovalTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
        private static readonly Regex TaskIdRule = new Regex(@"^[0-9A-Za-z_\-@]{1,128}$");
        private readonly WecomMockServer _server = WecomMockServer.Start(new MockServerOptions());
        private readonly PowerShellHost _ps = new PowerShellHost();

        public ApprovalTests()
        {
            _ps.Connect(_server);
            // Proactive sends go only to users who wrote to the bot (docs/protocol.md §5.4).
            _server.PushText("hello", userId: "lisi");
            Assert.Single(_ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5").Output);
        }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        /// <summary>A pipeline running in the host's runspace while the test acts as the server.</summary>
        private sealed class Running : IDisposable
        {
            public readonly PowerShell Ps = PowerShell.Create();
            public IAsyncResult Handle;

            public PSDataCollection<PSObject> End() => Ps.EndInvoke(Handle);

            public void Dispose() => Ps.Dispose();
        }

        private Running Begin(string script)
        {
            var run = new Running();
            run.Ps.Runspace = (Runspace)typeof(PowerShellHost).GetField("_runspace",
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).GetValue(_ps);
            run.Ps.AddScript(script);
            run.Handle = run.Ps.BeginInvoke();
            return run;
        }

        private ReceivedFrame WaitForCard(int count = 1)
        {
            Assert.True(SpinWait.SpinUntil(() => _server.SentCards.Count >= count, Wait), "no card was sent");
            return _server.SentCards[count - 1];
        }

        private static List<string> Buttons(ReceivedFrame f, string field) =>
            f.BodyElement("template_card.button_list").EnumerateArray()
                .Select(b => b.GetProperty(field).GetString()).ToList();

        private List<ReceivedFrame> Updates() => _server.FramesFor("aibot_respond_update_msg").ToList();

        [Fact]
        public void A_click_decides_the_card_is_updated_for_everyone_and_other_messages_stay_in_the_inbox()
        {
            Approval approval;
            PushedFrame click;
            using (var run = Begin("Request-WecomApproval -ChatId lisi -Title 'Deploy v2.3 to production?' " +
                                   "-Description 'build 815, 3 services'"))
            {
                var card = WaitForCard();
                Assert.Equal("aibot_send_msg", card.Cmd);
                Assert.Equal("lisi", card.BodyString("chatid"));
                Assert.Equal("button_interaction", card.BodyString("template_card.card_type"));
                Assert.Equal("Deploy v2.3 to production?", card.BodyString("template_card.main_title.title"));
                Assert.Equal("build 815, 3 services", card.BodyString("template_card.main_title.desc"));
                Assert.Equal(new[] { "Approve", "Reject" }, Buttons(card, "text"));
                Assert.Equal(new[] { "Approve", "Reject" }, Buttons(card, "key"));
                var taskId = card.BodyString("template_card.task_id");
                Assert.Matches(TaskIdRule, taskId);

                // Other traffic while it waits: a message, another card's click, a feedback event.
                _server.PushText("status?", userId: "wangwu");
                _server.PushEvent("template_card_event", new { card_type = "button_interaction",
                    event_key = "x", task_id = "someone_elses_card" }, userId: "wangwu");
                _server.PushEvent("feedback_event", new { id = "fb", type = 1 }, userId: "wangwu");
                Thread.Sleep(200);
                Assert.False(run.Handle.IsCompleted, "decided without a click on its own card");

                click = _server.ClickCard(key: "Approve", userId: "lisi");
                var output = run.End();
                Assert.Empty(run.Ps.Streams.Error);
                approval = Assert.IsType<Approval>(Assert.Single(output).BaseObject);
                Assert.Contains("WecomPS.Approval", output[0].TypeNames);
                Assert.Equal(taskId, approval.TaskId);
            }
            Assert.Equal("Approve", approval.Decision);
            Assert.Equal("Approve", approval.Key);
            Assert.Equal("lisi", approval.DecidedBy);
            Assert.Equal("lisi", approval.ChatId);
            Assert.True(approval.CardUpdated);
            Assert.True(approval.Waited >= TimeSpan.FromMilliseconds(150), "waited " + approval.Waited);
            Assert.True((DateTimeOffset.Now - approval.DecidedAt).Duration() < TimeSpan.FromMinutes(1));

            // The update: under the click's req_id, for everyone, buttons replaced, decision and decider shown.
            var update = Assert.Single(Updates());
            Assert.Equal(click.ReqId, update.ReqId);
            Assert.Equal(0, update.AckErrcode);
            Assert.Null(update.BodyString("userids"));
            Assert.Equal("update_template_card", update.BodyString("response_type"));
            Assert.Equal(approval.TaskId, update.BodyString("template_card.task_id"));
            Assert.Equal("Approve by lisi", update.BodyString("template_card.replace_text"));
            Assert.Contains("Approve by lisi", update.BodyString("template_card.sub_title_text"));

            // Only its own click was consumed.
            var rest = _ps.Run("Receive-WecomMessage | ForEach-Object { if ($_.IsEvent) { '{0}/{1}' -f " +
                               "$_.EventType, $_.TaskId } else { '{0}/{1}' -f $_.MsgType, $_.Content } }");
            Assert.Empty(rest.Errors);
            Assert.Equal(new[] { "text/status?", "template_card_event/someone_elses_card", "feedback_event/" },
                rest.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Every_request_gets_a_fresh_valid_task_id()
        {
            var ids = new HashSet<string>();
            for (int i = 0; i < 3; i++)
            {
                using (var run = Begin("Request-WecomApproval -ChatId lisi -Title 'Step " + i + "?' -Option Go"))
                {
                    var card = WaitForCard(i + 1);
                    _server.ClickCard(userId: "lisi");
                    var approval = (Approval)run.End().Single().BaseObject;
                    Assert.Equal(card.BodyString("template_card.task_id"), approval.TaskId);
                    Assert.Equal("Go", approval.Decision);
                    Assert.Matches(TaskIdRule, approval.TaskId);
                    Assert.True(ids.Add(approval.TaskId), "task_id repeated: " + approval.TaskId);
                }
            }
            for (int i = 0; i < 1000; i++) Assert.True(ids.Add(ApprovalRequest.NewTaskId()));
        }

        [Fact]
        public void A_click_by_a_stranger_updates_only_their_card_and_the_request_stays_open()
        {
            using (var run = Begin("Request-WecomApproval -ChatId lisi -Title 'Drop the cache?' " +
                                   "-Option 'Yes, drop', 'No' -Approver zhangsan, lisi"))
            {
                WaitForCard();
                var stranger = _server.ClickCard(key: "Yes, drop", userId: "wangwu");
                Assert.True(SpinWait.SpinUntil(() => Updates().Count == 1, Wait), "the stranger got no answer");
                var refused = Updates()[0];
                Assert.Equal(stranger.ReqId, refused.ReqId);
                Assert.Equal("[\"wangwu\"]", refused.BodyString("userids"));
                Assert.Equal("Not an approver", refused.BodyString("template_card.replace_text"));
                Assert.Contains("wangwu is not an approver", refused.BodyString("template_card.sub_title_text"));
                Thread.Sleep(300);
                Assert.False(run.Handle.IsCompleted, "a stranger's click decided");

                var decider = _server.ClickCard(key: "No", userId: "zhangsan");
                var approval = (Approval)run.End().Single().BaseObject;
                Assert.Equal("No", approval.Decision);
                Assert.Equal("zhangsan", approval.DecidedBy);
                Assert.Equal(1, approval.RefusedClicks);
                var final = Updates().Last();
                Assert.Equal(decider.ReqId, final.ReqId);
                Assert.Null(final.BodyString("userids"));
                Assert.Equal("No by zhangsan", final.BodyString("template_card.replace_text"));
            }
        }

        [Fact]
        public void A_reply_card_waits_in_the_group_of_the_message_and_the_click_comes_from_there()
        {
            var ask = _server.PushText("deploy please", userId: "lisi", chatId: "wrk_ops");
            using (var run = Begin("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | " +
                                   "Request-WecomApproval -Title 'Deploy?' -Approver zhangsan"))
            {
                var card = WaitForCard();
                Assert.Equal("aibot_respond_msg", card.Cmd);
                Assert.Equal(ask.ReqId, card.ReqId);
                _server.ClickCard(userId: "zhangsan");
                var approval = (Approval)run.End().Single().BaseObject;
                Assert.Equal("wrk_ops", approval.ChatId);
                Assert.Equal("Approve", approval.Decision);
            }
        }

        [Fact]
        public void The_wait_goes_on_across_a_reconnect()
        {
            using (var run = Begin("Request-WecomApproval -ChatId lisi -Title 'Restart db?' -Verbose"))
            {
                // Drop the link only once the card's ack is in (before it, the card is WecomDeliveryUnknown).
                Assert.True(SpinWait.SpinUntil(() => run.Ps.Streams.Verbose.Any(v =>
                    v.Message.Contains("waiting for a decision")), Wait), "the request did not start waiting");
                int subscribes = _server.FramesFor("aibot_subscribe").Count;
                _server.DropConnections();
                Assert.True(SpinWait.SpinUntil(() => _server.FramesFor("aibot_subscribe").Count > subscribes
                    && SessionStore.Default.State == WecomSessionState.Connected, Wait), "no reconnect");
                Assert.False(run.Handle.IsCompleted);
                _server.ClickCard(key: "Reject", userId: "lisi");
                var approval = (Approval)run.End().Single().BaseObject;
                Assert.Equal("Reject", approval.Decision);
                Assert.True(approval.CardUpdated);
            }
        }

        [Fact]
        public void A_timeout_is_a_terminating_OperationTimeout_error_and_the_chat_is_told_the_request_expired()
        {
            var error = _ps.Throws("Request-WecomApproval -ChatId lisi -Title 'Rotate keys?' -TimeoutSec 1");
            Assert.Equal("WecomApprovalTimeout,WecomPS.Cmdlets.RequestWecomApprovalCommand",
                error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Equal("lisi", error.TargetObject);
            Assert.Contains("Rotate keys?", error.Exception.Message);
            var note = _server.FramesFor("aibot_send_msg").Last();
            Assert.Equal("markdown", note.BodyString("msgtype"));
            Assert.Equal("lisi", note.BodyString("chatid"));
            Assert.Contains("expired", note.BodyString("markdown.content"));
            Assert.Contains("Rotate keys?", note.BodyString("markdown.content"));
            Assert.Equal(0, note.AckErrcode);
            Assert.Empty(Updates());
        }

        [Fact]
        public void Ctrl_C_stops_the_wait_at_once_sends_nothing_more_and_leaves_later_clicks_in_the_inbox()
        {
            using (var run = Begin("Request-WecomApproval -ChatId lisi -Title 'Scale down?'"))
            {
                WaitForCard();
                int frames = _server.Frames.Count(f => f.Cmd != "ping");
                var stopped = System.Diagnostics.Stopwatch.StartNew();
                run.Ps.Stop();
                Assert.Throws<PipelineStoppedException>(() => run.End());
                Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), "stop took " + stopped.Elapsed);
                Assert.Equal(frames, _server.Frames.Count(f => f.Cmd != "ping"));
            }
            _server.ClickCard(userId: "lisi");
            var left = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 -EventType template_card_event");
            Assert.Single(left.Output);
            Assert.Empty(Updates());
        }

        [Fact]
        public void WhatIf_sends_nothing_and_outputs_nothing()
        {
            int before = _server.Frames.Count(f => f.Cmd != "ping");
            var r = _ps.Run("Request-WecomApproval -ChatId lisi -Title 'Deploy?' -WhatIf");
            Assert.Empty(r.Output);
            Assert.Empty(r.Errors);
            Assert.Null(r.Terminating);
            Assert.Equal(before, _server.Frames.Count(f => f.Cmd != "ping"));
        }

        [Theory]
        [InlineData("-Option a, b, c, d, e, f, g", "at most 6")]
        [InlineData("-Option 'Yes', ''", "empty option")]
        [InlineData("-Option ' '", "empty option")]
        [InlineData("-Option Yes, Yes", "twice")]
        [InlineData("-Option ('長' * 22)", "66 bytes")]
        [InlineData("-Description ('x' * 513)", "513 bytes")]
        [InlineData("-Approver ''", "")]
        public void Bad_input_is_refused_before_anything_is_sent(string args, string says)
        {
            int before = _server.Frames.Count(f => f.Cmd != "ping");
            var error = _ps.Throws("Request-WecomApproval -ChatId lisi -Title 'Deploy?' " + args);
            if (says.Length > 0)
            {
                Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
                Assert.StartsWith("WecomInvalidApproval,", error.FullyQualifiedErrorId);
                Assert.Contains(says, error.Exception.Message);
                Assert.Equal("Deploy?", error.TargetObject);
            }
            else Assert.Contains("ParameterArgumentValidationError", error.FullyQualifiedErrorId);
            Assert.Equal(before, _server.Frames.Count(f => f.Cmd != "ping"));
        }

        [Fact]
        public void A_title_over_128_bytes_is_refused_even_when_it_has_fewer_characters()
        {
            var error = _ps.Throws("Request-WecomApproval -ChatId lisi -Title ('部署' * 22)");
            Assert.StartsWith("WecomInvalidApproval,", error.FullyQualifiedErrorId);
            Assert.Contains("132 bytes", error.Exception.Message);
            Assert.Empty(_server.SentCards);
        }

        [Fact]
        public void The_double_refuses_a_click_on_a_card_or_button_that_was_never_shown()
        {
            Assert.Throws<ArgumentException>(() => _server.ClickCard());
            using (var run = Begin("Request-WecomApproval -ChatId lisi -Title 'Deploy?' -TimeoutSec 30"))
            {
                var taskId = WaitForCard().BodyString("template_card.task_id");
                var badKey = Assert.Throws<ArgumentException>(() => _server.ClickCard(key: "Maybe"));
                Assert.Contains("Approve (Approve)", badKey.Message);
                var badTask = Assert.Throws<ArgumentException>(() => _server.ClickCard(taskId: "nope"));
                Assert.Contains(taskId, badTask.Message);
                _server.ClickCard(taskId: taskId, key: "Reject", userId: "lisi");
                Assert.Equal("Reject", ((Approval)run.End().Single().BaseObject).Decision);
            }
        }
    }
}
