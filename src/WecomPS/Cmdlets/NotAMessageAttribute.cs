using System.Management.Automation;
using WecomPS.Messages;

namespace WecomPS.Cmdlets
{
    /// <summary>
    /// Refuses a received message as the value of a text parameter. Without it, <c>$msg | Send-WecomMessage 'hi'</c>
    /// binds 'hi' to -ChatId and the piped message, turned into its text, to -Content: a proactive message with
    /// someone else's words goes to a chat named 'hi'. With it, the binding fails and nothing is sent.
    /// </summary>
    public sealed class NotAMessageAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is WecomMessage)
                throw new ArgumentTransformationMetadataException(
                    "A received message is not text to send: to answer it, name the text (-Content or -Path).");
            return inputData;
        }
    }
}
