using System;
using System.Collections.Generic;
using WecomPS.Testing.Media;
using WecomPS.Testing.Protocol;

namespace WecomPS.Testing
{
    /// <summary>Protocol state shared by all connections. Every field is guarded by <see cref="Sync"/>.</summary>
    internal sealed class MockState
    {
        public MockState(MockServerOptions options) => Options = options;

        public readonly object Sync = new object();
        public MockServerOptions Options { get; }
        public StateSignal Changed { get; } = new StateSignal();

        public TimeSpan ClockOffset;
        public DateTimeOffset Now => DateTimeOffset.UtcNow + ClockOffset;

        public readonly Dictionary<string, PushedCallback> Callbacks = new Dictionary<string,
            PushedCallback>(StringComparer.Ordinal);
        public readonly RateLimiter Rates = new RateLimiter();
        public readonly Dictionary<string, UploadSession> UploadSessions = new Dictionary<string,
            UploadSession>(StringComparer.Ordinal);
        public readonly Dictionary<string, UploadedMedia> MediaById = new Dictionary<string,
            UploadedMedia>(StringComparer.Ordinal);
        public readonly List<UploadedMedia> Uploads = new List<UploadedMedia>();
        public readonly List<ReceivedFrame> Frames = new List<ReceivedFrame>();
        public readonly List<ProtocolViolation> Violations = new List<ProtocolViolation>();
        public readonly List<SentAck> Acks = new List<SentAck>();
        public int RejectedChunks;
    }
}
