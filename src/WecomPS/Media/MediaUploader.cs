using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Protocol;
using WecomPS.Session;

namespace WecomPS.Media
{
    /// <summary>What an upload produced: a media_id usable for 3 days, in any chat.</summary>
    public sealed class UploadedMedia
    {
        public string MediaId { get; internal set; }
        public string MediaType { get; internal set; }
        public string FileName { get; internal set; }
        public string Path { get; internal set; }
        public long Size { get; internal set; }
        public int Chunks { get; internal set; }
        public string Md5 { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }
        /// <summary>When the media_id was made: the server's created_at, or the local clock if that is
        /// earlier.</summary>
        public DateTimeOffset UploadedAt { get; internal set; }
        public double MBps => Elapsed.TotalSeconds > 0 ? Size / 1048576.0 / Elapsed.TotalSeconds : 0;
        public override string ToString() => MediaType + " " + FileName + " -> " + MediaId;
    }

    /// <summary>
    /// The three-step upload (init, chunks, finish). The file is read chunk by chunk and each chunk is base64-encoded
    /// straight into its frame, so memory stays at a few chunks whatever the file size. Up to 4 chunks are in flight
    /// (the server answers "system error" to more); a chunk that fails transiently is retried with backoff and a
    /// narrower window; after a reconnect an upload whose upload_id is refused starts again from init, once.
    /// </summary>
    public sealed class MediaUploader
    {
        public const int MaxWindow = 4;
        private const int ChunkAttempts = 4;

        private readonly WecomSession _session;
        public int Window { get; set; } = MaxWindow;
        /// <summary>Called from background threads with (bytes acknowledged, total bytes).</summary>
        public Action<long, long> Progress { get; set; }

        public MediaUploader(WecomSession session) { _session = session; }

        private int _chunksRunning;
        /// <summary>Chunk tasks started and not yet ended (0 whenever an upload has returned or thrown).</summary>
        internal int ChunksRunning => Volatile.Read(ref _chunksRunning);

        public async Task<UploadedMedia> UploadAsync(string path, string mediaType, string fileName,
            CancellationToken ct)
        {
            var file = new FileInfo(path);
            MediaLimits.Validate(file, mediaType);
            fileName = string.IsNullOrEmpty(fileName) ? file.Name : fileName;
            var started = MonotonicClock.UtcNow;
            long size = file.Length;
            int chunks = MediaLimits.ChunkCount(size);
            string md5 = await Task.Run(() => Md5Hex(path), ct).ConfigureAwait(false);

            int reconnectsAtStart = _session.Reconnects;
            for (int round = 0; ; round++)
            {
                string uploadId = await InitAsync(mediaType, fileName, size, chunks, md5, ct).ConfigureAwait(false);
                try
                {
                    await SendChunksAsync(path, uploadId, size, chunks, ct).ConfigureAwait(false);
                    var (mediaId, createdAt) = await FinishAsync(uploadId, ct).ConfigureAwait(false);
                    var now = DateTimeOffset.UtcNow;
                    return new UploadedMedia
                    {
                        MediaId = mediaId, MediaType = mediaType, FileName = fileName, Path = file.FullName,
                        Size = size, Chunks = chunks, Md5 = md5, Elapsed = MonotonicClock.UtcNow - started,
                        // The earlier of the two: the media_id is never taken for younger than it is.
                        UploadedAt = createdAt.HasValue && createdAt.Value < now ? createdAt.Value : now,
                    };
                }
                catch (WecomCommandException e) when (round == 0 && _session.Reconnects != reconnectsAtStart
                    && e.ErrCode != WecomErrorCodes.SystemError)
                {
                    _session.Log.Verbose("Upload " + uploadId + " was refused after a reconnect (errcode " + e.ErrCode
                        + "); starting again from init.");
                    Progress?.Invoke(0, size);
                }
            }
        }

        private async Task<string> InitAsync(string mediaType, string fileName, long size, int chunks, string md5,
            CancellationToken ct)
        {
            var ack = await _session.SendCommandAsync(new CommandRequest
            {
                Cmd = WecomCommands.UploadInit,
                Describe = mediaType + " '" + fileName + "' " + size + " bytes in " + chunks + " chunk(s)",
                WriteBody = w =>
                {
                    w.WriteString("type", mediaType);
                    w.WriteString("filename", fileName);
                    w.WriteNumber("total_size", size);
                    w.WriteNumber("total_chunks", chunks);
                    w.WriteString("md5", md5);
                },
            }, ct).ConfigureAwait(false);
            var uploadId = ack.HasBody ? Json.Str(ack.Body, "upload_id") : null;
            if (string.IsNullOrEmpty(uploadId))
                throw new WecomException(ErrorIds.UploadFailed,
                    System.Management.Automation.ErrorCategory.InvalidResult,
                        "The upload init ack carried no upload_id.");
            return uploadId;
        }

        private async Task<(string MediaId, DateTimeOffset? CreatedAt)> FinishAsync(string uploadId,
            CancellationToken ct)
        {
            var ack = await _session.SendCommandAsync(new CommandRequest
            {
                Cmd = WecomCommands.UploadFinish,
                Idempotent = true,
                Describe = "upload " + uploadId,
                WriteBody = w => w.WriteString("upload_id", uploadId),
            }, ct).ConfigureAwait(false);
            var mediaId = ack.HasBody ? Json.Str(ack.Body, "media_id") : null;
            if (string.IsNullOrEmpty(mediaId))
                throw new WecomException(ErrorIds.UploadFailed,
                    System.Management.Automation.ErrorCategory.InvalidResult,
                        "The upload finish ack carried no media_id.");
            // created_at: a string or a number (docs/protocol.md §6).
            return (mediaId, Json.UnixTime(ack.Body, "created_at"));
        }

        /// <summary>
        /// Sends the chunks, at most <see cref="Window"/> at a time. The first chunk that fails for real (an errcode,
        /// an ack timeout, a lost delivery) stops the dispatch and cancels the chunks in flight; every chunk task has
        /// ended before the file and the token source they use are disposed, and that first failure is what is thrown.
        /// </summary>
        private async Task SendChunksAsync(string path, string uploadId, long size, int chunks, CancellationToken ct)
        {
            int window = Math.Max(1, Math.Min(Math.Min(Window, MaxWindow), chunks));
            var gate = new SemaphoreSlim(window, window);
            long acked = 0;
            int withheld = 0;   // permits kept back after a "system error" narrowed the window
            int narrowed = 0;
            Exception firstFailure = null;
            var running = new List<Task>(chunks);
            using (var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct))
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1,
                FileOptions.RandomAccess))
            {
                try
                {
                    for (int i = 0; i < chunks; i++)
                    {
                        try { await gate.WaitAsync(failFast.Token).ConfigureAwait(false); }
                        catch (OperationCanceledException) { break; }
                        if (failFast.IsCancellationRequested) break;
                        int index = i;
                        Interlocked.Increment(ref _chunksRunning);
                        running.Add(Task.Run(async () =>
                        {
                            try
                            {
                                int length = (int)Math.Min(MediaLimits.ChunkSize,
                                    size - (long)index * MediaLimits.ChunkSize);
                                await SendChunkAsync(stream, uploadId, index, length, () =>
                                {
                                    // A "system error" means too many chunks in flight: narrow the window
                                    // (down to 2) for the rest.
                                    if (Interlocked.CompareExchange(ref narrowed, 1, 0) == 0 && window > 2)
                                        Interlocked.Add(ref withheld, window - 2);
                                }, failFast.Token).ConfigureAwait(false);
                                Progress?.Invoke(Interlocked.Add(ref acked, length), size);
                            }
                            catch (Exception e)
                            {
                                // A chunk cancelled because another one failed (or the caller stopped)
                                // is not the cause.
                                if (!(e is OperationCanceledException && failFast.IsCancellationRequested))
                                    Interlocked.CompareExchange(ref firstFailure, e, null);
                                failFast.Cancel();
                            }
                            finally
                            {
                                if (!TakeOne(ref withheld)) gate.Release();
                                Interlocked.Decrement(ref _chunksRunning);
                            }
                        }));
                    }
                }
                finally
                {
                    // The chunk tasks never throw (they record their failure), so this only waits for them to end.
                    await Task.WhenAll(running).ConfigureAwait(false);
                }
            }
            if (firstFailure != null) ExceptionDispatchInfo.Capture(firstFailure).Throw();
            ct.ThrowIfCancellationRequested();
        }

        /// <summary>Takes one from a positive counter; false when it is zero.</summary>
        private static bool TakeOne(ref int counter)
        {
            while (true)
            {
                int n = Volatile.Read(ref counter);
                if (n <= 0) return false;
                if (Interlocked.CompareExchange(ref counter, n - 1, n) == n) return true;
            }
        }

        private async Task SendChunkAsync(FileStream stream, string uploadId, int index, int length,
            Action onSystemError, CancellationToken ct)
        {
            byte[] data = FramePools.Large.Rent(length);
            try
            {
                lock (stream)
                {
                    stream.Position = (long)index * MediaLimits.ChunkSize;
                    int read = 0;
                    while (read < length)
                    {
                        int n = stream.Read(data, read, length - read);
                        if (n == 0) throw new IOException("The file became shorter while it was uploaded.");
                        read += n;
                    }
                }
                for (int attempt = 1; ; attempt++)
                {
                    try
                    {
                        await _session.SendCommandAsync(new CommandRequest
                        {
                            Cmd = WecomCommands.UploadChunk,
                            Idempotent = true,
                            Describe = "upload " + uploadId + " chunk " + index + (attempt > 1 ? " (attempt " + attempt
                                + ")" : ""),
                            SizeHint = length / 3 * 4 + 256,
                            WriteBody = w =>
                            {
                                w.WriteString("upload_id", uploadId);
                                w.WriteNumber("chunk_index", index);
                                w.WriteBase64String("base64_data", new ReadOnlySpan<byte>(data, 0, length));
                            },
                        }, ct).ConfigureAwait(false);
                        return;
                    }
                    catch (WecomException e) when (attempt < ChunkAttempts && IsTransient(e))
                    {
                        if (e is WecomCommandException c && c.ErrCode == WecomErrorCodes.SystemError) onSystemError();
                        var delay = TimeSpan.FromMilliseconds(250 * (1 << (attempt - 1)));
                        _session.Log.Verbose("Chunk " + index + " of upload " + uploadId + " failed (" + e.Message
                            + "); retrying in " + delay.TotalSeconds + " s.");
                        await Task.Delay(delay, ct).ConfigureAwait(false);
                    }
                }
            }
            finally { FramePools.Large.Return(data); }
        }

        private static bool IsTransient(WecomException e) =>
            (e is WecomCommandException c && (c.ErrCode == WecomErrorCodes.SystemError || c.ErrCode == 45009
                || c.ErrCode == 45033)) ||
            e.ErrorId == ErrorIds.AckTimeout;

        internal static string Md5Hex(string path)
        {
            using (var md5 = MD5.Create())
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
                FileOptions.SequentialScan))
            {
                var hash = md5.ComputeHash(fs);
                var sb = new StringBuilder(32);
                foreach (var b in hash) sb.Append(b.ToString("x2"));
                return sb.ToString();
            }
        }
    }
}
