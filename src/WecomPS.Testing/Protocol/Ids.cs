using System;
using System.Security.Cryptography;
using System.Text;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Random identifiers shaped like the real server's.</summary>
    internal static class Ids
    {
        /// <summary>24 base64 characters, like "4FcR2bSZRBevQKigbaUvNgAA" (may contain '+' and '/').</summary>
        public static string CallbackReqId() => Convert.ToBase64String(RandomBytes(18));

        /// <summary>Like "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=".</summary>
        public static string MsgId() => Convert.ToBase64String(RandomBytes(23));

        public static string UrlSafe(int byteCount) =>
            Convert.ToBase64String(RandomBytes(byteCount)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static string Hex(int byteCount) => ToHex(RandomBytes(byteCount));

        public static string Hint()
        {
            var sb = new StringBuilder(25);
            var bytes = RandomBytes(25);
            foreach (var b in bytes) sb.Append((char)('0' + b % 10));
            return sb.ToString();
        }

        public static byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            RandomNumberGenerator.Fill(bytes);
            return bytes;
        }

        public static string ToHex(byte[] bytes)
        {
            const string digits = "0123456789abcdef";
            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[2 * i + 1] = digits[bytes[i] & 15];
            }
            return new string(chars);
        }
    }
}
