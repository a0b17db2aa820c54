using System;

namespace WecomPS.Testing.Protocol
{
    /// <summary>Thrown by command handlers to answer the frame with an error ack.</summary>
    internal sealed class RuleBrokenException : Exception
    {
        public RuleBrokenException(int errcode, string detail, bool isViolation)
            : base(detail)
        {
            Errcode = errcode;
            IsViolation = isViolation;
            Detail = detail;
        }

        /// <summary>What broke, or null: not <see cref="Exception.Message"/>, which is never null and would put
        /// "Exception of type ... was thrown." into the errmsg of a refusal without a detail.</summary>
        public string Detail { get; }

        public int Errcode { get; }

        /// <summary>True when the frame's shape is wrong (a client bug), not merely refused by a business
        /// rule.</summary>
        public bool IsViolation { get; }

        public CommandResult ToResult() =>
            IsViolation ? CommandResult.Violating(Errcode, Detail) : CommandResult.Error(Errcode, Detail);

        public static RuleBrokenException Refused(int errcode,
            string detail = null) => new RuleBrokenException(errcode, detail, false);

        public static RuleBrokenException Shape(int errcode, string detail) => new RuleBrokenException(errcode, detail,
            true);
    }
}
