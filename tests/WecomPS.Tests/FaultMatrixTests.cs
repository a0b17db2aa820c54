using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// Every command kind meets every fault, through the cmdlets, against the double. Whatever happens, the user is
    /// told: an error record naming the errcode, a timeout or delivery-unknown error, or the documented fallback
    /// delivers everything. Nothing is silently dropped, and no task, socket or file handle is left behind.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class FaultMatrixTests
    {
        private const int ErrCode = 40058;
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

        public enum Fault { ErrCode, LostAck, LateAck, ResetBeforeWrite, ResetAfterWrite, StreamExpired }

        /// <summary>What the user must see: an error (whose text contains a fragment), or everything delivered.</summary>
        public enum Expect { ErrorNamingErrCode, Timeout, DeliveryUnknown, Delivered, ConnectFailedOrDelivered }

        private sealed class Kind
        {
            public string Name, Cmd, Script;
            public Func<JsonElement, bool> Match = _ => true;
            public Action<WecomMockServer> Push;
            public string ReceiveFilter = "";
            public Func<WecomMockServer, bool> Delivered;
            public bool Stream, Upload, Subscribe;
        }

        private const string Card = "@{ card_type = 'text_notice'; main_title = @{ title = 'Hi' }; card_action = @{ type = 1; url = 'https://example.com' } }";

        private static string Str(JsonElement e, string a, string b = null)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(a, out var x)) return null;
            if (b != null && (x.ValueKind != JsonValueKind.Object || !x.TryGetProperty(b, out x))) return null;
            return x.ValueKind == JsonValueKind.String ? x.GetString() : x.ToString();
        }

        private static bool Finish(JsonElement e) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty("stream", out var st) && st.ValueKind == JsonValueKind.Object
            && st.TryGetProperty("finish", out var f) && f.ValueKind == JsonValueKind.True;

        private static bool Acked(WecomMockServer s, string cmd, Func<ReceivedFrame, bool> what) =>
            s.FramesFor(cmd).Any(f => f.AckErrcode == 0 && what(f));

        private static readonly Dictionary<string, Kind> Kinds = new[]
        {
            new Kind { Name = "send markdown", Cmd = "aibot_send_msg", Script = "Send-WecomMessage -ChatId lisi -Content hello",
                Delivered = s => Acked(s, "aibot_send_msg", f => f.BodyString("markdown.content") == "hello") },
            new Kind { Name = "send card", Cmd = "aibot_send_msg", Script = "Send-WecomCard -ChatId lisi -Card " + Card,
                Delivered = s => Acked(s, "aibot_send_msg", f => f.BodyString("msgtype") == "template_card") },
            new Kind { Name = "reply one-shot", Cmd = "aibot_respond_msg", Script = "$m | Send-WecomMessage -Content hello",
                Push = s => s.PushText("q", userId: "lisi"),
                Delivered = s => Acked(s, "aibot_respond_msg", f => f.BodyString("stream.content") == "hello")
                    || Acked(s, "aibot_send_msg", f => f.BodyString("markdown.content") == "hello") },
            new Kind { Name = "stream first frame", Cmd = "aibot_respond_msg", Stream = true,
                Script = "& { 'a'; Start-Sleep -Milliseconds 700; 'b' } | Send-WecomMessage -ReplyTo $m -Stream",
                Match = b => !Finish(b),
                Push = s => s.PushText("q", userId: "lisi"), Delivered = StreamDelivered("a\nb") },
            new Kind { Name = "stream closing frame", Cmd = "aibot_respond_msg", Stream = true,
                Script = "& { 'a'; Start-Sleep -Milliseconds 700; 'b' } | Send-WecomMessage -ReplyTo $m -Stream",
                Match = b => Finish(b) && Str(b, "stream", "content") == "a\nb",
                Push = s => s.PushText("q", userId: "lisi"), Delivered = StreamDelivered("a\nb") },
            new Kind { Name = "stream rollover frame", Cmd = "aibot_respond_msg", Stream = true,
                Script = "& { 'a'; Start-Sleep -Milliseconds 400; 'x' * 21000 } | Send-WecomMessage -ReplyTo $m -Stream",
                Match = b => Finish(b) && (Str(b, "stream", "content") ?? "").Length == 20480,
                Push = s => s.PushText("q", userId: "lisi"), Delivered = StreamDelivered("a\n" + new string('x', 21000)) },
            new Kind { Name = "welcome", Cmd = "aibot_respond_welcome_msg", Script = "$m | Send-WecomMessage -Content hello",
                Push = s => s.PushEvent("enter_chat", userId: "lisi"),
                Delivered = s => Acked(s, "aibot_respond_welcome_msg", f => f.BodyString("text.content") == "hello") },
            new Kind { Name = "card update", Cmd = "aibot_respond_update_msg", Script = "Send-WecomCard -UpdateFor $m -Card " + Card,
                Push = s => s.PushEvent("template_card_event", new { card_type = "button_interaction", event_key = "ok", task_id = "t1" }, userId: "lisi"),
                ReceiveFilter = "-EventType template_card_event",
                Delivered = s => Acked(s, "aibot_respond_update_msg", f => true) },
            new Kind { Name = "send media", Cmd = "aibot_send_msg", Upload = true, Script = "Send-WecomFile -ChatId lisi -Path $small",
                Match = b => Str(b, "msgtype") == "file", Delivered = FileSent },
            new Kind { Name = "upload init", Cmd = "aibot_upload_media_init", Upload = true,
                Script = "Send-WecomFile -ChatId lisi -Path $big", Delivered = FileSent },
            new Kind { Name = "chunk 0", Cmd = "aibot_upload_media_chunk", Upload = true,
                Script = "Send-WecomFile -ChatId lisi -Path $big", Match = b => Str(b, "chunk_index") == "0", Delivered = FileSent },
            new Kind { Name = "chunk beyond the window", Cmd = "aibot_upload_media_chunk", Upload = true,
                Script = "Send-WecomFile -ChatId lisi -Path $big", Match = b => Str(b, "chunk_index") == "6", Delivered = FileSent },
            new Kind { Name = "upload finish", Cmd = "aibot_upload_media_finish", Upload = true,
                Script = "Send-WecomFile -ChatId lisi -Path $big", Delivered = FileSent },
            new Kind { Name = "subscribe", Cmd = "aibot_subscribe", Subscribe = true,
                Script = "Disconnect-WecomBot; Connect-WecomBot -BotId $botId -Secret $secret -Endpoint $endpoint -TimeoutSec 1",
                Delivered = s => s.SuccessfulSubscribes >= 2 },
        }.ToDictionary(k => k.Name);

        /// <summary>The file's send was acked, carrying the media_id of an upload that completed.</summary>
        private static bool FileSent(WecomMockServer s) =>
            s.FramesFor("aibot_send_msg").Any(f => f.AckErrcode == 0 && f.BodyString("msgtype") == "file"
                && s.Uploads.Any(u => u.MediaId == f.BodyString("file.media_id")));

        private static Func<WecomMockServer, bool> StreamDelivered(string all) => s =>
            string.Concat(s.FramesFor("aibot_respond_msg").Where(f => f.AckErrcode == 0 && f.BodyString("stream.finish") == "true")
                .Select(f => f.BodyString("stream.content")))
            + string.Concat(s.FramesFor("aibot_send_msg").Where(f => f.AckErrcode == 0).Select(f => f.BodyString("markdown.content")))
            == all;

        private static Expect Expected(Kind k, Fault f)
        {
            if (k.Upload && f != Fault.ResetBeforeWrite && f != Fault.ErrCode)
            {
                // A chunk is stored by index: sending it again is harmless, so a lost, late or cut-off ack resends it.
                if (k.Cmd == "aibot_upload_media_chunk") return Expect.Delivered;
                // finish names a complete upload: after a reset it is asked again and the upload completes.
                if (k.Name == "upload finish" && f == Fault.ResetAfterWrite) return Expect.Delivered;
                return f == Fault.ResetAfterWrite ? Expect.DeliveryUnknown : Expect.Timeout;
            }
            switch (f)
            {
                case Fault.ResetBeforeWrite: return Expect.Delivered;   // nothing was written: sent once reconnected
                case Fault.StreamExpired: return Expect.Delivered;      // the rest goes as a proactive message
                case Fault.ErrCode:
                    // A refused snapshot is only a snapshot: the closing frame carries the whole content.
                    return k.Name == "stream first frame" ? Expect.Delivered : Expect.ErrorNamingErrCode;
                case Fault.LostAck:
                case Fault.LateAck:
                    if (k.Name == "stream first frame") return Expect.Delivered;
                    return Expect.Timeout;
                case Fault.ResetAfterWrite:
                    if (k.Name == "stream first frame") return Expect.Delivered;
                    if (k.Subscribe) return Expect.ConnectFailedOrDelivered;
                    return Expect.DeliveryUnknown;
            }
            return Expect.Delivered;
        }

        public static IEnumerable<object[]> Cases()
        {
            foreach (var k in Kinds.Values)
                foreach (Fault f in Enum.GetValues(typeof(Fault)))
                {
                    if (f == Fault.StreamExpired && !k.Stream) continue;
                    if (f == Fault.ResetBeforeWrite && k.Subscribe) continue;   // a new connection has nothing before it
                    yield return new object[] { k.Name, f };
                }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Every_command_kind_meets_every_fault_and_the_user_is_told(string kindName, Fault fault)
        {
            var kind = Kinds[kindName];
            var server = WecomMockServer.Start(new MockServerOptions
            {
                StreamLifetime = fault == Fault.StreamExpired ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMinutes(10),
            });
            server.LateAckDelay = TimeSpan.FromSeconds(2);
            var ps = new PowerShellHost();
            var files = new TestFiles();
            try
            {
                ps.Connect(server, "-AckTimeoutSec 1 -ReconnectDelayMaxSec 1");
                var session = SessionStore.Default;
                int tasksBefore = session.BackgroundTaskCount;
                if (kind.Push != null)
                {
                    kind.Push(server);
                    ps.Run("$global:m = Receive-WecomMessage -Wait -Count 1 -Timeout 5 " + kind.ReceiveFilter);
                }
                if (fault == Fault.StreamExpired) Thread.Sleep(10);
                Inject(server, kind, fault);
                if (fault == Fault.ResetBeforeWrite)
                {
                    int reconnects = session.Reconnects;
                    server.DropConnections();
                    Assert.True(SessionHarness.Eventually(() => session.State != WecomSessionState.Connected || session.Reconnects > reconnects, Wait));
                }

                var r = ps.Run(kind.Script, new Dictionary<string, object>
                {
                    ["botId"] = server.BotId, ["secret"] = server.Secret, ["endpoint"] = server.Endpoint,
                    ["small"] = files.Create("small.txt", 1000), ["big"] = files.Create("big.bin", 5 * 1024 * 1024),
                });
                var errors = r.Errors.ToList();
                if (r.Terminating != null) errors.Add(r.Terminating);
                bool delivered = SessionHarness.Eventually(() => kind.Delivered(server), TimeSpan.FromSeconds(errors.Count == 0 ? 5 : 0.5));
                Console.WriteLine("MATRIX " + kind.Name + " / " + fault + ": " + (errors.Count == 0 ? "delivered " + delivered
                    : string.Join(" | ", errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0] + ": " + e.Exception.Message))));
                string seen = kind.Name + " / " + fault + ": errors [" + string.Join(" | ", errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message))
                    + "], warnings [" + string.Join(" | ", r.Warnings) + "], delivered " + delivered;

                // Never silent: no error means everything arrived.
                Assert.True(errors.Count > 0 || delivered, "silently dropped: " + seen);
                Assert.All(errors, e => Assert.StartsWith("Wecom", e.FullyQualifiedErrorId));
                switch (Expected(kind, fault))
                {
                    case Expect.Delivered:
                        Assert.True(delivered && errors.Count == 0, "expected delivery: " + seen);
                        break;
                    case Expect.ErrorNamingErrCode:
                        Assert.True(errors.Count == 1 && errors[0].Exception.Message.Contains(ErrCode.ToString()), "expected the errcode: " + seen);
                        break;
                    case Expect.Timeout:
                        // A rolled-over stream piece whose ack never came is reported with how much it carried.
                        Assert.True(errors.Count == 1 && (errors[0].FullyQualifiedErrorId.StartsWith("WecomAckTimeout")
                            || errors[0].FullyQualifiedErrorId.StartsWith("WecomConnectTimeout")
                            || (errors[0].FullyQualifiedErrorId.StartsWith("WecomStreamIncomplete") && errors[0].Exception.Message.Contains("no ack"))),
                            "expected a timeout: " + seen);
                        break;
                    case Expect.ConnectFailedOrDelivered:
                        // The subscribe reached the server; whether its ack did decides which.
                        Assert.True(delivered || (errors.Count == 1 && errors[0].FullyQualifiedErrorId.StartsWith("WecomConnect")),
                            "expected a connect error or a session: " + seen);
                        break;
                    case Expect.DeliveryUnknown:
                        Assert.True(errors.Count == 1 && (errors[0].FullyQualifiedErrorId.StartsWith("WecomDeliveryUnknown")
                            || (errors[0].FullyQualifiedErrorId.StartsWith("WecomStreamIncomplete") && errors[0].Exception.Message.Contains("delivery is unknown"))),
                            "expected delivery unknown: " + seen);
                        break;
                }

                // No file handle left: the upload closed the file whatever happened.
                if (kind.Upload)
                    foreach (var f in Directory.GetFiles(files.Folder))
                        using (new FileStream(f, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }

                // Nothing left behind: the session is (again) connected on exactly one socket, and its background tasks
                // are back to what a connected session runs. A refused subscribe leaves no session and no socket.
                if (kind.Subscribe)
                {
                    session = SessionStore.Default;
                    if (session == null)
                    {
                        Assert.True(server.WaitForConnectionCount(0, Wait), "sockets left: " + server.ActiveConnectionCount);
                        return;
                    }
                    tasksBefore = 2;   // a connected session runs its reader and its heartbeat
                }
                Assert.True(SessionHarness.Eventually(() => session.State == WecomSessionState.Connected, Wait), "session " + session.State);
                Assert.True(SessionHarness.Eventually(() => server.ActiveConnectionCount == 1, Wait), "sockets: " + server.ActiveConnectionCount);
                Assert.True(SessionHarness.Eventually(() => session.BackgroundTaskCount <= tasksBefore, Wait),
                    "tasks " + session.BackgroundTaskCount + " > " + tasksBefore);
            }
            finally
            {
                ps.Dispose();
                files.Dispose();
                var violations = server.Violations;
                server.Dispose();
                Assert.Empty(violations);
            }
        }

        private static void Inject(WecomMockServer server, Kind kind, Fault fault)
        {
            switch (fault)
            {
                case Fault.ErrCode: server.FaultWhen(kind.Cmd, kind.Match, MockFault.ErrCode, ErrCode, count: 1000); break;
                case Fault.LostAck: server.FaultWhen(kind.Cmd, kind.Match, MockFault.LoseAck); break;
                case Fault.LateAck: server.FaultWhen(kind.Cmd, kind.Match, MockFault.LateAck); break;
                case Fault.ResetAfterWrite: server.FaultWhen(kind.Cmd, kind.Match, MockFault.DropConnection); break;
            }
        }
    }
}
