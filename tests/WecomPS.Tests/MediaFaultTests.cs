using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Media;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Uploads under faults at any chunk index, including beyond the window of 4: the first real failure is what the
    /// caller sees, every chunk task has ended when the upload does, and the file is no longer open.
    /// </summary>
    public sealed class MediaFaultTests : IDisposable
    {
        private const string Chunk = "aibot_upload_media_chunk";
        private const int TenChunks = 5 * 1024 * 1024;   // 10 chunks of 512 KiB
        private const int TwentyChunks = 10 * 1024 * 1024;
        private readonly TestFiles _files = new TestFiles();

        public void Dispose() => _files.Dispose();

        private static int IndexOf(ReceivedFrame f) =>
            f.Cmd == Chunk && int.TryParse(f.BodyString("chunk_index"), out var i) ? i : -1;

        /// <summary>Runs the upload to its end; records how many chunk tasks still ran at that moment.</summary>
        private static (Task<Media.UploadedMedia> Task, int RunningAtEnd) Upload(WecomSession s, string p)
        {
            var uploader = new MediaUploader(s);
            int runningAtEnd = -1;
            var task = uploader.UploadAsync(p, "file", null, CancellationToken.None);
            var observed = task.ContinueWith(t => runningAtEnd = uploader.ChunksRunning,
                TaskContinuationOptions.ExecuteSynchronously);
            Assert.True(observed.Wait(TimeSpan.FromSeconds(60)), "the upload did not end");
            return (task, runningAtEnd);
        }

        private static void AssertNothingLeft(WecomSession s, int tasksBefore, string path, int runningAtEnd)
        {
            Assert.Equal(0, runningAtEnd);
            // The file is closed: it opens exclusively at once.
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
            Assert.Equal(tasksBefore, s.BackgroundTaskCount);
            Assert.Equal(WecomSessionState.Connected, s.State);
        }

        private static void AssertUploaded(SessionHarness h, Task<Media.UploadedMedia> task, string path)
        {
            Assert.True(task.Status == TaskStatus.RanToCompletion, "upload failed: " + task.Exception?.InnerException);
            var stored = h.Server.Uploads.Single(u => u.MediaId == task.Result.MediaId);
            Assert.Equal(File.ReadAllBytes(path), stored.Bytes);
        }

        private static WecomCommandException CommandError(Task task)
        {
            Assert.True(task.IsFaulted, "the upload should have failed; status " + task.Status);
            var e = task.Exception.InnerException;
            return Assert.IsType<WecomCommandException>(e);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(3)]
        [InlineData(6)]
        [InlineData(12)]
        [InlineData(19)]
        public void A_chunk_refused_at_any_index_fails_the_upload_with_its_errcode(int index)
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("refused.bin", TwentyChunks, seed: index);
                h.Server.FrameReceived += f => { if (IndexOf(f) == index) h.Server.FailNext(Chunk, 40058); };
                int tasksBefore = s.BackgroundTaskCount;

                var (task, running) = Upload(s, path);

                var e = CommandError(task);
                Assert.Equal(40058, e.ErrCode);
                Assert.Equal("WecomCommandFailed", e.ErrorId);
                Assert.Contains("errcode 40058", e.Message);
                AssertNothingLeft(s, tasksBefore, path, running);
                Assert.Empty(h.Server.FramesFor("aibot_upload_media_finish"));
                Assert.Empty(h.Server.Uploads);
            }
        }

        [Fact]
        public void Every_chunk_refused_with_a_transient_errcode_ends_with_that_errcode_after_the_retries()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("busy.bin", TenChunks, seed: 30);
                h.Server.FailNext(Chunk, 45009, count: 1000);
                int tasksBefore = s.BackgroundTaskCount;

                var (task, running) = Upload(s, path);

                var e = CommandError(task);
                Assert.Equal(45009, e.ErrCode);
                Assert.Contains("errcode 45009", e.Message);
                AssertNothingLeft(s, tasksBefore, path, running);
                Assert.True(h.Log.Has("retrying"));
            }
        }

        [Fact]
        public void A_lost_ack_beyond_the_window_is_retried_and_the_upload_completes()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.AckTimeout = TimeSpan.FromSeconds(1));
                var path = _files.Create("lost.bin", TenChunks, seed: 31);
                int armed = 0;
                h.Server.FrameReceived += f =>
                {
                    if (IndexOf(f) == 6 && Interlocked.Exchange(ref armed, 1) == 0) h.Server.LoseAckOfNext(Chunk);
                };
                int tasksBefore = s.BackgroundTaskCount;

                var (task, running) = Upload(s, path);

                AssertUploaded(h, task, path);
                Assert.Equal(2, h.Server.FramesFor(Chunk).Count(f => IndexOf(f) == 6));
                AssertNothingLeft(s, tasksBefore, path, running);
            }
        }

        [Fact]
        public void An_ack_lost_on_every_try_beyond_the_window_ends_with_an_ack_timeout()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.AckTimeout = TimeSpan.FromMilliseconds(700));
                var path = _files.Create("silent.bin", TenChunks, seed: 32);
                h.Server.FrameReceived += f => { if (IndexOf(f) == 6) h.Server.LoseAckOfNext(Chunk); };
                int tasksBefore = s.BackgroundTaskCount;

                var (task, running) = Upload(s, path);

                Assert.True(task.IsFaulted, "the upload should have failed; status " + task.Status);
                var e = Assert.IsAssignableFrom<WecomException>(task.Exception.InnerException);
                Assert.Equal("WecomAckTimeout", e.ErrorId);
                Assert.Contains("chunk", task.Exception.InnerException.Message + string.Join("|", h.Log.Lines));
                Assert.Equal(4, h.Server.FramesFor(Chunk).Count(f => IndexOf(f) == 6));
                AssertNothingLeft(s, tasksBefore, path, running);
                Assert.Empty(h.Server.FramesFor("aibot_upload_media_finish"));
            }
        }

        [Fact]
        public void A_late_ack_beyond_the_window_is_ignored_and_the_resent_chunk_completes_the_upload()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect(o => o.AckTimeout = TimeSpan.FromSeconds(1));
                var path = _files.Create("late.bin", TenChunks, seed: 33);
                string lateReqId = null;
                h.Server.FrameReceived += f =>
                {
                    if (IndexOf(f) != 6) return;
                    if (Interlocked.CompareExchange(ref lateReqId, f.ReqId, null) == null)
                    {
                        h.Server.LoseAckOfNext(Chunk);
                        return;
                    }
                    // The client gave up on the first frame and sent the chunk again: the first ack arrives now, late.
                    h.Server.PushRaw("{\"headers\":{\"req_id\":\"" + lateReqId + "\"},"
                                     + "\"errcode\":0,\"errmsg\":\"ok\"}");
                };
                int tasksBefore = s.BackgroundTaskCount;

                var (task, running) = Upload(s, path);

                AssertUploaded(h, task, path);
                Assert.True(SessionHarness.Eventually(() => h.Log.Has("nobody waits for"), SessionHarness.Wait));
                AssertNothingLeft(s, tasksBefore, path, running);
            }
        }

        [Fact]
        public void A_connection_reset_beyond_the_window_resends_and_the_upload_completes()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("reset.bin", TenChunks, seed: 34);
                int armed = 0;
                h.Server.FrameReceived += f =>
                {
                    if (IndexOf(f) == 6 && Interlocked.Exchange(ref armed, 1) == 0)
                        h.Server.DropConnectionOnNext(Chunk);
                };
                int tasksBefore = s.BackgroundTaskCount;

                var (task, running) = Upload(s, path);

                AssertUploaded(h, task, path);
                Assert.True(s.Reconnects >= 1);
                h.WaitForState(WecomSessionState.Connected);
                // The old connection's reader and heartbeat end; the new connection has the same number running.
                Assert.True(SessionHarness.Eventually(() => s.BackgroundTaskCount == tasksBefore, SessionHarness.Wait),
                    "background tasks: " + s.BackgroundTaskCount + ", before: " + tasksBefore);
                AssertNothingLeft(s, tasksBefore, path, running);
            }
        }
        [Fact]
        public void Stopping_an_upload_beyond_the_window_ends_every_chunk_task_and_closes_the_file()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("stopped.bin", TenChunks, seed: 35);
                var uploader = new MediaUploader(s);
                using (var stop = new CancellationTokenSource())
                {
                    h.Server.FrameReceived += f => { if (IndexOf(f) == 6) stop.Cancel(); };
                    int tasksBefore = s.BackgroundTaskCount;
                    int runningAtEnd = -1;
                    var task = uploader.UploadAsync(path, "file", null, stop.Token);
                    var observed = task.ContinueWith(t => runningAtEnd = uploader.ChunksRunning,
                        TaskContinuationOptions.ExecuteSynchronously);
                    Assert.True(observed.Wait(SessionHarness.Wait), "the upload did not stop");

                    Assert.True(task.IsCanceled, "status " + task.Status + ": " + task.Exception?.InnerException);
                    AssertNothingLeft(s, tasksBefore, path, runningAtEnd);
                    Assert.Empty(h.Server.FramesFor("aibot_upload_media_finish"));
                }
            }
        }
    }

    /// <summary>The same fault seen through Send-WecomFile: an error record naming the errcode, for the file.</summary>
    [Collection("PowerShell")]
    public sealed class MediaFaultCmdletTests : IDisposable
    {
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestFiles _files = new TestFiles();

        public MediaFaultCmdletTests() { _ps.Connect(_server); }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
            _files.Dispose();
        }

        [Fact]
        public void A_five_mb_upload_whose_chunks_are_refused_writes_an_error_naming_the_errcode()
        {
            var f = _files.Create("five.bin", 5 * 1024 * 1024, seed: 40);
            _server.FailNext("aibot_upload_media_chunk", 40058, count: 1000);
            var r = _ps.Run("Send-WecomFile -ChatId a -Path $f -ErrorAction Continue",
                new Dictionary<string, object> { ["f"] = f });

            Assert.Null(r.Terminating);
            var e = Assert.Single(r.Errors);
            Assert.Equal("WecomCommandFailed,WecomPS.Cmdlets.SendWecomFileCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidResult, e.CategoryInfo.Category);
            Assert.Equal(f, e.TargetObject);
            Assert.Contains("errcode 40058", e.Exception.Message);
            Assert.DoesNotContain("canceled", e.Exception.Message);
            Assert.Empty(_server.FramesFor("aibot_send_msg"));
            File.Delete(f);
            Assert.False(File.Exists(f));
        }
    }
}
