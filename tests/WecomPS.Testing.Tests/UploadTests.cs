using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing.Tests
{
    public class UploadTests
    {
        private const int Chunk = 512 * 1024;

        private static int Errcode(JsonElement ack) => ack.GetProperty("errcode").GetInt32();

        private static byte[] RandomPayload(int length)
        {
            var bytes = new byte[length];
            new Random(length).NextBytes(bytes);
            return bytes;
        }

        private static string Md5(byte[] bytes) => Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant();

        private static object ChunkBody(string uploadId, int index, byte[] data) => new
        {
            upload_id = uploadId,
            chunk_index = index,
            base64_data = Convert.ToBase64String(data, index * Chunk, Math.Min(Chunk, data.Length - index * Chunk)),
        };

        private static async Task<string> InitAsync(TestClient client, byte[] data, string type = "file", string fileName = "report.pdf", string md5 = null)
        {
            var chunks = (data.Length + Chunk - 1) / Chunk;
            var ack = await client.RequestAsync("aibot_upload_media_init", new { type, filename = fileName, total_size = data.Length, total_chunks = chunks, md5 = md5 ?? Md5(data) });
            Assert.Equal(0, Errcode(ack));
            return ack.GetProperty("body").GetProperty("upload_id").GetString();
        }

        [Fact]
        public async Task Upload_happy_path_reassembles_bytes()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(1_300_000);
            var uploadId = await InitAsync(client, data);
            // Out of order, with one chunk resent (idempotent).
            foreach (var index in new[] { 2, 0, 1, 1 })
                Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, index, data))));
            var finish = await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId });
            Assert.Equal(0, Errcode(finish));
            var body = finish.GetProperty("body");
            Assert.Equal("file", body.GetProperty("type").GetString());
            var mediaId = body.GetProperty("media_id").GetString();
            Assert.True(long.Parse(body.GetProperty("created_at").GetString()) > 1_700_000_000);

            var uploaded = server.Uploads.Single();
            Assert.Equal(mediaId, uploaded.MediaId);
            Assert.Equal(data, uploaded.Bytes);
            Assert.Equal(Md5(data), uploaded.Md5);
            Assert.Equal(3, uploaded.ChunkCount);
            Assert.Equal("report.pdf", uploaded.FileName);

            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "file", file = new { media_id = mediaId } })));
            Assert.Equal(ErrorCodes.InvalidMediaId, Errcode(await client.RequestAsync("aibot_send_msg", new { chatid = "lisi", msgtype = "image", image = new { media_id = mediaId } })));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Init_rules()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            async Task<int> Init(string type, string name, long size, long chunks, string md5 = null) =>
                Errcode(await client.RequestAsync("aibot_upload_media_init", new { type, filename = name, total_size = size, total_chunks = chunks, md5 }));
            Assert.Equal(ErrorCodes.InvalidUploadType, await Init("doc", "a.pdf", 10, 1));
            Assert.Equal(ErrorCodes.InvalidFileName, await Init("file", "", 10, 1));
            Assert.Equal(ErrorCodes.InvalidFileName, await Init("file", new string('x', 257), 10, 1));
            Assert.Equal(ErrorCodes.FileTooSmall, await Init("file", "a.txt", 4, 1));
            Assert.Equal(ErrorCodes.FileTooLarge, await Init("voice", "a.amr", 2 * 1024 * 1024 + 1, 5));
            Assert.Equal(ErrorCodes.UnsupportedFormat, await Init("image", "a.webp", 10, 1));
            Assert.Equal(ErrorCodes.InvalidTotalChunks, await Init("file", "a.txt", Chunk + 1, 1));
            Assert.Equal(ErrorCodes.InvalidMd5Format, await Init("file", "a.txt", 10, 1, "ABC"));
            Assert.Equal(0, await Init("image", "a.JPG", 10, 1));
        }

        [Fact]
        public async Task Chunk_rules()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(Chunk + 100);
            var uploadId = await InitAsync(client, data);
            Assert.Equal(ErrorCodes.ChunkIndexOutOfRange, Errcode(await client.RequestAsync("aibot_upload_media_chunk", new { upload_id = uploadId, chunk_index = 2, base64_data = "AAAA" })));
            Assert.Equal(ErrorCodes.ChunkIndexOutOfRange, Errcode(await client.RequestAsync("aibot_upload_media_chunk", new { upload_id = uploadId, chunk_index = -1, base64_data = "AAAA" })));
            Assert.Equal(ErrorCodes.InvalidUploadId, Errcode(await client.RequestAsync("aibot_upload_media_chunk", new { upload_id = "nope", chunk_index = 0, base64_data = "AAAA" })));
            Assert.Equal(ErrorCodes.InvalidBase64, Errcode(await client.RequestAsync("aibot_upload_media_chunk", new { upload_id = uploadId, chunk_index = 1, base64_data = "AA-_" })));
            Assert.Equal(ErrorCodes.InvalidChunkSize, Errcode(await client.RequestAsync("aibot_upload_media_chunk", new { upload_id = uploadId, chunk_index = 0, base64_data = "AAAA" })));
            Assert.Equal(ErrorCodes.UploadIncomplete, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
            server.AdvanceClock(TimeSpan.FromMinutes(31));
            Assert.Equal(ErrorCodes.UploadExpired, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, 0, data))));
            Assert.Empty(server.Violations);
        }

        [Fact]
        public async Task Wrong_md5_fails_finish()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(1000);
            var uploadId = await InitAsync(client, data, md5: new string('0', 32));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, 0, data))));
            Assert.Equal(ErrorCodes.Md5Mismatch, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
            Assert.Empty(server.Uploads);
        }

        [Fact]
        public async Task In_flight_limit_rejects_the_fifth_concurrent_chunk()
        {
            using var server = WecomMockServer.Start(new MockServerOptions { MaxChunksInFlightPerUpload = 4, AckDelay = TimeSpan.FromSeconds(2) });
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(5 * Chunk);
            var uploadId = await InitAsync(client, data);
            var reqIds = new string[5];
            for (int i = 0; i < 5; i++) reqIds[i] = await client.SendAsync("aibot_upload_media_chunk", ChunkBody(uploadId, i, data));
            var codes = new int[5];
            for (int i = 0; i < 5; i++) codes[i] = Errcode(await client.WaitForAckAsync(reqIds[i]));
            Assert.Equal(new[] { 0, 0, 0, 0, -1 }, codes);
            Assert.Equal(1, server.RejectedChunks);
            Assert.Equal(4, server.MaxChunksInFlightSeen);

            // Once acked, the slot is free again.
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, 4, data))));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
            Assert.Equal(data, server.Uploads.Single().Bytes);
        }

        [Fact]
        public async Task Twenty_megabyte_upload_is_fast_in_the_double()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(20 * 1024 * 1024);
            var uploadId = await InitAsync(client, data);
            var bodies = Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new { cmd = "aibot_upload_media_chunk", headers = new { req_id = "c" + i }, body = ChunkBody(uploadId, i, data) })).ToArray();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 40; i += 4)
            {
                for (int j = i; j < i + 4; j++) await client.SendTextAsync(bodies[j]);
                for (int j = i; j < i + 4; j++) Assert.Equal(0, Errcode(await client.WaitForAckAsync("c" + j)));
            }
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
            watch.Stop();
            Assert.Equal(data, server.Uploads.Single().Bytes);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "took " + watch.Elapsed);
        }

        [Fact]
        public async Task FailNext_chunk_is_not_stored()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(100);
            var uploadId = await InitAsync(client, data);
            server.FailNext("aibot_upload_media_chunk", -1, "system error");
            Assert.Equal(-1, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, 0, data))));
            Assert.Equal(ErrorCodes.UploadIncomplete, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
        }
    }
}
