using System;
using System.Collections.Generic;
using System.Linq;

namespace WecomPS.Session
{
    /// <summary>
    /// The conversations a session has seen, for -ChatId completion: bounded, the least recently seen forgotten first.
    /// </summary>
    internal sealed class KnownChats
    {
        private readonly Dictionary<string, ChatInfo> _chats = new Dictionary<string, ChatInfo>(StringComparer.Ordinal);

        public KnownChats(int capacity) { Capacity = Math.Max(1, capacity); }

        public int Capacity { get; }

        public int Count { get { lock (_chats) return _chats.Count; } }

        public void Seen(string chatId, string chatType, string userId, DateTimeOffset at)
        {
            lock (_chats)
            {
                // The common case, another message in a known conversation, allocates nothing that stays alive.
                if (_chats.TryGetValue(chatId, out var known) && known.ChatType == chatType
                    && known.LastUserId == userId)
                {
                    known.LastSeen = at;
                    return;
                }
                _chats[chatId] = new ChatInfo(chatId, chatType, userId, at);
                if (_chats.Count <= Capacity) return;
                // Evict a tenth at once so that a full table does not sort on every message.
                int excess = _chats.Count - Capacity + Math.Max(1, Capacity / 10);
                foreach (var old in _chats.Values.OrderBy(c => c.LastSeen).Take(excess)
                    .ToList()) _chats.Remove(old.ChatId);
            }
        }

        /// <summary>Copies: the table goes on updating its own entries.</summary>
        public IReadOnlyCollection<ChatInfo> Snapshot()
        {
            lock (_chats) return _chats.Values.Select(c => new ChatInfo(c.ChatId, c.ChatType, c.LastUserId,
                c.LastSeen)).ToList();
        }
    }

    /// <summary>A conversation this session has seen (for -ChatId completion).</summary>
    public sealed class ChatInfo
    {
        public string ChatId { get; }
        public string ChatType { get; }
        public string LastUserId { get; }
        public DateTimeOffset LastSeen { get; internal set; }
        public ChatInfo(string chatId, string chatType, string lastUserId, DateTimeOffset lastSeen)
        {
            ChatId = chatId; ChatType = chatType; LastUserId = lastUserId; LastSeen = lastSeen;
        }
        public override string ToString() => ChatId;
    }
}
