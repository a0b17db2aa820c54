using System.Management.Automation;
using System.Text;

namespace WecomPS.Cmdlets
{
    /// <summary>
    /// A length limit the server counts in UTF-8 bytes (feedback ids, titles, file names), not in characters:
    /// 256 Chinese characters are 768 bytes.
    /// </summary>
    public sealed class ValidateUtf8LengthAttribute : ValidateEnumeratedArgumentsAttribute
    {
        public ValidateUtf8LengthAttribute(int minBytes, int maxBytes) { MinBytes = minBytes; MaxBytes = maxBytes; }

        public int MinBytes { get; }
        public int MaxBytes { get; }

        protected override void ValidateElement(object element)
        {
            var text = element is PSObject pso ? pso.BaseObject as string : element as string;
            if (text == null) throw new ValidationMetadataException("The argument must be a string.");
            int bytes = Encoding.UTF8.GetByteCount(text);
            if (bytes < MinBytes || bytes > MaxBytes)
                throw new ValidationMetadataException("The argument is " + bytes + " bytes in UTF-8; it must be "
                    + MinBytes + " to " + MaxBytes + " bytes (the server counts bytes, not characters).");
        }
    }
}
