using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Security;

namespace WecomPS.Cmdlets
{
    /// <summary>Lets a plain string bind to a SecureString parameter; remembers that it did, for a Verbose
    /// note.</summary>
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        private static readonly ConditionalWeakTable<SecureString,
            object> FromPlainText = new ConditionalWeakTable<SecureString, object>();

        public static bool WasPlainText(SecureString s) => s != null && FromPlainText.TryGetValue(s, out _);

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is string plain)
            {
                var secure = new SecureString();
                foreach (var c in plain) secure.AppendChar(c);
                secure.MakeReadOnly();
                FromPlainText.Add(secure, null);
                return secure;
            }
            return value;
        }
    }
}
