using System;

namespace WecomPS.Testing.Media
{
    /// <summary>An upload between init and finish. Mutated under the server lock.</summary>
    internal sealed class UploadSession
    {
        public UploadSession(string uploadId, string botId, string type, string fileName, long totalSize,
            int totalChunks, string md5, DateTimeOffset createdAt, DateTimeOffset expiresAt)
        {
            UploadId = uploadId;
            BotId = botId;
            Type = type;
            FileName = fileName;
            TotalSize = totalSize;
            TotalChunks = totalChunks;
            Md5 = md5;
            CreatedAt = createdAt;
            ExpiresAt = expiresAt;
            Chunks = new byte[totalChunks][];
        }

        public string UploadId { get; }
        public string BotId { get; }
        public string Type { get; }
        public string FileName { get; }
        public long TotalSize { get; }
        public int TotalChunks { get; }
        public string Md5 { get; }
        public DateTimeOffset CreatedAt { get; }
        public DateTimeOffset ExpiresAt { get; }
        public byte[][] Chunks { get; }
        public int ReceivedChunks { get; set; }

        /// <summary>Chunks accepted whose ack has not been written yet.</summary>
        public int InFlight { get; set; }

        public int MaxInFlightSeen { get; set; }

        /// <summary>Set once finish succeeded.</summary>
        public UploadedMedia Result { get; set; }
    }
}
