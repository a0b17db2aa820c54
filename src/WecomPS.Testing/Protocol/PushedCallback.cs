using System;
using System.Collections.Generic;

namespace WecomPS.Testing.Protocol
{
    /// <summary>What the double remembers about a callback it pushed, to judge replies on its req_id.</summary>
    internal sealed class PushedCallback
    {
        public PushedCallback(string reqId, string cmd, string eventType, string userId, string chatId,
            DateTimeOffset pushedAt, string botId)
        {
            BotId = botId;
            ReqId = reqId;
            Cmd = cmd;
            EventType = eventType;
            UserId = userId;
            ChatId = chatId;
            PushedAt = pushedAt;
        }

        public string ReqId { get; }

        /// <summary>The bot it was pushed to: only that bot's connections may answer it.</summary>
        public string BotId { get; }

        /// <summary>aibot_msg_callback or aibot_event_callback.</summary>
        public string Cmd { get; }

        /// <summary>For events: enter_chat, template_card_event, ...; null for messages.</summary>
        public string EventType { get; }

        public string UserId { get; }
        public string ChatId { get; }
        public DateTimeOffset PushedAt { get; }

        /// <summary>The conversation the rate limit counts against: the group chatid, else the user.</summary>
        public string ConversationKey => ChatId ?? UserId;

        public bool IsMessage => Cmd == "aibot_msg_callback";

        /// <summary>A markdown / template_card / media / welcome reply was accepted.</summary>
        public bool OneShotUsed { get; set; }

        public Dictionary<string, StreamState> Streams { get; } = new Dictionary<string,
            StreamState>(StringComparer.Ordinal);
    }

    internal sealed class StreamState
    {
        public StreamState(DateTimeOffset firstFrameAt) => FirstFrameAt = firstFrameAt;

        public DateTimeOffset FirstFrameAt { get; }
        public bool Finished { get; set; }
        public int FrameCount { get; set; }
        public string LastContent { get; set; }
    }
}
