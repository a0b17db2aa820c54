namespace WecomPS.Testing
{
    /// <summary>Ways to make a registered media file undecryptable, for the client's error paths.</summary>
    public enum MediaCorruption
    {
        None = 0,

        /// <summary>The advertised aeskey is a different random 32-byte key than the one used.</summary>
        WrongKey,

        /// <summary>The last plaintext byte (pad length) is 0, which no valid padding has.</summary>
        PadZero,

        /// <summary>The pad length is 33 (greater than the 32-byte block).</summary>
        PadTooLarge,

        /// <summary>The pad length is right but one of the padding bytes differs.</summary>
        PadInconsistent,

        /// <summary>The ciphertext is cut so its length is not a multiple of 16.</summary>
        Truncated,

        /// <summary>The advertised aeskey decodes to 16 bytes instead of 32.</summary>
        ShortKey,
    }
}
