using System;

namespace WecomPS.Testing
{
    /// <summary>A finished upload: the file as reassembled by the double.</summary>
    public sealed class UploadedMedia
    {
        internal UploadedMedia(string mediaId, string uploadId, string type, string fileName, byte[] bytes, string md5,
            int chunkCount, DateTimeOffset createdAt)
        {
            MediaId = mediaId;
            UploadId = uploadId;
            Type = type;
            FileName = fileName;
            Bytes = bytes;
            Md5 = md5;
            ChunkCount = chunkCount;
            CreatedAt = createdAt;
        }

        public string MediaId { get; }
        public string UploadId { get; }

        /// <summary>file, image, voice or video.</summary>
        public string Type { get; }

        public string FileName { get; }
        public byte[] Bytes { get; }

        /// <summary>Lowercase hex MD5 of <see cref="Bytes"/> (computed by the double).</summary>
        public string Md5 { get; }

        public int ChunkCount { get; }
        public DateTimeOffset CreatedAt { get; }
    }
}
