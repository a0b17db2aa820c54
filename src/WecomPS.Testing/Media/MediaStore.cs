using System;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace WecomPS.Testing.Media
{
    /// <summary>Encrypted media served over HTTP, looked up by token.</summary>
    internal sealed class MediaStore
    {
        private readonly ConcurrentDictionary<string, RegisteredMedia> _byToken = new ConcurrentDictionary<string,
            RegisteredMedia>(StringComparer.Ordinal);

        public RegisteredMedia Register(Uri httpBase, byte[] plain, string fileName, DateTimeOffset expiresAt,
            string contentDisposition, MediaCorruption corruption)
        {
            if (plain == null) throw new ArgumentNullException(nameof(plain));
            var key = Protocol.Ids.RandomBytes(32);
            var cipher = Encrypt(plain, key, corruption);
            var advertisedKey = corruption == MediaCorruption.WrongKey ? Protocol.Ids.RandomBytes(32)
                : corruption == MediaCorruption.ShortKey ? Protocol.Ids.RandomBytes(16)
                : key;
            var token = Protocol.Ids.UrlSafe(18);
            // A query string like the real COS pre-signed URL, so clients do not assume a bare path.
            var url = new Uri(httpBase, "media/" + token + "?sign=q-sign-algorithm%3Dsha1%26q-sign-time%3D"
                + expiresAt.ToUnixTimeSeconds()).ToString();
            var disposition = contentDisposition ?? DefaultDisposition(fileName);
            if (disposition.Length == 0) disposition = null;
            var media = new RegisteredMedia(token, url, Convert.ToBase64String(advertisedKey), plain, cipher, fileName,
                disposition, expiresAt, corruption);
            _byToken[token] = media;
            return media;
        }

        public RegisteredMedia Find(string token) => _byToken.TryGetValue(token, out var media) ? media : null;

        public static string DefaultDisposition(string fileName) =>
            fileName == null ? null : "attachment; filename*=UTF-8''" + Uri.EscapeDataString(fileName);

        private static byte[] Encrypt(byte[] plain, byte[] key, MediaCorruption corruption)
        {
            var padded = MediaCipher.Pad(plain);
            int last = padded.Length - 1;
            switch (corruption)
            {
                case MediaCorruption.PadZero:
                    padded[last] = 0;
                    break;
                case MediaCorruption.PadTooLarge:
                    padded[last] = 33;
                    break;
                case MediaCorruption.PadInconsistent:
                    // Claim at least two pad bytes, then make the one before the last disagree.
                    if (padded[last] == 1) padded[last] = 2;
                    padded[last - 1] = (byte)(padded[last] ^ 0x5A);
                    break;
            }
            var cipher = MediaCipher.EncryptPadded(padded, key);
            if (corruption == MediaCorruption.Truncated)
                Array.Resize(ref cipher, cipher.Length - 7);
            return cipher;
        }
    }
}
