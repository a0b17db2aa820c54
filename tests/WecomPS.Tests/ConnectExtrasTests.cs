using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using WecomPS.Session;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>Connect-WecomBot -Scene, -PlugVersion and -MaxAuthFailureRetries, seen on the double's wire.</summary>
    [Collection("PowerShell")]
    public sealed class ConnectExtrasTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();

        public void Dispose()
        {
            _ps.Dispose();
            Assert.Empty(_server.Violations);
            _server.Dispose();
        }

        private WecomSession Connect(string extra)
        {
            var r = _ps.Connect(_server, extra);
            return (WecomSession)r.Output.Single().BaseObject;
        }

        [Fact]
        public void Scene_and_PlugVersion_go_into_aibot_subscribe_with_their_types()
        {
            Connect("-Scene 1 -PlugVersion '2.3.0'");
            var subscribe = Assert.Single(_server.FramesFor("aibot_subscribe"));
            var scene = subscribe.BodyElement("scene");
            Assert.Equal(JsonValueKind.Number, scene.ValueKind);
            Assert.Equal(1, scene.GetInt32());
            Assert.Equal("2.3.0", subscribe.BodyString("plug_version"));
            Assert.Equal(0, subscribe.AckErrcode);
        }

        [Fact]
        public void Without_them_the_subscribe_body_has_only_bot_id_and_secret()
        {
            Connect("");
            var subscribe = Assert.Single(_server.FramesFor("aibot_subscribe"));
            Assert.Equal(new[] { "bot_id", "secret" },
                subscribe.Body.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public void Scene_zero_is_sent_and_a_bad_value_is_refused_by_parameter_validation()
        {
            Connect("-Scene 0");
            Assert.Equal(0, Assert.Single(_server.FramesFor("aibot_subscribe")).BodyElement("scene").GetInt32());
            var error = _ps.Throws("Connect-WecomBot -BotId x -Secret y -Endpoint $e -Scene -1",
                new Dictionary<string, object> { ["e"] = _server.Endpoint });
            Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId);
            Assert.Single(_server.FramesFor("aibot_subscribe"));
        }

        [Fact]
        public void By_default_a_reconnect_refused_with_853000_fails_the_session_at_once()
        {
            var session = Connect("-ReconnectDelayMaxSec 1");
            _server.RejectNextSubscribes(1);
            _server.DropConnections();
            SessionHarness.WaitForState(session, WecomSessionState.Failed, Wait);
            Assert.Equal(853000, session.LastErrorCode);
            Assert.Equal(2, _server.FramesFor("aibot_subscribe").Count);
            Assert.True(_server.WaitForConnectionCount(0, Wait));
        }

        [Fact]
        public void MaxAuthFailureRetries_retries_refused_reconnects_with_the_backoff_and_recovers()
        {
            var session = Connect("-ReconnectDelayMaxSec 1 -MaxAuthFailureRetries 2");
            _server.RejectNextSubscribes(2);
            _server.DropConnections();
            Assert.True(_server.WaitForSubscribeCount(2, Wait), "the third reconnect attempt subscribes");
            SessionHarness.WaitForState(session, WecomSessionState.Connected, Wait);
            var subscribes = _server.FramesFor("aibot_subscribe");
            Assert.Equal(new int?[] { 0, 853000, 853000, 0 }, subscribes.Select(f => f.AckErrcode));
            Assert.Equal(1, session.Reconnects);
            var send = _ps.Run("Send-WecomMessage -ChatId lisi -Content 'back' -PassThru");
            Assert.Empty(send.Errors);
        }

        [Fact]
        public void MaxAuthFailureRetries_fails_the_session_after_one_refusal_more_than_allowed()
        {
            var session = Connect("-ReconnectDelayMaxSec 1 -MaxAuthFailureRetries 2");
            _server.RejectNextSubscribes(3);
            _server.DropConnections();
            SessionHarness.WaitForState(session, WecomSessionState.Failed, Wait);
            Assert.Equal(853000, session.LastErrorCode);
            Assert.Equal(new int?[] { 0, 853000, 853000, 853000 },
                _server.FramesFor("aibot_subscribe").Select(f => f.AckErrcode));
            Assert.True(_server.WaitForConnectionCount(0, Wait));
            var r = _ps.Run("Send-WecomMessage -ChatId lisi -Content 'x'");
            Assert.Equal("WecomSessionFailed", r.Errors.Single().FullyQualifiedErrorId.Split(',')[0]);
        }
    }
}
