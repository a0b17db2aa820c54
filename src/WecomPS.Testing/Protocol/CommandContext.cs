using System;
using System.Text.Json;
using WecomPS.Testing.Server;

namespace WecomPS.Testing.Protocol
{
    /// <summary>One well-formed client command being handled.</summary>
    internal sealed class CommandContext
    {
        public CommandContext(MockState state, MockConnection connection, Envelope envelope, DateTimeOffset now)
        {
            State = state;
            Connection = connection;
            Cmd = envelope.Cmd;
            ReqId = envelope.ReqId;
            Body = envelope.Body;
            HasBody = envelope.HasBody;
            Now = now;
        }

        public MockState State { get; }
        public MockServerOptions Options => State.Options;
        public MockConnection Connection { get; }
        public string Cmd { get; }
        public string ReqId { get; }
        public JsonElement Body { get; }
        public bool HasBody { get; }
        public DateTimeOffset Now { get; }

        /// <summary>The body, which this command requires.</summary>
        public JsonElement RequiredBody()
        {
            if (!HasBody) throw RuleBrokenException.Shape(ErrorCodes.InvalidField, "body is required for " + Cmd);
            return Body;
        }
    }
}
