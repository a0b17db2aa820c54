using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using WecomPS.Session;

namespace WecomPS.Media
{
    /// <summary>Per-type upload limits and formats (docs/protocol.md §6), checked before any frame is sent.</summary>
    public static class MediaLimits
    {
        public const int ChunkSize = 512 * 1024;
        public const int MaxChunks = 100;
        public const long MinSize = 5;
        private const long MB = 1024 * 1024;

        public static readonly string[] MediaTypes = { "file", "image", "voice", "video" };

        public static long MaxSize(string mediaType)
        {
            switch (mediaType)
            {
                case "image": return 10 * MB;
                case "voice": return 2 * MB;
                case "video": return 10 * MB;
                default: return 20 * MB;
            }
        }

        public static string[] Formats(string mediaType)
        {
            switch (mediaType)
            {
                case "image": return new[] { ".png", ".jpg", ".jpeg", ".gif" };
                case "voice": return new[] { ".amr" };
                case "video": return new[] { ".mp4" };
                default: return null;
            }
        }

        /// <summary>The type a file's extension implies: png/jpg/gif image, amr voice, mp4 video, anything else
        /// file.</summary>
        public static string TypeFromExtension(string path)
        {
            var ext = Path.GetExtension(path)?.ToLowerInvariant();
            foreach (var t in new[] { "image", "voice", "video" })
                if (Formats(t).Contains(ext)) return t;
            return "file";
        }

        public static int ChunkCount(long size) => (int)((size + ChunkSize - 1) / ChunkSize);

        /// <summary>Throws a WecomException that says what is wrong with the file for this media type.</summary>
        /// <summary>A video's title and description are shown; on any other type they would be dropped: refuse
        /// them.</summary>
        public static void CheckTitle(string mediaType, string title, string description)
        {
            if (mediaType == "video" || (title == null && description == null)) return;
            throw new WecomException(ErrorIds.ParameterNotApplicable, ErrorCategory.InvalidArgument,
                "-Title and -Description are shown for a video only; this would be sent as " + mediaType
                + ". Nothing was sent.");
        }

        public static void Validate(FileInfo file, string mediaType)
        {
            if (!file.Exists)
                throw new WecomException(ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, "File not found: "
                    + file.FullName);
            long size = file.Length;
            if (size == 0)
                throw new WecomException(ErrorIds.FileEmpty, ErrorCategory.InvalidData, "The file is empty: "
                    + file.FullName + ". WeCom does not accept empty files.");
            if (size < MinSize)
                throw new WecomException(ErrorIds.FileTooSmall, ErrorCategory.InvalidData, "The file is " + size
                    + " bytes: WeCom accepts files of at least " + MinSize + " bytes (" + file.FullName + ").");
            var formats = Formats(mediaType);
            var ext = file.Extension.ToLowerInvariant();
            if (formats != null && !formats.Contains(ext))
                throw new WecomException(ErrorIds.UnsupportedFormat, ErrorCategory.InvalidArgument,
                    "WeCom takes " + mediaType + " only as " + string.Join("/", formats.Select(f => f.TrimStart('.')))
                        + "; '" + file.Name + "' is not. Send it with -MediaType file.");
            long max = MaxSize(mediaType);
            if (size > max)
                throw new WecomException(ErrorIds.FileTooLarge, ErrorCategory.LimitsExceeded,
                    "'" + file.Name + "' is " + Mb(size) + ": over the " + Mb(max) + " limit for " + mediaType + "." +
                    (mediaType != "file" && size <= MaxSize("file") ? " Send it with -MediaType file (up to 20 MB)."
                        : ""));
            if (ChunkCount(size) > MaxChunks)
                throw new WecomException(ErrorIds.FileTooLarge, ErrorCategory.LimitsExceeded, "'" + file.Name
                    + "' needs more than " + MaxChunks + " chunks.");
        }

        private static string Mb(long bytes) => (bytes / (double)MB).ToString("0.##") + " MB";
    }
}
