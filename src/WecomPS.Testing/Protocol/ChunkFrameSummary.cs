using System;
using System.Text;

namespace WecomPS.Testing.Protocol
{
    /// <summary>
    /// Recorded chunk frames keep everything but their data: base64_data becomes "&lt;N base64 chars&gt;". The data is
    /// already in the upload (Uploads / Get-WecomMockUpload); keeping ~700 KB per chunk in the frame log made a
    /// long run of 20 MB uploads hold hundreds of MB and slowed the double down with garbage collections.
    /// </summary>
    internal static class ChunkFrameSummary
    {
        private static readonly byte[] Key = Encoding.ASCII.GetBytes("\"base64_data\"");

        public static byte[] WithoutData(byte[] utf8)
        {
            int key = IndexOf(utf8, Key, 0);
            if (key < 0) return utf8;
            int open = Array.IndexOf(utf8, (byte)'"', key + Key.Length);
            if (open < 0) return utf8;
            int close = Array.IndexOf(utf8, (byte)'"', open + 1);   // base64 has no escapes
            if (close < 0) return utf8;
            var summary = Encoding.ASCII.GetBytes("<" + (close - open - 1) + " base64 chars>");
            var result = new byte[open + 1 + summary.Length + (utf8.Length - close)];
            Buffer.BlockCopy(utf8, 0, result, 0, open + 1);
            Buffer.BlockCopy(summary, 0, result, open + 1, summary.Length);
            Buffer.BlockCopy(utf8, close, result, open + 1 + summary.Length, utf8.Length - close);
            return result;
        }

        private static int IndexOf(byte[] haystack, byte[] needle, int start)
        {
            for (int i = Array.IndexOf(haystack, needle[0], start); i >= 0
                && i <= haystack.Length - needle.Length; i = Array.IndexOf(haystack, needle[0], i + 1))
            {
                int j = 1;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }
}
