using System;
using System.Collections.Generic;
using System.Text;

namespace WecomPS.Protocol
{
    /// <summary>
    /// Splits text into pieces of at most <c>maxBytes</c> UTF-8 bytes, at a character boundary (never inside a
    /// surrogate pair), preferring the last line break, then the last space, in the second half of a piece.
    /// </summary>
    public static class ContentSplitter
    {
        public const int DefaultMaxBytes = 20480;

        public static IReadOnlyList<string> Split(string text, int maxBytes = DefaultMaxBytes)
        {
            if (maxBytes < 4) throw new ArgumentOutOfRangeException(nameof(maxBytes));
            var pieces = new List<string>();
            if (string.IsNullOrEmpty(text)) { pieces.Add(text ?? ""); return pieces; }
            int start = 0;
            while (start < text.Length)
            {
                int end = FitEnd(text, start, maxBytes);
                if (end < text.Length)
                {
                    int brk = text.LastIndexOf('\n', end - 1, end - start);
                    if (brk < start + (end - start) / 2) brk = text.LastIndexOf(' ', end - 1, end - start);
                    if (brk >= start + (end - start) / 2) end = brk + 1;
                }
                pieces.Add(text.Substring(start, end - start));
                start = end;
            }
            return pieces;
        }

        /// <summary>The largest end index such that text[start..end) is at most maxBytes UTF-8 bytes.</summary>
        private static int FitEnd(string text, int start, int maxBytes)
        {
            int bytes = 0, i = start;
            while (i < text.Length)
            {
                int len, width;
                char c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i
                    + 1])) { len = 2; width = 4; }
                else { len = 1; width = c < 0x80 ? 1 : c < 0x800 ? 2 : 3; }
                if (bytes + width > maxBytes) break;
                bytes += width; i += len;
            }
            return i;
        }

        public static int ByteCount(string s) => s == null ? 0 : Encoding.UTF8.GetByteCount(s);
    }
}
