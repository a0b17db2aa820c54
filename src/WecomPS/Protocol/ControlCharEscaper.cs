using System;

namespace WecomPS.Protocol
{
    /// <summary>
    /// The server sometimes puts raw control characters (ESC, CR, ...) inside JSON strings (docs/protocol.md §1.5).
    /// System.Text.Json rejects them, so they are escaped as <c>\u00XX</c> before parsing; the text arrives intact.
    /// </summary>
    public static class ControlCharEscaper
    {
        /// <summary>Returns the input itself when nothing needs escaping (the common case: no copy).</summary>
        public static ArraySegment<byte> Escape(ArraySegment<byte> json)
        {
            byte[] src = json.Array;
            int end = json.Offset + json.Count;
            // Most frames hold no byte below 0x20 at all: a word-at-a-time check settles that before the string scan.
            if (!HasControlByte(src, json.Offset, end)) return json;
            int first = FindFirstRawControlInString(src, json.Offset, end);
            if (first < 0) return json;

            var output = new byte[json.Count + 64];
            int o = 0;
            bool inString = false, escaped = false;
            for (int i = json.Offset; i < end; i++)
            {
                byte b = src[i];
                if (inString && b < 0x20)
                {
                    if (o + 6 > output.Length) Array.Resize(ref output, output.Length * 2 + 6);
                    output[o++] = (byte)'\\'; output[o++] = (byte)'u'; output[o++] = (byte)'0'; output[o++] = (byte)'0';
                    output[o++] = Hex(b >> 4); output[o++] = Hex(b & 0xF);
                    escaped = false;
                    continue;
                }
                if (o + 1 > output.Length) Array.Resize(ref output, output.Length * 2);
                output[o++] = b;
                if (escaped) { escaped = false; continue; }
                if (inString && b == (byte)'\\') escaped = true;
                else if (b == (byte)'"') inString = !inString;
            }
            return new ArraySegment<byte>(output, 0, o);
        }

        private static int FindFirstRawControlInString(byte[] src, int start, int end)
        {
            bool inString = false, escaped = false;
            for (int i = start; i < end; i++)
            {
                byte b = src[i];
                if (escaped) { escaped = false; if (b < 0x20) return i; continue; }
                if (b == (byte)'"') inString = !inString;
                else if (inString)
                {
                    if (b == (byte)'\\') escaped = true;
                    else if (b < 0x20) return i;
                }
            }
            return -1;
        }

        private const ulong Ones = 0x0101010101010101UL;
        private const ulong Highs = 0x8080808080808080UL;

        /// <summary>True when some byte in [start, end) is below 0x20 (8 bytes per step: (x - 0x20..) &amp; ~x &amp;
        /// 0x80..).</summary>
        private static bool HasControlByte(byte[] src, int start, int end)
        {
            int i = start;
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(
                new ReadOnlySpan<byte>(src, start, end - start));
            foreach (ulong x in words)
            {
                if (((x - Ones * 0x20) & ~x & Highs) != 0) return true;
            }
            for (i = start + words.Length * 8; i < end; i++)
                if (src[i] < 0x20) return true;
            return false;
        }

        private static byte Hex(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);
    }
}
