using System;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Session;

namespace WecomPS.Media
{
    /// <summary>
    /// Decrypts media (docs/protocol.md §7): AES-256-CBC, key = base64(aeskey), IV = key[0..16), no cipher padding,
    /// then a PKCS#7 padding to a 32-byte block that is checked and stripped here. Streamed: only one buffer and the
    /// last 32 plaintext bytes are held at a time.
    /// </summary>
    public static class MediaDecryptor
    {
        private const int PadBlock = 32;

        /// <summary>Decodes an aeskey leniently (URL-safe alphabet and missing padding accepted, as Node's decoder
        /// does).</summary>
        public static byte[] DecodeKey(string aesKey)
        {
            if (string.IsNullOrWhiteSpace(aesKey)) throw KeyError("the message has no aes key");
            var s = aesKey.Trim().Replace('-', '+').Replace('_', '/');
            while (s.Length % 4 != 0) s += "=";
            byte[] key;
            try { key = Convert.FromBase64String(s); }
            catch (FormatException) { throw KeyError("the aes key is not base64"); }
            if (key.Length != 32) throw KeyError("the aes key is " + key.Length + " bytes, not 32");
            return key;
        }

        /// <summary>Decrypts <paramref name="cipher"/> into <paramref name="plain"/>; returns the plaintext
        /// length.</summary>
        public static async Task<long> DecryptAsync(Stream cipher, Stream plain, byte[] key, CancellationToken ct)
        {
            using (var aes = Aes.Create())
            {
                aes.Mode = CipherMode.CBC;
                aes.Padding = PaddingMode.None;
                aes.Key = key;
                var iv = new byte[16];
                Buffer.BlockCopy(key, 0, iv, 0, 16);
                aes.IV = iv;
                using (var decryptor = aes.CreateDecryptor())
                {
                    var input = new byte[64 * 1024];
                    var output = new byte[input.Length + PadBlock];
                    // the last plaintext bytes, held back until we know the padding
                    var tail = new byte[PadBlock];
                    int tailCount = 0, pending = 0;      // pending: ciphertext bytes not yet a whole AES block
                    long cipherLength = 0, written = 0;
                    while (true)
                    {
                        int n = await cipher.ReadAsync(input, pending, input.Length - pending, ct)
                            .ConfigureAwait(false);
                        if (n == 0) break;
                        cipherLength += n;
                        int available = pending + n;
                        int whole = available - available % 16;
                        if (whole == 0) { pending = available; continue; }
                        int produced = decryptor.TransformBlock(input, 0, whole, output, tailCount);
                        // output = [previous tail][new plaintext]; keep the last 32 bytes back.
                        Buffer.BlockCopy(tail, 0, output, 0, tailCount);
                        int total = tailCount + produced;
                        int release = Math.Max(0, total - PadBlock);
                        if (release > 0) { await plain.WriteAsync(output, 0, release, ct)
                            .ConfigureAwait(false); written += release; }
                        tailCount = total - release;
                        Buffer.BlockCopy(output, release, tail, 0, tailCount);
                        pending = available - whole;
                        if (pending > 0) Buffer.BlockCopy(input, whole, input, 0, pending);
                    }
                    if (cipherLength == 0 || pending != 0)
                        throw DataError(ErrorIds.MediaCorrupt, "the encrypted media is " + cipherLength
                            + " bytes, not a whole number of AES blocks (truncated or not encrypted)");
                    int pad = tail[tailCount - 1];
                    if (pad < 1 || pad > PadBlock || pad > tailCount)
                        throw DataError(ErrorIds.MediaBadPadding,
                            "the padding is invalid (wrong aes key, or corrupted media)");
                    for (int i = tailCount - pad; i < tailCount; i++)
                        if (tail[i] != pad) throw DataError(ErrorIds.MediaBadPadding,
                            "the padding is inconsistent (wrong aes key, or corrupted media)");
                    await plain.WriteAsync(tail, 0, tailCount - pad, ct).ConfigureAwait(false);
                    return written + tailCount - pad;
                }
            }
        }

        private static WecomException KeyError(string why) => new WecomException(ErrorIds.MediaBadKey,
            ErrorCategory.InvalidData, "Cannot decrypt the media: " + why + ".");
        private static WecomException DataError(string id, string why) => new WecomException(id,
            ErrorCategory.InvalidData, "Cannot decrypt the media: " + why + ".");
    }
}
