using System;
using System.IO;

namespace WecomPS.Testing.Media
{
    /// <summary>Upload limits of docs/protocol.md §6 (MB = 1024 * 1024).</summary>
    internal static class UploadRules
    {
        public const int ChunkSize = 512 * 1024;
        public const int MaxChunks = 100;
        public const int MinTotalSize = 5;
        public const int MaxFileNameBytes = 256;
        private const long MB = 1024 * 1024;

        public static bool IsKnownType(string type) => type == "file" || type == "image" || type == "voice"
            || type == "video";

        public static long MaxSize(string type)
        {
            switch (type)
            {
                case "image": return 10 * MB;
                case "voice": return 2 * MB;
                case "video": return 10 * MB;
                default: return 20 * MB;
            }
        }

        /// <summary>Null when any extension is allowed (file).</summary>
        public static string[] AllowedExtensions(string type)
        {
            switch (type)
            {
                case "image": return new[] { ".png", ".jpg", ".jpeg", ".gif" };
                case "voice": return new[] { ".amr" };
                case "video": return new[] { ".mp4" };
                default: return null;
            }
        }

        public static bool HasAllowedExtension(string type, string fileName)
        {
            var allowed = AllowedExtensions(type);
            if (allowed == null) return true;
            var extension = Path.GetExtension(fileName) ?? "";
            return Array.Exists(allowed, e => string.Equals(e, extension, StringComparison.OrdinalIgnoreCase));
        }

        public static long ExpectedChunks(long totalSize) => (totalSize + ChunkSize - 1) / ChunkSize;

        public static int ExpectedChunkLength(long totalSize, long totalChunks, long index) =>
            index < totalChunks - 1 ? ChunkSize : (int)(totalSize - ChunkSize * (totalChunks - 1));

        public static bool IsLowercaseMd5(string text)
        {
            if (text.Length != 32) return false;
            foreach (var c in text)
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
            return true;
        }
    }
}
