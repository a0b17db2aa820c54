using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Every documented call form of Send-WecomFile binds to the right parameter set and puts the right frames on the
    /// wire: the positional chat form, named chat and reply forms, a message piped as the reply target, files piped.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class SendFileBindingTests : IDisposable
    {
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();

        public SendFileBindingTests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            _files.Dispose();
        }

        private PsResult Run(string script, string path) => _ps.Run(
            "Set-Location -LiteralPath $dir\n" + script,
            new Dictionary<string, object> { ["dir"] = _files.Folder, ["f"] = path });

        private void AssertSentTo(PsResult r, params string[] chats)
        {
            Assert.True(r.Terminating == null, "terminating: " + r.Terminating);
            Assert.Empty(r.Errors);
            var sends = _server.FramesFor("aibot_send_msg");
            Assert.Equal(chats, sends.Select(s => s.BodyString("chatid")));
            Assert.All(sends, s => Assert.Equal("file", s.BodyString("msgtype")));
            var media = Assert.Single(_server.Uploads);
            Assert.All(sends, s => Assert.Equal(media.MediaId, s.BodyString("file.media_id")));
        }

        [Theory]
        [InlineData("Send-WecomFile 'wrchat0001' ./archive.zip")]
        [InlineData("Send-WecomFile 'wrchat0001' ./archive.zip -MediaType file")]
        [InlineData("Send-WecomFile -ChatId 'wrchat0001' -Path ./archive.zip")]
        [InlineData("Send-WecomFile 'wrchat0001' -Path ./archive.zip")]
        public void The_chat_form_binds_positionally_and_by_name(string script)
        {
            var f = _files.Create("archive.zip", 3000, seed: 21);
            var r = Run(script, f);
            AssertSentTo(r, "wrchat0001");
            Assert.Equal(File.ReadAllBytes(f), _server.Uploads[0].Bytes);
            Assert.Empty(_server.FramesFor("aibot_respond_msg"));
        }

        [Fact]
        public void The_chat_form_runs_under_NonInteractive_without_prompting()
        {
            var f = _files.Create("archive.zip", 3000, seed: 22);
            // A mandatory parameter left unbound would prompt; the hosted engine has no UI, so it would fail instead.
            var r = Run("& { [CmdletBinding()] param() Send-WecomFile 'wrchat0001' ./archive.zip -PassThru }", f);
            AssertSentTo(r, "wrchat0001");
            Assert.Equal("wrchat0001", r.Output.Single().Properties["ChatId"].Value);
        }

        [Fact]
        public void Piped_files_go_to_every_chat()
        {
            _files.Create("a.pdf", 2000, seed: 23);
            var r = Run("Get-ChildItem *.pdf | Send-WecomFile -ChatId a,b", null);
            AssertSentTo(r, "a", "b");
        }

        private PSObject ReceiveOne(string content)
        {
            var pushed = _server.PushText(content, chatId: "wrgroup1");
            var r = _ps.Run("$m = Receive-WecomMessage -Wait -Count 1 -Timeout 10; $m");
            Assert.Empty(r.Errors);
            return Assert.Single(r.Output);
        }

        [Theory]
        [InlineData("$m | Send-WecomFile -Path $f")]
        [InlineData("Send-WecomFile -ReplyTo $m -Path $f")]
        [InlineData("Send-WecomFile -ReplyTo $m $f")]
        [InlineData("Get-Item $f | Send-WecomFile -ReplyTo $m")]
        public void The_reply_forms_answer_the_message(string script)
        {
            ReceiveOne("send me the file");
            var pushed = _server.Pushes.Last();
            var f = _files.Create("answer.txt", 2500, seed: 24);
            var r = Run(script, f);
            Assert.True(r.Terminating == null, "terminating: " + r.Terminating);
            Assert.Empty(r.Errors);
            var reply = Assert.Single(_server.RepliesTo(pushed.ReqId));
            Assert.Equal("aibot_respond_msg", reply.Cmd);
            Assert.Equal("file", reply.BodyString("msgtype"));
            Assert.Equal(Assert.Single(_server.Uploads).MediaId, reply.BodyString("file.media_id"));
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
        }
    }
}
