using System;
using System.Security.Cryptography;

namespace WecomPS.Protocol
{
    /// <summary>Client request ids: <c>&lt;prefix&gt;_&lt;unix ms&gt;_&lt;8 hex&gt;</c>, the official SDK's
    /// shape.</summary>
    public static class ReqIds
    {
        private static readonly RandomNumberGenerator Rng = RandomNumberGenerator.Create();

        public static string New(string prefix)
        {
            var bytes = new byte[4];
            lock (Rng) Rng.GetBytes(bytes);
            long ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return prefix + "_" + ms + "_" + bytes[0].ToString("x2") + bytes[1].ToString("x2")
                + bytes[2].ToString("x2") + bytes[3].ToString("x2");
        }
    }
}
