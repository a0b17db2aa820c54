using System;
using System.Text.Json;

namespace WecomPS.Testing.Protocol
{
    /// <summary>The outcome of one client command: what to ack, and whether the frame broke a protocol rule.</summary>
    internal sealed class CommandResult
    {
        private CommandResult(int errcode, string detail, string violation)
        {
            Errcode = errcode;
            Detail = detail;
            Violation = violation;
        }

        public int Errcode { get; }

        /// <summary>What exactly was wrong; goes into errmsg after the standard text.</summary>
        public string Detail { get; }

        /// <summary>Non-null when the frame broke a protocol rule (recorded in <see
        /// cref="WecomMockServer.Violations"/>).</summary>
        public string Violation { get; private set; }

        /// <summary>Overrides the errmsg entirely (used by injected failures).</summary>
        public string ErrmsgOverride { get; private set; }

        public Action<Utf8JsonWriter> WriteBody { get; private set; }

        /// <summary>Runs when the ack is about to be written to the socket (or is dropped).</summary>
        public Action AfterAck { get; private set; }

        /// <summary>False for frames that get no ack at all (unreadable req_id).</summary>
        public bool SendsAck { get; private set; } = true;

        public static CommandResult Ok(Action<Utf8JsonWriter> body = null) =>
            new CommandResult(ErrorCodes.Ok, null, null) { WriteBody = body };

        public static CommandResult Error(int errcode, string detail = null) => new CommandResult(errcode, detail,
            null);

        /// <summary>An error ack for a frame that also broke a protocol rule.</summary>
        public static CommandResult Violating(int errcode, string detail) => new CommandResult(errcode, detail, detail);

        public static CommandResult Injected(int errcode, string errmsg) =>
            new CommandResult(errcode, null, null) { ErrmsgOverride = errmsg };

        public static CommandResult NoAck(string violation) => new CommandResult(ErrorCodes.InvalidFrame, violation,
            violation) { SendsAck = false };

        public CommandResult WithViolation(string violation)
        {
            Violation = violation;
            return this;
        }

        public CommandResult Then(Action afterAck)
        {
            AfterAck += afterAck;
            return this;
        }

        public string BuildErrmsg()
        {
            if (ErrmsgOverride != null) return ErrmsgOverride;
            if (Errcode == ErrorCodes.Ok) return "ok";
            var text = ErrorCodes.DefaultMessage(Errcode);
            if (!string.IsNullOrEmpty(Detail)) text += ": " + Detail;
            // The real server appends a hint; clients must branch on errcode, never on this text.
            return text + ", hint: [" + Ids.Hint() + "], from ip: 127.0.0.1, more info at "
                + "https://open.work.weixin.qq.com/devtool/query?e=" + Errcode;
        }
    }
}
