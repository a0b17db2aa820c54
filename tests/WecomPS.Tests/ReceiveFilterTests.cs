using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Receive-WecomMessage -UserId (an allowlist) and -MaxAgeSec (stale commands), through the engine (issue
    /// 15 §5).</summary>
    [Collection("PowerShell")]
    public sealed class ReceiveFilterTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private readonly WecomMockServer _server = WecomMockServer.Start(new MockServerOptions());
        private readonly PowerShellHost _ps = new PowerShellHost();

        public ReceiveFilterTests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        private WecomSession Session => SessionStore.Default;

        private void WaitForInbox(int count) =>
            Assert.True(SpinWait.SpinUntil(() => Session.InboxCount == count, Wait), "inbox: " + Session.InboxCount);

        private static List<string> Texts(PsResult r) => r.Output.Select(o
            => ((WecomMessage)o.BaseObject).Content).ToList();

        /// <summary>A text message whose create_time is <paramref name="age"/> in the past (the double's clock moved
        /// back).</summary>
        private PushedFrame PushOld(string text, TimeSpan age, string userId = "zhangsan")
        {
            _server.AdvanceClock(-age);
            try { return _server.PushText(text, userId: userId); }
            finally { _server.AdvanceClock(age); }
        }

        [Fact]
        public void UserId_emits_only_those_users_with_wildcards_and_leaves_the_others_for_the_next_receiver()
        {
            _server.PushText("restart db", userId: "alice");
            _server.PushText("drop table", userId: "mallory");
            _server.PushText("status", userId: "carol.ops");
            _server.PushEvent("enter_chat", userId: "mallory");
            _server.PushEvent("enter_chat", userId: "alice");
            WaitForInbox(5);
            var r = _ps.Run("Receive-WecomMessage -UserId alice, 'carol.*'");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "alice", "carol.ops", "alice" }, r.Output.Select(o
                => ((WecomMessage)o.BaseObject).UserId));
            Assert.IsType<WecomPS.Event.EnterChat>(r.Output[2].BaseObject);
            // Case matters: user ids are compared as the server sends them.
            Assert.Empty(_ps.Run("Receive-WecomMessage -UserId MALLORY").Output);
            var rest = _ps.Run("Receive-WecomMessage");
            Assert.Equal(new[] { "mallory", "mallory" }, rest.Output.Select(o => ((WecomMessage)o.BaseObject).UserId));
            Assert.Equal("drop table", ((WecomMessage)rest.Output[0].BaseObject).Content);
        }

        [Fact]
        public void UserId_with_Wait_skips_over_others_and_ends_on_the_allowed_one()
        {
            var t = Task.Run(() =>
            {
                Thread.Sleep(300);
                _server.PushText("rm -rf /", userId: "mallory");
                _server.PushText("deploy", userId: "alice");
            });
            var r = _ps.Run("Receive-WecomMessage -Wait -UserId alice -Count 1 -Timeout 10");
            t.Wait();
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "deploy" }, Texts(r));
            Assert.Equal(new[] { "rm -rf /" }, Texts(_ps.Run("Receive-WecomMessage -UserId mallory")));
        }

        [Fact]
        public void MaxAgeSec_skips_old_messages_removes_and_counts_them_and_names_each_in_Verbose()
        {
            var old1 = PushOld("restart the database", TimeSpan.FromHours(1));
            var old2 = PushOld("and the cache", TimeSpan.FromMinutes(5));
            _server.PushText("status please");
            WaitForInbox(3);
            var r = _ps.Run("Receive-WecomMessage -MaxAgeSec 120 -Verbose");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "status please" }, Texts(r));
            var skipped = r.Verbose.Where(v => v.StartsWith("Skipped")).ToList();
            Assert.Equal(2, skipped.Count);
            Assert.Contains(old1.MsgId, skipped[0]);
            Assert.Contains("-MaxAgeSec 120", skipped[0]);
            Assert.Contains(old2.MsgId, skipped[1]);
            Assert.Equal(0, Session.InboxCount);
            Assert.Equal(2L, Session.StaleSkipped);
            var shown = _ps.Run("Get-WecomSession | Format-List | Out-String");
            Assert.Matches(@"StaleSkipped\s*:\s*2", string.Concat(shown.Output));
        }

        [Fact]
        public void MaxAgeSec_with_Wait_skips_a_stale_message_that_arrives_while_waiting()
        {
            var t = Task.Run(() =>
            {
                Thread.Sleep(300);
                PushOld("reboot", TimeSpan.FromMinutes(30));
                _server.PushText("fresh");
            });
            var r = _ps.Run("Receive-WecomMessage -Wait -MaxAgeSec 60 -Count 1 -Timeout 10 -Verbose");
            t.Wait();
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "fresh" }, Texts(r));
            Assert.Single(r.Verbose, v => v.StartsWith("Skipped"));
            Assert.Equal(1L, Session.StaleSkipped);
        }

        [Fact]
        public void MaxAgeSec_with_UserId_leaves_other_users_messages_old_or_not()
        {
            PushOld("old from bob", TimeSpan.FromHours(2), userId: "bob");
            PushOld("old from alice", TimeSpan.FromHours(2), userId: "alice");
            WaitForInbox(2);
            var r = _ps.Run("Receive-WecomMessage -UserId alice -MaxAgeSec 60");
            Assert.Empty(r.Output);
            Assert.Equal(1L, Session.StaleSkipped);
            Assert.Equal(new[] { "old from bob" }, Texts(_ps.Run("Receive-WecomMessage")));
        }

        [Fact]
        public void A_message_without_a_usable_create_time_is_aged_by_when_it_was_received()
        {
            PushRaw("no-time-1", null);
            PushRaw("zero-time", 0);
            WaitForInbox(2);
            // Just received: young enough.
            var r = _ps.Run("Receive-WecomMessage -MaxAgeSec 60");
            Assert.Equal(new[] { "no-time-1", "zero-time" }, Texts(r));

            PushRaw("no-time-2", null);
            WaitForInbox(1);
            Thread.Sleep(2500);   // a lower bound: a loaded machine only makes it older
            var r2 = _ps.Run("Receive-WecomMessage -MaxAgeSec 1 -Verbose");
            Assert.Empty(r2.Output);
            Assert.Contains(r2.Verbose, v => v.StartsWith("Skipped") && v.Contains("no create_time"));
        }

        private void PushRaw(string text, long? createTime)
        {
            var id = Guid.NewGuid().ToString("N");
            var time = createTime.HasValue ? "\"create_time\":" + createTime.Value + "," : "";
            _server.PushRaw("{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"req_" + id
                + "\"},\"body\":{\"msgid\":\"m_" + id
                + "\",\"aibotid\":\"" + _server.BotId
                    + "\",\"chattype\":\"single\",\"from\":{\"userid\":\"zhangsan\"}," + time
                + "\"msgtype\":\"text\",\"text\":{\"content\":\"" + text + "\"}}}");
        }
    }
}
