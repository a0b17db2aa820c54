using System;
using System.Security.Cryptography;
using System.Text.Json;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing.Media
{
    /// <summary>aibot_upload_media_init / _chunk / _finish (docs/protocol.md §6).</summary>
    internal static class UploadCommands
    {
        public static CommandResult Init(CommandContext context)
        {
            var body = context.RequiredBody();
            var type = Fields.RequiredString(body, "type", "body.type");
            var fileName = Fields.RequiredString(body, "filename", "body.filename");
            var totalSize = Fields.RequiredInteger(body, "total_size", "body.total_size");
            var totalChunks = Fields.RequiredInteger(body, "total_chunks", "body.total_chunks");
            var md5 = Fields.OptionalString(body, "md5", "body.md5");

            if (!UploadRules.IsKnownType(type)) throw RuleBrokenException.Refused(ErrorCodes.InvalidUploadType,
                "type '" + type + "'");
            if (fileName.Length == 0) throw RuleBrokenException.Refused(ErrorCodes.InvalidFileName,
                "filename is empty");
            if (Fields.Utf8Length(fileName) > UploadRules.MaxFileNameBytes)
                throw RuleBrokenException.Refused(ErrorCodes.InvalidFileName, "filename exceeds "
                    + UploadRules.MaxFileNameBytes + " bytes");
            if (totalSize < UploadRules.MinTotalSize) throw RuleBrokenException.Refused(ErrorCodes.FileTooSmall,
                "total_size " + totalSize + " < " + UploadRules.MinTotalSize);
            if (totalSize > UploadRules.MaxSize(type))
                throw RuleBrokenException.Refused(ErrorCodes.FileTooLarge, type + " limit is "
                    + UploadRules.MaxSize(type) + " bytes");
            if (!UploadRules.HasAllowedExtension(type, fileName))
                throw RuleBrokenException.Refused(ErrorCodes.UnsupportedFormat, type + " accepts "
                    + string.Join("/", UploadRules.AllowedExtensions(type)));
            var expectedChunks = UploadRules.ExpectedChunks(totalSize);
            if (totalChunks != expectedChunks || totalChunks > UploadRules.MaxChunks)
                throw RuleBrokenException.Refused(ErrorCodes.InvalidTotalChunks, "expected " + expectedChunks + " (<= "
                    + UploadRules.MaxChunks + "), got " + totalChunks);
            if (md5 != null && !UploadRules.IsLowercaseMd5(md5))
                throw RuleBrokenException.Refused(ErrorCodes.InvalidMd5Format,
                    "md5 must be 32 lowercase hex characters");

            var uploadId = Ids.UrlSafe(24);
            var session = new UploadSession(uploadId, context.Connection.BotId, type, fileName, totalSize,
                (int)totalChunks, md5,
                context.Now, context.Now + context.Options.UploadSessionLifetime);
            lock (context.State.Sync) context.State.UploadSessions[uploadId] = session;
            return CommandResult.Ok(w => w.WriteString("upload_id", uploadId));
        }

        public static CommandResult Chunk(CommandContext context)
        {
            var body = context.RequiredBody();
            var uploadId = Fields.RequiredString(body, "upload_id", "body.upload_id");
            var index = Fields.RequiredInteger(body, "chunk_index", "body.chunk_index");
            if (!Fields.TryGet(body, "base64_data", out var data) || data.ValueKind != JsonValueKind.String)
                throw RuleBrokenException.Shape(ErrorCodes.InvalidField, "body.base64_data must be a string");

            var state = context.State;
            UploadSession session;
            lock (state.Sync)
            {
                session = FindLiveSession(context, uploadId);
                if (session.Result != null) throw RuleBrokenException.Refused(ErrorCodes.UploadAlreadyFinished);
                if (index < 0 || index >= session.TotalChunks)
                    throw RuleBrokenException.Refused(ErrorCodes.ChunkIndexOutOfRange, "chunk_index " + index
                        + " not in 0.." + (session.TotalChunks - 1));
                var limit = context.Options.MaxChunksInFlightPerUpload;
                if (limit.HasValue && session.InFlight >= limit.Value)
                {
                    state.RejectedChunks++;
                    return CommandResult.Error(ErrorCodes.SystemError);
                }
                session.InFlight++;
                session.MaxInFlightSeen = Math.Max(session.MaxInFlightSeen, session.InFlight);
            }

            // From here on the chunk is in flight until its ack is written, whatever the outcome.
            Action landed = () => { lock (state.Sync) session.InFlight--; };
            try
            {
                // Decodes straight from the frame's UTF-8 bytes; rejects non-standard base64.
                if (!data.TryGetBytesFromBase64(out var bytes))
                    return CommandResult.Error(ErrorCodes.InvalidBase64).Then(landed);
                int expected = UploadRules.ExpectedChunkLength(session.TotalSize, session.TotalChunks, index);
                if (bytes.Length != expected)
                    return CommandResult.Error(ErrorCodes.InvalidChunkSize, "chunk " + index + " decodes to "
                        + bytes.Length + " bytes, expected " + expected).Then(landed);
                lock (state.Sync)
                {
                    // A resent chunk is ignored (idempotent), as on the real server.
                    if (session.Chunks[index] == null)
                    {
                        session.Chunks[index] = bytes;
                        session.ReceivedChunks++;
                    }
                }
                return CommandResult.Ok().Then(landed);
            }
            catch
            {
                landed();
                throw;
            }
        }

        public static CommandResult Finish(CommandContext context)
        {
            var body = context.RequiredBody();
            var uploadId = Fields.RequiredString(body, "upload_id", "body.upload_id");
            var state = context.State;
            UploadSession session;
            lock (state.Sync)
            {
                session = FindLiveSession(context, uploadId);
                if (session.Result != null) throw RuleBrokenException.Refused(ErrorCodes.UploadAlreadyFinished);
                if (session.ReceivedChunks < session.TotalChunks)
                    throw RuleBrokenException.Refused(ErrorCodes.UploadIncomplete, session.ReceivedChunks + " of "
                        + session.TotalChunks + " chunks received");
            }

            var bytes = new byte[session.TotalSize];
            long offset = 0;
            foreach (var chunk in session.Chunks)
            {
                if (offset + chunk.Length > bytes.Length) throw RuleBrokenException.Refused(ErrorCodes.SizeMismatch);
                Buffer.BlockCopy(chunk, 0, bytes, (int)offset, chunk.Length);
                offset += chunk.Length;
            }
            if (offset != session.TotalSize) throw RuleBrokenException.Refused(ErrorCodes.SizeMismatch, offset
                + " bytes received, total_size " + session.TotalSize);

            string md5;
            using (var hasher = MD5.Create()) md5 = Ids.ToHex(hasher.ComputeHash(bytes));
            if (session.Md5 != null && session.Md5 != md5) throw RuleBrokenException.Refused(ErrorCodes.Md5Mismatch,
                "received file md5 is " + md5);

            var media = new UploadedMedia(Ids.UrlSafe(32), session.UploadId, session.Type, session.FileName, bytes,
                md5, session.TotalChunks, context.Now);
            lock (state.Sync)
            {
                if (session.Result != null) throw RuleBrokenException.Refused(ErrorCodes.UploadAlreadyFinished);
                session.Result = media;
                state.MediaById[media.MediaId] = media;
                state.Uploads.Add(media);
            }
            var createdAt = media.CreatedAt.ToUnixTimeSeconds()
                .ToString(System.Globalization.CultureInfo.InvariantCulture);
            return CommandResult.Ok(w =>
            {
                w.WriteString("type", media.Type);
                w.WriteString("media_id", media.MediaId);
                w.WriteString("created_at", createdAt);
            });
        }

        /// <summary>Must be called under the lock.</summary>
        private static UploadSession FindLiveSession(CommandContext context, string uploadId)
        {
            if (!context.State.UploadSessions.TryGetValue(uploadId, out var session)
                || session.BotId != context.Connection.BotId)
                throw RuleBrokenException.Refused(ErrorCodes.InvalidUploadId, "unknown upload_id");
            if (context.Now >= session.ExpiresAt)
                throw RuleBrokenException.Refused(ErrorCodes.UploadExpired);
            return session;
        }
    }
}
