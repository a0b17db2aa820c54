using System;
using System.Security.Cryptography;

namespace WecomPS.Testing.Media
{
    /// <summary>
    /// Media encryption per docs/protocol.md §7: AES-256-CBC without cipher padding, IV = key[0..16),
    /// plaintext padded PKCS#7-style to a 32-byte block (a full 32 bytes when already aligned).
    /// </summary>
    internal static class MediaCipher
    {
        public const int PadBlock = 32;

        public static byte[] Pad(byte[] plain)
        {
            int pad = PadBlock - plain.Length % PadBlock;
            var padded = new byte[plain.Length + pad];
            Buffer.BlockCopy(plain, 0, padded, 0, plain.Length);
            for (int i = plain.Length; i < padded.Length; i++) padded[i] = (byte)pad;
            return padded;
        }

        /// <summary>Encrypts already padded bytes (length a multiple of 16).</summary>
        public static byte[] EncryptPadded(byte[] padded, byte[] key)
        {
            using (var aes = Aes.Create())
            {
                aes.Mode = CipherMode.CBC;
                aes.Padding = PaddingMode.None;
                aes.Key = key;
                var iv = new byte[16];
                Buffer.BlockCopy(key, 0, iv, 0, 16);
                aes.IV = iv;
                using (var encryptor = aes.CreateEncryptor())
                    return encryptor.TransformFinalBlock(padded, 0, padded.Length);
            }
        }

        public static byte[] Encrypt(byte[] plain, byte[] key) => EncryptPadded(Pad(plain), key);
    }
}
