using System;
using System.Collections.Generic;
using System.Threading;
using WecomPS.Messages;
using WecomPS.Protocol;

namespace WecomPS.Session
{
    /// <summary>
    /// What the connection's reader thread does with each frame: an ack completes the command waiting for it; a
    /// callback becomes a typed message, is dropped if it is a redelivery, and goes to the inbox. Owns the dedup
    /// table, the known chats and the inbound counters. Nothing a frame holds may end the reader.
    /// </summary>
    internal sealed class InboundDispatcher
    {
        private readonly string _sessionName;
        private readonly SessionLog _log;
        private readonly Inbox _inbox;
        private readonly PendingRequests _pending;
        private readonly RecentIds _recentIds;
        private readonly KnownChats _chats;
        private readonly Action<WecomMessage> _received;
        private long _messagesReceived, _duplicatesDropped, _framesSkipped;

        public InboundDispatcher(string sessionName, WecomSessionOptions options, SessionLog log, Inbox inbox,
            PendingRequests pending, Action<WecomMessage> received)
        {
            _sessionName = sessionName; _log = log; _inbox = inbox; _pending = pending; _received = received;
            _recentIds = new RecentIds(options.DedupCapacity, options.DedupWindow, options.UtcClock,
                options.DedupMaxIds);
            _chats = new KnownChats(options.KnownChatsCapacity);
        }

        public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
        public long DuplicatesDropped => Interlocked.Read(ref _duplicatesDropped);
        public long FramesSkipped => Interlocked.Read(ref _framesSkipped);
        public IReadOnlyCollection<ChatInfo> KnownChats => _chats.Snapshot();

        public void OnFrame(ArraySegment<byte> utf8)
        {
            try { Handle(utf8); }
            catch (Exception e)
            {
                Skipped("a frame that could not be handled (" + e.GetType().Name + ": " + e.Message + ")", utf8);
            }
        }

        /// <summary>A message over the size cap: the connection read it to its end and dropped it.</summary>
        public void Oversized(long size, int cap)
        {
            Interlocked.Increment(ref _framesSkipped);
            _log.Verbose("Skipped a frame of " + size + " bytes: larger than MaxInboundFrameBytes (" + cap
                + " bytes); it was not kept.");
        }

        /// <summary>Counts a frame that was not delivered and says why in a Verbose line.</summary>
        public void Skipped(string what, ArraySegment<byte> utf8)
        {
            Interlocked.Increment(ref _framesSkipped);
            if (_log.VerboseEnabled) _log.Verbose("Skipped " + what + ": " + Excerpt(utf8));
        }

        private void Handle(ArraySegment<byte> utf8)
        {
            if (_log.DebugEnabled) _log.Debug("<- " + FrameRedactor.Redact(utf8));
            InboundFrame frame;
            try { frame = InboundFrame.Parse(utf8); }
            catch (FormatException e)
            {
                Skipped("a malformed frame (" + e.Message.Split('\n')[0] + ")", utf8);
                return;
            }

            if (frame.IsAck)
            {
                if (!_pending.Complete(frame))
                    _log.Verbose("<- ack for " + frame.ReqId + " that nobody waits for (late or unknown): ignored.");
                return;
            }
            if (frame.Cmd == null || !MessageParser.IsCallback(frame.Cmd))
            {
                Skipped("an unknown frame (cmd " + (frame.Cmd ?? "none") + ", req_id " + frame.ReqId + ")", utf8);
                return;
            }
            WecomMessage message;
            try { message = MessageParser.Parse(frame, DateTimeOffset.Now); }
            catch (Exception e)
            {
                Skipped("a " + frame.Cmd + " frame that could not be read (" + e.Message + ")", utf8);
                return;
            }
            message.SessionName = _sessionName;
            Deliver(message);
        }

        private void Deliver(WecomMessage message)
        {
            if (!_recentIds.TryAccept(message.MsgId, message.ReceivedAt.UtcDateTime))
            {
                Interlocked.Increment(ref _duplicatesDropped);
                _log.Verbose("<- " + message.Cmd + " msgid " + message.MsgId
                    + " was already delivered: duplicate dropped.");
                return;
            }
            Interlocked.Increment(ref _messagesReceived);
            if (message.ChatId != null)
                _chats.Seen(message.ChatId, message.ChatType, message.UserId, message.ReceivedAt);
            if (_log.VerboseEnabled)
                _log.Verbose("<- " + message.Cmd + " " + message.ReqId + " "
                    + (message is WecomEvent ev ? "event " + ev.EventType : message.MsgType) + " msgid "
                        + message.MsgId);
            _inbox.Add(message);
            _received(message);
        }

        /// <summary>A short redacted excerpt of a frame for Verbose: secrets, aes keys and URL signatures
        /// masked.</summary>
        private static string Excerpt(ArraySegment<byte> utf8)
        {
            try { return FrameRedactor.Redact(utf8, 160); }
            catch { return "(" + utf8.Count + " bytes)"; }
        }
    }
}
