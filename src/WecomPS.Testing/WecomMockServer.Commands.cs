using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Testing.Media;
using WecomPS.Testing.Protocol;
using WecomPS.Testing.Server;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private static readonly HashSet<string> KnownCommands = new HashSet<string>(StringComparer.Ordinal)
        {
            "aibot_subscribe", "ping", "aibot_send_msg", "aibot_respond_msg", "aibot_respond_welcome_msg",
                "aibot_respond_update_msg",
            "aibot_upload_media_init", "aibot_upload_media_chunk", "aibot_upload_media_finish",
        };

        private Task OnFrameAsync(MockConnection connection, byte[] utf8, bool isBinary)
        {
            if (_silent) return Task.CompletedTask;
            if (isBinary)
            {
                var binary = Record(new ReceivedFrame(connection.Id, DateTimeOffset.UtcNow, utf8, true, null, null));
                AddViolation(binary, "binary frame (every message must be a text frame holding one JSON object)");
                return Task.CompletedTask;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(utf8);
            }
            catch (JsonException e)
            {
                var unreadable = Record(new ReceivedFrame(connection.Id, DateTimeOffset.UtcNow, utf8, false, null,
                    null));
                AddViolation(unreadable, "not valid JSON: " + e.Message);
                return Task.CompletedTask;
            }

            using (document)
            {
                var envelope = Envelope.Read(document.RootElement);
                var recorded = envelope.Cmd == "aibot_upload_media_chunk" ? ChunkFrameSummary.WithoutData(utf8) : utf8;
                var frame = Record(new ReceivedFrame(connection.Id, DateTimeOffset.UtcNow, recorded, false,
                    envelope.Cmd, envelope.ReqId));
                CommandResult result;
                var matched = envelope.Problem == null ? TakeFault(envelope) : null;
                if (matched != null && matched.Kind == MockFault.ErrCode) result = matched.Refusal();
                else if (envelope.Problem == null) result = Handle(new CommandContext(_state, connection, envelope,
                    Now));
                else if (envelope.ReqId != null) result = CommandResult.Violating(ErrorCodes.InvalidFrame,
                    envelope.Problem);
                else result = CommandResult.NoAck(envelope.Problem);
                return AnswerAsync(connection, frame, result, matched?.Kind);
            }
        }

        private CommandResult Handle(CommandContext context)
        {
            try
            {
                if (!KnownCommands.Contains(context.Cmd))
                    return CommandResult.Violating(ErrorCodes.UnknownCommand, "unknown cmd '" + context.Cmd + "'");
                if (context.Cmd == "aibot_subscribe") return Subscribe(context);
                if (!IsServing(context.Connection)) return CommandResult.Error(ErrorCodes.NotSubscribed);

                switch (context.Cmd)
                {
                    case "ping": return CommandResult.Ok();
                    case "aibot_send_msg": return MessageCommands.SendMessage(context);
                    case "aibot_respond_msg": return MessageCommands.Respond(context);
                    case "aibot_respond_welcome_msg": return MessageCommands.RespondWelcome(context);
                    case "aibot_respond_update_msg": return MessageCommands.RespondUpdate(context);
                    case "aibot_upload_media_init": return UploadCommands.Init(context);
                    case "aibot_upload_media_chunk": return UploadCommands.Chunk(context);
                    default: return UploadCommands.Finish(context);
                }
            }
            catch (RuleBrokenException e)
            {
                return e.ToResult();
            }
            catch (Exception e)
            {
                // A bug in the double: answer like a flaky backend and make it visible to the test.
                return CommandResult.Error(ErrorCodes.SystemError).WithViolation("double failed handling "
                    + context.Cmd + ": " + e);
            }
        }

        private bool IsServing(MockConnection connection)
        {
            lock (_state.Sync)
                return connection.IsSubscribed && !(connection.IsKicked
                    && Options.KickedConnectionsAnswerNotSubscribed);
        }

        private CommandResult Subscribe(CommandContext context)
        {
            if (!context.HasBody || context.Body.ValueKind != JsonValueKind.Object)
                throw RuleBrokenException.Shape(ErrorCodes.InvalidCredentials,
                    "body with bot_id and secret is required");
            var botId = Fields.RequiredString(context.Body, "bot_id", "body.bot_id", ErrorCodes.InvalidCredentials);
            var secret = Fields.RequiredString(context.Body, "secret", "body.secret", ErrorCodes.InvalidCredentials);
            // Optional keys the SDK merges in (docs/protocol.md §2): scene a number, plug_version a string.
            if (Fields.TryGet(context.Body, "scene", out var scene)
                && (scene.ValueKind != JsonValueKind.Number || !scene.TryGetInt64(out _)))
                throw RuleBrokenException.Shape(ErrorCodes.InvalidField, "body.scene must be an integer");
            if (Fields.TryGet(context.Body, "plug_version", out var plugVersion)
                && plugVersion.ValueKind != JsonValueKind.String)
                throw RuleBrokenException.Shape(ErrorCodes.InvalidField, "body.plug_version must be a string");
            // Wrong credentials leave the socket open, as the real server does (docs/protocol.md §2).
            if (!Accepts(botId, secret)) return CommandResult.Error(ErrorCodes.InvalidCredentials);

            MockConnection[] kicked;
            lock (_state.Sync)
            {
                var connection = context.Connection;
                connection.BotId = botId;
                connection.IsSubscribed = true;
                connection.IsKicked = false;
                kicked = _connections.Values
                    .Where(c => c != connection && c.IsSubscribed && !c.IsKicked && !c.IsClosed && c.BotId == botId)
                    .ToArray();
                foreach (var old in kicked) old.IsKicked = true;
            }
            Interlocked.Increment(ref _successfulSubscribes);
            foreach (var old in kicked) Kick(old);
            return CommandResult.Ok();
        }

        private bool Accepts(string botId, string secret)
        {
            if (botId == Options.BotId) return secret == Options.Secret;
            var more = Options.AdditionalBots;
            return more != null && more.TryGetValue(botId, out var expected) && expected != null && secret == expected;
        }

        /// <summary>The older connection of a bot gets disconnected_event, then a RST after KickCloseDelay
        /// (docs/protocol.md §1.2).</summary>
        private void Kick(MockConnection old)
        {
            var json = BuildEvent(old.BotId ?? Options.BotId, "disconnected_event", null, null, null, null, null,
                out _, out _);
            _tasks.Track(KickAsync(old, Encoding.UTF8.GetBytes(json)));
        }

        private async Task KickAsync(MockConnection old, byte[] disconnectedEvent)
        {
            if (!_silent) await old.SendAsync(disconnectedEvent).ConfigureAwait(false);
            try
            {
                await Task.Delay(Options.KickCloseDelay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            old.Abort();
        }

        private async Task AnswerAsync(MockConnection connection, ReceivedFrame frame, CommandResult result,
            MockFault? forced = null)
        {
            if (result.Violation != null) AddViolation(frame, result.Violation);
            if (!result.SendsAck)
            {
                result.AfterAck?.Invoke();
                return;
            }

            var errmsg = result.BuildErrmsg();
            frame.SetAck(result.Errcode, errmsg);
            lock (_state.Sync) _state.Acks.Add(new SentAck(connection.Id, DateTimeOffset.UtcNow, frame.Cmd,
                frame.ReqId, result.Errcode, errmsg));
            _state.Changed.Notify();
            if (forced == MockFault.DropConnection) connection.Abort();
            if (forced == MockFault.LoseAck || forced == MockFault.DropConnection)
            {
                result.AfterAck?.Invoke();
                return;
            }
            var ack = AckWriter.Build(frame.ReqId, result.Errcode, errmsg, result.WriteBody);

            var delay = forced == MockFault.LateAck ? LateAckDelay : Options.AckDelay;
            if (delay > TimeSpan.Zero)
            {
                // The receive loop goes on; the ack follows later, like over a slow WAN.
                _tasks.Track(SendAckLaterAsync(connection, ack, delay, result.AfterAck));
                return;
            }
            await SendAckAsync(connection, ack, result.AfterAck).ConfigureAwait(false);
        }

        private async Task SendAckLaterAsync(MockConnection connection, byte[] ack, TimeSpan delay, Action afterAck)
        {
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                afterAck?.Invoke();
                return;
            }
            await SendAckAsync(connection, ack, afterAck).ConfigureAwait(false);
        }

        private async Task SendAckAsync(MockConnection connection, byte[] ack, Action afterAck)
        {
            // The command stops being "in flight" before its ack goes out, not after the write returns: a client that
            // sends its next chunk as soon as it reads this ack must never find the slot still taken (a spurious -1 for
            // a client that keeps exactly MaxChunksInFlightPerUpload unacked chunks).
            afterAck?.Invoke();
            if (!_silent) await connection.SendAsync(ack).ConfigureAwait(false);
        }

        private ReceivedFrame Record(ReceivedFrame frame)
        {
            lock (_state.Sync) _state.Frames.Add(frame);
            _state.Changed.Notify();
            RaiseSafely(FrameReceived, frame);
            return frame;
        }

        private void AddViolation(ReceivedFrame frame, string reason)
        {
            var raw = frame.Raw;
            var excerpt = raw.Length > 1000 ? raw.Substring(0, 1000) + "..." : raw;
            lock (_state.Sync) _state.Violations.Add(new ProtocolViolation(frame.ConnectionId, DateTimeOffset.UtcNow,
                frame.Cmd, frame.ReqId, reason, excerpt));
            _state.Changed.Notify();
        }

        private void OnFrameTooBig(MockConnection connection, string reason)
        {
            lock (_state.Sync)
                _state.Violations.Add(new ProtocolViolation(connection.Id, DateTimeOffset.UtcNow, null, null, reason,
                    ""));
            _state.Changed.Notify();
        }
    }
}
