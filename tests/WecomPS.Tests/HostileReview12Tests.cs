using System.IO;
using System.Linq;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Issue 12 tried again as a hostile user: call forms, parameter combinations and limits its fix did not reach.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class HostileReview12Tests
    {
        [Fact]
        public void A_piped_message_with_positional_text_is_never_sent_as_the_content_of_a_proactive_message()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            var file = Path.Combine(Path.GetTempPath(), "hostile12-" + System.Guid.NewGuid().ToString("N") + ".txt");
            File.WriteAllText(file, "hello12345");
            try
            {
                using (var ps = new PowerShellHost())
                {
                    ps.Connect(server);
                    server.PushText("private words", userId: "lisi");
                    ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5");
                    server.ClearFrames();

                    var r = ps.Run("$m | Send-WecomMessage 'pong'");
                    var error = Assert.Single(r.Errors);
                    Assert.Equal(System.Management.Automation.ErrorCategory.InvalidData, error.CategoryInfo.Category);
                    Assert.StartsWith("ParameterArgumentTransformationError", error.FullyQualifiedErrorId);
                    Assert.Contains("A received message is not text to send", error.Exception.Message);
                    var target = error.TargetObject is System.Management.Automation.PSObject p ? p.BaseObject : error.TargetObject;
                    Assert.IsAssignableFrom<WecomPS.Messages.WecomMessage>(target);

                    // The piped message cannot bind as a path: refused at binding (which set PowerShell tried
                    // first decides whether the error is the transformation's or "input object not bound").
                    r = ps.Run("$m | Send-WecomFile '" + file + "'");
                    error = Assert.Single(r.Errors);
                    Assert.True(error.FullyQualifiedErrorId.StartsWith("ParameterArgumentTransformationError")
                        || error.FullyQualifiedErrorId.StartsWith("InputObjectNotBound"), error.FullyQualifiedErrorId);

                    Assert.DoesNotContain(server.Frames, f => f.Cmd != "ping");

                    // The forms that name the text still reply.
                    r = ps.Run("$m | Send-WecomMessage -Content 'pong'; Send-WecomMessage $m 'pong2'");
                    Assert.Empty(r.Errors);
                    Assert.Equal(2, server.FramesFor("aibot_respond_msg").Count(f => f.AckErrcode == 0));
                    Assert.Empty(server.FramesFor("aibot_send_msg"));
                }
                Assert.Empty(server.Violations);
            }
            finally
            {
                File.Delete(file);
                server.Dispose();
            }
        }

        [Fact]
        public void Send_WecomFile_counts_bytes_in_names_and_titles_and_refuses_a_title_it_would_not_show()
        {
            var server = WecomMockServer.Start(new MockServerOptions());
            var dir = Path.Combine(Path.GetTempPath(), "hostile12-" + System.Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "a.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4 });
            File.WriteAllText(Path.Combine(dir, "a.txt"), "hello12345");
            try
            {
                using (var ps = new PowerShellHost())
                {
                    ps.Connect(server);
                    server.ClearFrames();
                    // 200 characters, 400 bytes: over the 256-byte limit before anything is uploaded.
                    var e = ps.Throws("Send-WecomFile -ChatId c1 -Path '" + dir + "/a.txt' -FileName ('é' * 200)");
                    Assert.StartsWith("ParameterArgumentValidationError", e.FullyQualifiedErrorId);
                    Assert.Contains("400 bytes", e.Exception.Message);
                    e = ps.Throws("Send-WecomFile -ChatId c1 -Path '" + dir + "/a.txt' -MediaType video -Title ('测' * 50)");
                    Assert.Contains("150 bytes", e.Exception.Message);

                    var r = ps.Run("Send-WecomFile -ChatId c1 -Path '" + dir + "/a.png','" + dir + "/a.txt' -Title 'Q3'");
                    Assert.Equal(2, r.Errors.Count);
                    Assert.All(r.Errors, x =>
                    {
                        Assert.StartsWith("WecomParameterNotApplicable", x.FullyQualifiedErrorId);
                        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, x.CategoryInfo.Category);
                    });
                    Assert.Equal(Path.Combine(dir, "a.png"), r.Errors[0].TargetObject);
                    Assert.DoesNotContain(server.Frames, f => f.Cmd != "ping");

                    // Within the limit in bytes, a unicode file name is sent as given.
                    r = ps.Run("Send-WecomFile -ChatId c1 -Path '" + dir + "/a.txt' -FileName ('测' * 85)");
                    Assert.Empty(r.Errors);
                    Assert.Equal(new string('测', 85), server.FramesFor("aibot_upload_media_init")[0].BodyString("filename"));
                }
                Assert.Empty(server.Violations);
            }
            finally
            {
                Directory.Delete(dir, true);
                server.Dispose();
            }
        }

        [Fact]
        public void Ctrl_C_after_a_stream_expired_on_its_rollover_still_delivers_every_character()
        {
            // The stream expires by the double's clock, moved past the lifetime once the first frame is acked (real
            // time raced a loaded CI machine: a 1 s lifetime could end before the first frame was even acked).
            var server = WecomMockServer.Start();
            using (var ps = new PowerShellHost())
            {
                ps.Connect(server);
                var pushed = server.PushText("long job", userId: "lisi");
                ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5",
                    new System.Collections.Generic.Dictionary<string, object> { ["srv"] = server });
                using (var stopped = System.Management.Automation.PowerShell.Create())
                {
                    stopped.Runspace = (System.Management.Automation.Runspaces.Runspace)typeof(PowerShellHost)
                        .GetField("_runspace", System.Reflection.BindingFlags.NonPublic
                            | System.Reflection.BindingFlags.Instance).GetValue(ps);
                    stopped.AddScript("& { 'a'; $t = [DateTime]::UtcNow.AddSeconds(20); while (-not ($srv.Acks | "
                        + "Where-Object Cmd -eq 'aibot_respond_msg') -and [DateTime]::UtcNow -lt $t) { Start-Sleep "
                        + "-Milliseconds 20 }; $srv.AdvanceClock([TimeSpan]::FromMinutes(11)); 'x' * 21000; "
                        + "Start-Sleep 600 } | Send-WecomMessage -ReplyTo $m -Stream");
                    var handle = stopped.BeginInvoke();
                    // The rollover's closing frame is refused as expired: now the rest waits for the end.
                    Assert.True(System.Threading.SpinWait.SpinUntil(() => server.RepliesTo(pushed.ReqId)
                        .Any(f => f.AckErrcode == 846608), System.TimeSpan.FromSeconds(20)));
                    stopped.Stop();
                    Assert.True(handle.AsyncWaitHandle.WaitOne(System.TimeSpan.FromSeconds(20)));
                }
                var finished = server.RepliesTo(pushed.ReqId)
                    .Where(f => f.AckErrcode == 0 && f.BodyString("stream.finish") == "true")
                    .Select(f => f.BodyString("stream.content"));
                var sent = server.FramesFor("aibot_send_msg").Where(f => f.AckErrcode == 0)
                    .Select(f => f.BodyString("markdown.content"));
                Assert.Equal("a\n" + new string('x', 21000), string.Concat(finished) + string.Concat(sent));
            }
            Assert.Empty(server.Violations);
            server.Dispose();
        }
    }
}
