using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Messages;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;
using Xunit.Abstractions;

namespace WecomPS.Tests
{
    /// <summary>
    /// 20000 messages through Receive-WecomMessage while the double drops the connection at random points and
    /// redelivers what may not have arrived (and, at random, some of what did): every msgid comes out exactly once.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class SoakTests : IDisposable
    {
        private const int Total = 20000;
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly ITestOutputHelper _out;

        public SoakTests(ITestOutputHelper output) { _out = output; }

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        [Fact]
        public void Every_msgid_is_emitted_exactly_once_through_drops_and_redeliveries()
        {
            _ps.Connect(_server, "-InboxCapacity 25000");
            var session = SessionStore.Default;
            var pusher = new FlakyPusher(_server, session, seed: 20240607);
            var pushing = Task.Run(() => pusher.Run(Total, Budget));

            var clock = Stopwatch.StartNew();
            var r = _ps.Run("Receive-WecomMessage -Wait -Count " + Total + " -Timeout " + (int)Budget.TotalSeconds);
            clock.Stop();
            Assert.True(pushing.Wait(TimeSpan.FromSeconds(10)), "the pusher did not finish");
            if (pushing.IsFaulted) throw pushing.Exception;

            var ids = r.Output.Select(o => ((WecomMessage)o.BaseObject).MsgId).ToList();
            _out.WriteLine("emitted " + ids.Count + " in " + clock.Elapsed.TotalSeconds.ToString("0.0") + " s; pushes " + pusher.Pushes +
                           ", drops " + pusher.Drops + ", redelivered " + pusher.Redelivered + ", duplicates dropped " + session.DuplicatesDropped +
                           ", reconnects " + session.Reconnects);
            Assert.Empty(r.Errors);
            Assert.Equal(Total, ids.Count);
            Assert.Equal(Total, ids.Distinct().Count());
            Assert.Equal(Enumerable.Range(0, Total).Select(FlakyPusher.Id).OrderBy(x => x, StringComparer.Ordinal),
                         ids.OrderBy(x => x, StringComparer.Ordinal));
            Assert.True(pusher.Drops >= 5, "only " + pusher.Drops + " drops");
            Assert.True(session.DuplicatesDropped > 0);
            Assert.Equal(0, session.Dropped);
            Assert.Equal(0, session.InboxCount);
        }

        /// <summary>
        /// Pushes numbered messages and, every few hundred, kills the connection (RST or close frame) right after a push,
        /// while the client is still reading. After the client is back it redelivers every message of the dead connection
        /// the client had not processed — the part of a real server that knows what was delivered is played by the
        /// client's counters — plus a random tenth of those it had, which must be dropped as duplicates.
        /// </summary>
        private sealed class FlakyPusher
        {
            private readonly WecomMockServer _server;
            private readonly WecomSession _session;
            private readonly Random _random;
            private readonly Queue<string> _redeliver = new Queue<string>();
            private List<string> _onConnection = new List<string>();
            private long _processedAtConnectionStart;

            public int Pushes, Drops, Redelivered;

            public FlakyPusher(WecomMockServer server, WecomSession session, int seed)
            {
                _server = server; _session = session; _random = new Random(seed);
            }

            public static string Id(int n) => "soak-" + n;

            private long Processed => _session.MessagesReceived + _session.DuplicatesDropped;

            public void Run(int total, TimeSpan budget)
            {
                var deadline = DateTime.UtcNow + budget;
                int next = 0;
                int untilDrop = _random.Next(200, 2500);
                _processedAtConnectionStart = Processed;
                while (next < total || _redeliver.Count > 0)
                {
                    if (DateTime.UtcNow > deadline) throw new TimeoutException("pusher: out of time at " + next);
                    bool again = _redeliver.Count > 0;
                    string id = again ? _redeliver.Dequeue() : Id(next++);
                    var pushed = _server.PushText("soak message " + id, userId: "u" + (id.Length % 7), msgId: id);
                    Pushes++;
                    if (again) Redelivered++;
                    if (pushed.ConnectionCount == 0) throw new InvalidOperationException("no connection took the push");
                    _onConnection.Add(id);
                    if (--untilDrop == 0 && next < total)
                    {
                        Drop();
                        untilDrop = _random.Next(200, 2500);
                    }
                }
            }

            private void Drop()
            {
                int subscribes = _server.SuccessfulSubscribes;
                if (_random.Next(2) == 0) _server.DropConnections();
                else _server.CloseConnections();
                Drops++;
                if (!_server.WaitForSubscribeCount(subscribes + 1, TimeSpan.FromSeconds(20)))
                    throw new TimeoutException("the client did not reconnect");
                // The client processes one connection's frames in order and ignores the old connection once the new one
                // is subscribed: the first (processed) frames of the dead connection arrived, the rest may not have.
                int arrived = (int)Math.Min(_onConnection.Count, Processed - _processedAtConnectionStart);
                foreach (var id in _onConnection.Skip(arrived)) _redeliver.Enqueue(id);
                foreach (var id in _onConnection.Take(arrived)) if (_random.Next(10) == 0) _redeliver.Enqueue(id);
                _onConnection = new List<string>();
                _processedAtConnectionStart = Processed;
            }
        }
    }
}
