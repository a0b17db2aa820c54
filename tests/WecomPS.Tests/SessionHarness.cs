using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Collects what a session logs (Verbose, Debug, Warning), from any thread.</summary>
    public sealed class LogCollector : ILogSink
    {
        private readonly ConcurrentQueue<string> _lines = new ConcurrentQueue<string>();
        public bool WantsDebug => true;
        public bool WantsVerbose => true;
        public void Write(LogLevel level, string message) => _lines.Enqueue(level + ": " + message);
        public IReadOnlyList<string> Lines => _lines.ToArray();
        public bool Has(string fragment) => _lines.Any(l => l.Contains(fragment));
    }

    /// <summary>A server double and a core session connected to it, with fast backoff; no PowerShell.</summary>
    public sealed class SessionHarness : IDisposable
    {
        public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

        public WecomMockServer Server { get; }
        public WecomSession Session { get; private set; }
        public LogCollector Log { get; } = new LogCollector();
        private readonly ConcurrentQueue<SessionStateChangedEventArgs> _states = new ConcurrentQueue<SessionStateChangedEventArgs>();
        private IDisposable _logAttachment;

        public SessionHarness(MockServerOptions serverOptions = null)
        {
            Server = WecomMockServer.Start(serverOptions);
        }

        /// <summary>Every state change seen through the StateChanged event, in the order the handler saw them.</summary>
        public IReadOnlyList<SessionStateChangedEventArgs> States => _states.ToArray();

        public WecomSessionOptions Options(Action<WecomSessionOptions> tweak = null)
        {
            var o = new WecomSessionOptions
            {
                BotId = Server.BotId,
                Secret = Secure(Server.Secret),
                Endpoint = Server.Endpoint,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                AckTimeout = TimeSpan.FromSeconds(5),
                ReconnectDelayBase = TimeSpan.FromMilliseconds(50),
                ReconnectDelayMax = TimeSpan.FromMilliseconds(300),
            };
            tweak?.Invoke(o);
            return o;
        }

        /// <summary>Creates the session (not connected yet) with the log and state collectors attached.</summary>
        public WecomSession Create(Action<WecomSessionOptions> tweak = null)
        {
            Session = new WecomSession(Options(tweak));
            _logAttachment = Session.AttachLog(Log);
            Session.StateChanged += (s, e) => _states.Enqueue(e);
            return Session;
        }

        public WecomSession Connect(Action<WecomSessionOptions> tweak = null)
        {
            Create(tweak);
            Session.ConnectAsync(CancellationToken.None).Wait(Wait);
            Assert.Equal(WecomSessionState.Connected, Session.State);
            return Session;
        }

        public static SecureString Secure(string plain)
        {
            var s = new SecureString();
            foreach (var c in plain) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        public void WaitForState(WecomSessionState state, TimeSpan? timeout = null) => WaitForState(Session, state, timeout);

        public static void WaitForState(WecomSession session, WecomSessionState state, TimeSpan? timeout = null)
        {
            Assert.True(Eventually(() => session.State == state, timeout ?? Wait),
                "Expected state " + state + ", still " + session.State + " (last error: " + session.LastError + ")");
        }

        /// <summary>Waits until the session reconnected <paramref name="count"/> times and is Connected.</summary>
        public void WaitForReconnects(int count, TimeSpan? timeout = null)
        {
            Assert.True(Eventually(() => Session.Reconnects >= count && Session.State == WecomSessionState.Connected, timeout ?? Wait),
                "Expected " + count + " reconnect(s); have " + Session.Reconnects + ", state " + Session.State + " (" + Session.LastError + ")");
        }

        public void WaitForInbox(int count, TimeSpan? timeout = null)
        {
            Assert.True(Eventually(() => Session.InboxCount >= count, timeout ?? Wait), "Inbox has " + Session.InboxCount + ", expected " + count);
        }

        public static bool Eventually(Func<bool> condition, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > timeout) return false;
                Thread.Sleep(10);
            }
            return true;
        }

        /// <summary>Everything the inbox holds now, in order (taken out).</summary>
        public List<Messages.WecomMessage> Drain()
        {
            var list = new List<Messages.WecomMessage>();
            while (Session.Inbox.TryTake(null, out var m)) list.Add(m);
            return list;
        }

        public void AssertNoSecretLogged()
        {
            Assert.DoesNotContain(Log.Lines, l => l.Contains(Server.Secret));
        }

        public void Dispose()
        {
            Session?.Dispose();
            _logAttachment?.Dispose();
            AssertNoSecretLogged();
            var violations = Server.Violations;
            Server.Dispose();
            Assert.Empty(violations);
        }
    }
}
