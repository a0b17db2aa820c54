using System;
using System.IO;
using System.Linq;
using System.Threading;
using WecomPS.Media;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Uploads across a lost connection: chunks are resent; a refused upload_id after a reconnect restarts from init once.</summary>
    public sealed class UploadResilienceTests : IDisposable
    {
        private const string Chunk = "aibot_upload_media_chunk";
        private readonly TestFiles _files = new TestFiles();

        public void Dispose() => _files.Dispose();

        private static Media.UploadedMedia Upload(WecomSession s, string path)
        {
            var task = new MediaUploader(s).UploadAsync(path, "file", null, CancellationToken.None);
            Assert.True(task.Wait(SessionHarness.Wait), "the upload did not finish");
            return task.Result;
        }

        [Fact]
        public void A_connection_lost_mid_upload_resends_the_chunks_and_the_upload_completes()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("three-chunks.bin", 1300 * 1024, seed: 3);
                h.Server.DropConnectionOnNext(Chunk);
                var media = Upload(s, path);

                Assert.True(s.Reconnects >= 1);
                var stored = Assert.Single(h.Server.Uploads);
                Assert.Equal(media.MediaId, stored.MediaId);
                Assert.Equal(File.ReadAllBytes(path), stored.Bytes);
                Assert.Single(h.Server.FramesFor("aibot_upload_media_init"));
                Assert.True(h.Server.FramesFor(Chunk).Count > 3, "a chunk should have been resent");
            }
        }

        [Fact]
        public void A_server_close_mid_upload_is_survived_too()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("close.bin", 1300 * 1024, seed: 4);
                int closed = 0;
                h.Server.FrameReceived += f =>
                {
                    if (f.Cmd == Chunk && Interlocked.Exchange(ref closed, 1) == 0)
                        ThreadPool.QueueUserWorkItem(_ => h.Server.CloseConnections());
                };
                var media = Upload(s, path);
                Assert.Equal(File.ReadAllBytes(path), h.Server.Uploads.Single(u => u.MediaId == media.MediaId).Bytes);
            }
        }

        [Fact]
        public void An_upload_id_refused_after_a_reconnect_starts_again_from_init_once()
        {
            using (var h = new SessionHarness())
            {
                var s = h.Connect();
                var path = _files.Create("restart.bin", 1300 * 1024, seed: 5);
                int armed = 0;
                h.Server.ConnectionClosed += id =>
                {
                    // The session the client comes back to has forgotten the upload.
                    if (Interlocked.Exchange(ref armed, 1) == 0) h.Server.FailNext(Chunk, 49027, "invalid upload_id");
                };
                h.Server.DropConnectionOnNext(Chunk);
                var media = Upload(s, path);

                Assert.Equal(2, h.Server.FramesFor("aibot_upload_media_init").Count);
                Assert.Contains(h.Server.FramesFor(Chunk), f => f.AckErrcode == 49027);
                Assert.Equal(File.ReadAllBytes(path), h.Server.Uploads.Single(u => u.MediaId == media.MediaId).Bytes);
                Assert.True(h.Log.Has("starting again from init"));
            }
        }
    }
}
