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

        private static byte Hex(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);
    }
}
