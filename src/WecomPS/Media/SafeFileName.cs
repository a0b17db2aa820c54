using System;
using System.IO;
using System.Linq;
using System.Text;

namespace WecomPS.Media
{
    /// <summary>
    /// File names from the server or a message are hostile input: directory parts, invalid and control characters,
    /// reserved device names and trailing dots are removed, and the result can never leave the destination folder.
    /// </summary>
    public static class SafeFileName
    {
        private static readonly char[] Invalid = "<>:\"/\\|?*".ToCharArray();
        private static readonly string[] Reserved =
            { "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
              "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "CONIN$", "CONOUT$" };
        private const int MaxBytes = 200;

        public static string Clean(string name, string fallback)
        {
            if (string.IsNullOrWhiteSpace(name)) return fallback;
            // Keep only the last path segment, whatever the separator (C:\x, ../../x, a/b).
            var last = name.Split('/', '\\').LastOrDefault(p => p.Length > 0) ?? "";
            var sb = new StringBuilder(last.Length);
            foreach (var c in last)
                sb.Append(c < 0x20 || c == 0x7F || Invalid.Contains(c) ? '_' : c);
            var cleaned = sb.ToString().Trim().TrimEnd('.', ' ');
            while (cleaned.StartsWith(".")) cleaned = cleaned.Substring(1);   // no ".." and no hidden files
            if (cleaned.Length == 0 || cleaned.All(c => c == '_')) return fallback;
            var stem = cleaned.Split('.')[0].TrimEnd(' ');
            if (Reserved.Contains(stem, StringComparer.OrdinalIgnoreCase)) cleaned = "_" + cleaned;
            while (Encoding.UTF8.GetByteCount(cleaned) > MaxBytes)
            {
                var ext = Path.GetExtension(cleaned);
                var baseName = Path.GetFileNameWithoutExtension(cleaned);
                if (baseName.Length <= 1 || ext.Length > 16) { cleaned = cleaned.Substring(0,
                    cleaned.Length - 1); continue; }
                cleaned = baseName.Substring(0, baseName.Length - 1) + ext;
            }
            return cleaned;
        }

        /// <summary>The full path for <paramref name="name"/> in <paramref name="folder"/>; "name (1).ext" etc. when
        /// taken and not <paramref name="overwrite"/>.</summary>
        public static string PathIn(string folder, string name, bool overwrite)
        {
            var root = Path.GetFullPath(folder);
            var candidate = Path.GetFullPath(Path.Combine(root, name));
            var rootWithSep = root.EndsWith(Path.DirectorySeparatorChar.ToString()) ? root : root
                + Path.DirectorySeparatorChar;
            if (!candidate.StartsWith(rootWithSep, StringComparison.Ordinal))
                throw new InvalidOperationException("The file name escapes the destination folder.");
            if (overwrite || !File.Exists(candidate)) return candidate;
            var stem = Path.GetFileNameWithoutExtension(name);
            var ext = Path.GetExtension(name);
            for (int i = 1; ; i++)
            {
                var numbered = Path.Combine(root, stem + " (" + i + ")" + ext);
                if (!File.Exists(numbered)) return numbered;
            }
        }

        /// <summary>Extension from the first bytes of a file: png, jpg, gif, mp4, amr, pdf, zip; null when
        /// unknown.</summary>
        public static string SniffExtension(byte[] head, int count)
        {
            bool Starts(params byte[] sig) => count >= sig.Length && sig.Select((b, i) => head[i] == b).All(x => x);
            if (Starts(0x89, 0x50, 0x4E, 0x47)) return ".png";
            if (Starts(0xFF, 0xD8, 0xFF)) return ".jpg";
            if (Starts(0x47, 0x49, 0x46, 0x38)) return ".gif";
            if (Starts(0x25, 0x50, 0x44, 0x46)) return ".pdf";
            if (Starts(0x50, 0x4B, 0x03, 0x04)) return ".zip";
            if (Starts(0x23, 0x21, 0x41, 0x4D, 0x52)) return ".amr";
            if (count >= 8 && head[4] == 0x66 && head[5] == 0x74 && head[6] == 0x79 && head[7] == 0x70) return ".mp4";
            return null;
        }
    }
}
