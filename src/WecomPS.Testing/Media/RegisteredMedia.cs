using System;

namespace WecomPS.Testing
{
    /// <summary>An encrypted file served by the double at GET /media/&lt;token&gt;.</summary>
    public sealed class RegisteredMedia
    {
        internal RegisteredMedia(string token, string url, string aesKey, byte[] plain, byte[] cipher, string fileName,
            string contentDisposition, DateTimeOffset expiresAt, MediaCorruption corruption)
        {
            Token = token;
            Url = url;
            AesKey = aesKey;
            Plain = plain;
            Cipher = cipher;
            FileName = fileName;
            ContentDisposition = contentDisposition;
            ExpiresAt = expiresAt;
            Corruption = corruption;
        }

        public string Token { get; }
        public string Url { get; }

        /// <summary>base64 of the 32-byte key, as put in a callback's aeskey.</summary>
        public string AesKey { get; }

        public byte[] Plain { get; }
        public byte[] Cipher { get; }
        public string FileName { get; }

        /// <summary>The Content-Disposition header value served; null = header omitted.</summary>
        public string ContentDisposition { get; }

        public DateTimeOffset ExpiresAt { get; }
        public MediaCorruption Corruption { get; }

        private int _downloads;

        /// <summary>How many times the URL was fetched successfully.</summary>
        public int Downloads => System.Threading.Volatile.Read(ref _downloads);

        internal void CountDownload() => System.Threading.Interlocked.Increment(ref _downloads);

        public void Deconstruct(out string url, out string aesKey)
        {
            url = Url;
            aesKey = AesKey;
        }
    }
}
