using System.Collections.Generic;

namespace WecomPS.Messages
{
    /// <summary>An <c>aibot_event_callback</c>: MsgType is <c>event</c>, <see cref="EventType"/> says which.</summary>
    public class WecomEvent : WecomMessage
    {
        public string EventType { get; internal set; }
        public string CorpId { get; internal set; }
        public override string PSTypeName => "WecomPS.Event." + Pascal(EventType);
        public override string ToString() => "[event:" + EventType + "] " + UserId + "@" + ChatId;
    }

    /// <summary>The user opened the single chat: answer within 5 s with a welcome (Send-WecomMessage -ReplyTo).</summary>
    public class EnterChatEvent : WecomEvent { }

    public class TemplateCardEvent : WecomEvent
    {
        public string CardType { get; internal set; }
        public string EventKey { get; internal set; }
        public string TaskId { get; internal set; }
        public IReadOnlyList<CardSelection> SelectedItems { get; internal set; } = new CardSelection[0];
        public override string PSTypeName => "WecomPS.Event.TemplateCard";
    }

    public sealed class CardSelection
    {
        public string QuestionKey { get; internal set; }
        public IReadOnlyList<string> OptionIds { get; internal set; }
        public override string ToString() => QuestionKey + "=" + string.Join(",", OptionIds);
    }

    public class FeedbackEvent : WecomEvent
    {
        public string FeedbackId { get; internal set; }
        /// <summary>1 accurate (thumbs up), 2 inaccurate, 3 withdrawn.</summary>
        public int? FeedbackType { get; internal set; }
        public string FeedbackKind => FeedbackType == 1 ? "Accurate" : FeedbackType == 2 ? "Inaccurate" : FeedbackType == 3 ? "Withdrawn" : null;
        public string FeedbackContent { get; internal set; }
        public IReadOnlyList<int> InaccurateReasons { get; internal set; } = new int[0];
        public override string PSTypeName => "WecomPS.Event.Feedback";
    }

    /// <summary>The server says a newer connection for this bot took over: this session stops for good.</summary>
    public class DisconnectedEvent : WecomEvent
    {
        public override string PSTypeName => "WecomPS.Event.Disconnected";
    }

    public class UnknownEvent : WecomEvent
    {
        public override string PSTypeName => "WecomPS.Event.Unknown";
    }
}
