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
            // The ack delay must outlast sending five 512 KiB chunks on a loaded 2-core machine: generous, then switched off.
            using var server = WecomMockServer.Start(new MockServerOptions { MaxChunksInFlightPerUpload = 4 });
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(5 * Chunk);
            var uploadId = await InitAsync(client, data);
            var bodies = Enumerable.Range(0, 5).Select(i => ChunkBody(uploadId, i, data)).ToArray();
            server.Options.AckDelay = TimeSpan.FromSeconds(3);
            var reqIds = new string[5];
            for (int i = 0; i < 5; i++) reqIds[i] = await client.SendAsync("aibot_upload_media_chunk", bodies[i]);
            var codes = new int[5];
            for (int i = 0; i < 5; i++) codes[i] = Errcode(await client.WaitForAckAsync(reqIds[i], TimeSpan.FromSeconds(15)));
            server.Options.AckDelay = TimeSpan.Zero;
            Assert.Equal(new[] { 0, 0, 0, 0, -1 }, codes);
            Assert.Equal(1, server.RejectedChunks);
            Assert.Equal(4, server.MaxChunksInFlightSeen);

            // Once acked, the slot is free again.
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, 4, data))));
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
            Assert.Equal(data, server.Uploads.Single().Bytes);
        }

        [Fact]
        public async Task A_client_keeping_exactly_the_limit_in_flight_is_never_refused()
        {
            // Found by the benchmarks (bench/): a sliding window of 4 that sends the next chunk the moment an ack arrives
            // used to get a spurious -1, because the double freed the in-flight slot only after its ack write returned.
            using var server = WecomMockServer.Start(new MockServerOptions { MaxChunksInFlightPerUpload = 4, AckDelay = TimeSpan.FromMilliseconds(5) });
            using var ws = new System.Net.WebSockets.ClientWebSocket();
            await ws.ConnectAsync(server.Endpoint, default);
            var buffer = new byte[1 << 16];
            async Task Send(string json) => await ws.SendAsync(System.Text.Encoding.UTF8.GetBytes(json), System.Net.WebSockets.WebSocketMessageType.Text, true, default);
            async Task<JsonElement> Receive()
            {
                int n = 0;
                System.Net.WebSockets.ValueWebSocketReceiveResult r;
                do { r = await ws.ReceiveAsync(buffer.AsMemory(n), default); n += r.Count; } while (!r.EndOfMessage);
                return JsonDocument.Parse(buffer.AsMemory(0, n)).RootElement.Clone();
            }
            string Frame(string cmd, string reqId, object body) => JsonSerializer.Serialize(new { cmd, headers = new { req_id = reqId }, body });

            await Send(Frame("aibot_subscribe", "s", new { bot_id = server.BotId, secret = server.Secret }));
            Assert.Equal(0, Errcode(await Receive()));
            var data = RandomPayload(24 * Chunk);
            var codes = new System.Collections.Generic.List<int>();
            for (int upload = 0; upload < 3; upload++)
            {
                await Send(Frame("aibot_upload_media_init", "i" + upload, new { type = "file", filename = "a.bin", total_size = data.Length, total_chunks = 24, md5 = Md5(data) }));
                var uploadId = (await Receive()).GetProperty("body").GetProperty("upload_id").GetString();
                var frames = Enumerable.Range(0, 24).Select(i => Frame("aibot_upload_media_chunk", "c" + upload + "_" + i, ChunkBody(uploadId, i, data))).ToArray();
                int next = 0;
                for (; next < 4; next++) await Send(frames[next]);
                for (int acked = 0; acked < 24; acked++)
                {
                    codes.Add(Errcode(await Receive()));
                    if (next < 24) await Send(frames[next++]);   // at once: exactly 4 unacked from the client's point of view
                }
                await Send(Frame("aibot_upload_media_finish", "f" + upload, new { upload_id = uploadId }));
                Assert.Equal(0, Errcode(await Receive()));
            }
            Assert.All(codes, c => Assert.Equal(0, c));
            Assert.Equal(0, server.RejectedChunks);
            Assert.Equal(3, server.Uploads.Count);
        }

        [Fact]
        public async Task Twenty_megabyte_upload_reassembles_in_the_double()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(20 * 1024 * 1024);
            var uploadId = await InitAsync(client, data);
            var bodies = Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new { cmd = "aibot_upload_media_chunk", headers = new { req_id = "c" + i }, body = ChunkBody(uploadId, i, data) })).ToArray();
            for (int i = 0; i < 40; i += 4)
            {
                for (int j = i; j < i + 4; j++) await client.SendTextAsync(bodies[j]);
                for (int j = i; j < i + 4; j++) Assert.Equal(0, Errcode(await client.WaitForAckAsync("c" + j)));
            }
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_finish", new { upload_id = uploadId })));
            Assert.Equal(data, server.Uploads.Single().Bytes);   // speed is measured by bench/, not asserted here
        }

        [Fact]
        public async Task Recorded_chunk_frames_keep_their_fields_but_not_their_data()
        {
            using var server = WecomMockServer.Start();
            await using var client = await TestClient.SubscribedAsync(server);
            var data = RandomPayload(Chunk + 10);
            var uploadId = await InitAsync(client, data);
            Assert.Equal(0, Errcode(await client.RequestAsync("aibot_upload_media_chunk", ChunkBody(uploadId, 1, data))));
            var frame = Assert.Single(server.FramesFor("aibot_upload_media_chunk"));
            Assert.Equal(uploadId, frame.BodyString("upload_id"));
            Assert.Equal("1", frame.BodyString("chunk_index"));
            Assert.Equal("<16 base64 chars>", frame.BodyString("base64_data"));
            Assert.True(frame.ByteLength < 300);
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
