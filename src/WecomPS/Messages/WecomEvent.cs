using System.Collections.Generic;

namespace WecomPS.Messages
{
    /// <summary>An <c>aibot_event_callback</c>: MsgType is <c>event</c>, <see cref="EventType"/> says which.</summary>
    public abstract class WecomEvent : WecomMessage
    {
        public string EventType { get; internal set; }
        public string CorpId { get; internal set; }
        public override string ToString() => "[event:" + EventType + "] " + UserId + "@" + ChatId;
    }

    public sealed class CardSelection
    {
        public string QuestionKey { get; internal set; }
        public IReadOnlyList<string> OptionIds { get; internal set; }
        public override string ToString() => QuestionKey + "=" + string.Join(",", OptionIds);
    }
}

namespace WecomPS.Event
{
    using System.Collections.Generic;
    using WecomPS.Messages;

    // One class per eventtype. Their full names are the stable PSTypeNames (WecomPS.Event.EnterChat, ...).

    /// <summary>
    /// The user opened the single chat: answer within 5 s with a welcome (Send-WecomMessage -ReplyTo).
    /// </summary>
    public sealed class EnterChat : WecomEvent { }

    /// <summary>A click on a template card: update the card within 5 s (Send-WecomCard -UpdateFor).</summary>
    public sealed class TemplateCard : WecomEvent
    {
        public string CardType { get; internal set; }
        public string EventKey { get; internal set; }
        public string TaskId { get; internal set; }
        public IReadOnlyList<CardSelection> SelectedItems { get; internal set; } = new CardSelection[0];
    }

    /// <summary>Thumbs up/down on a reply or card that carried a feedback id.</summary>
    public sealed class Feedback : WecomEvent
    {
        public string FeedbackId { get; internal set; }
        /// <summary>1 accurate (thumbs up), 2 inaccurate, 3 withdrawn.</summary>
        public int? FeedbackType { get; internal set; }
        public string FeedbackKind =>
            FeedbackType == 1 ? "Accurate" : FeedbackType == 2 ? "Inaccurate" : FeedbackType == 3 ? "Withdrawn" : null;
        public string FeedbackContent { get; internal set; }
        public IReadOnlyList<int> InaccurateReasons { get; internal set; } = new int[0];
    }

    /// <summary>The server says a newer connection for this bot took over: this session stops for good.</summary>
    public sealed class Disconnected : WecomEvent { }

    /// <summary>An eventtype this module does not know yet: still delivered, with its raw body.</summary>
    public sealed class Unknown : WecomEvent { }
}
