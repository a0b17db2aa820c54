using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace WecomPS.Testing
{
    public sealed partial class WecomMockServer
    {
        private static readonly string[] CardCommands =
            { "aibot_send_msg", "aibot_respond_msg", "aibot_respond_welcome_msg" };

        /// <summary>
        /// The template cards with a task_id that clients sent and the double accepted (errcode 0), oldest first: the
        /// cards a user could click. Updates (aibot_respond_update_msg) are not new cards and are not listed.
        /// </summary>
        public IReadOnlyList<ReceivedFrame> SentCards
        {
            get
            {
                lock (_state.Sync)
                    return _state.Frames.Where(f => CardCommands.Contains(f.Cmd) && f.AckErrcode == 0
                        && f.BodyString("msgtype") == "template_card"
                        && f.BodyString("template_card.task_id") != null).ToArray();
            }
        }

        /// <summary>
        /// A user clicks a button of a card the client sent: pushes the template_card_event for it
        /// (docs/protocol.md §4.2). <paramref name="taskId"/> null = the last card sent with a task_id;
        /// <paramref name="key"/> is the button's key or its text, null = the first button. The click comes from the
        /// card's chat: the group it was sent to or replied in (<paramref name="chatId"/> overrides), else a single
        /// chat with <paramref name="userId"/>. An unknown task_id or key is an <see cref="ArgumentException"/> that
        /// lists what the cards have, so a test cannot click a button that was never shown.
        /// </summary>
        public PushedFrame ClickCard(string taskId = null, string key = null, string userId = "zhangsan",
            string chatId = null, string msgId = null, string reqId = null, int? connectionId = null)
        {
            var cards = SentCards;
            if (cards.Count == 0)
                throw new ArgumentException("No template card with a task_id was sent yet.", nameof(taskId));
            var card = taskId == null ? cards[cards.Count - 1]
                : cards.LastOrDefault(f => f.BodyString("template_card.task_id") == taskId);
            if (card == null)
                throw new ArgumentException("No card with task_id '" + taskId + "' was sent; the cards sent have: "
                    + string.Join(", ", cards.Select(f => f.BodyString("template_card.task_id")).Distinct()) + ".",
                    nameof(taskId));
            var usedTaskId = card.BodyString("template_card.task_id");
            var cardType = card.BodyString("template_card.card_type");
            var buttons = card.BodyElement("template_card.button_list");
            var keys = new List<KeyValuePair<string, string>>();
            if (buttons.ValueKind == JsonValueKind.Array)
                foreach (var b in buttons.EnumerateArray())
                    keys.Add(new KeyValuePair<string, string>(Str(b, "key"), Str(b, "text")));
            string eventKey;
            if (keys.Count == 0) eventKey = key ?? throw new ArgumentException("The card " + usedTaskId + " ("
                + cardType + ") has no button_list: give the key.", nameof(key));
            else if (key == null) eventKey = keys[0].Key;
            else
            {
                var hit = keys.FirstOrDefault(k => k.Key == key);
                if (hit.Key == null) hit = keys.FirstOrDefault(k => k.Value == key);
                if (hit.Key == null)
                    throw new ArgumentException("The card " + usedTaskId + " has no button with the key or text '" + key
                        + "'; its buttons: " + string.Join(", ", keys.Select(k => k.Key + " (" + k.Value + ")")) + ".",
                        nameof(key));
                eventKey = hit.Key;
            }
            chatId = Given(chatId) ?? GroupOf(card);
            var payload = new JsonObject
            {
                ["card_type"] = cardType,
                ["event_key"] = eventKey,
                ["task_id"] = usedTaskId,
            };
            return PushEvent("template_card_event", payload, userId, chatId, msgId, reqId, connectionId);
        }

        /// <summary>The group the card went to: a reply's callback chat, or a sent card's chatid when the double
        /// pushed something from that group; null for a single chat.</summary>
        private string GroupOf(ReceivedFrame card)
        {
            lock (_state.Sync)
            {
                if (card.Cmd != "aibot_send_msg")
                    return _state.Callbacks.TryGetValue(card.ReqId ?? "", out var callback) ? callback.ChatId : null;
                var target = card.BodyString("chatid");
                return _state.Callbacks.Values.Any(c => c.ChatId == target) ? target : null;
            }
        }

        private Task _deferredClicks = Task.CompletedTask;

        /// <summary>
        /// Clicks the next card the client sends, for a test whose script blocks while it waits for the click
        /// (Request-WecomApproval): returns at once; when a card with a task_id that was not there yet is accepted,
        /// the double pushes the click (<see cref="ClickCard"/>). Clicks queued before one card all go to that card,
        /// in the order queued. A click that cannot be made (no card within <paramref name="timeout"/>, default 30 s;
        /// an unknown key) is recorded in <see cref="Violations"/>, so the test that asserts none sees it.
        /// </summary>
        public void ClickNextCard(string key = null, string userId = "zhangsan", string chatId = null,
            TimeSpan? timeout = null)
        {
            int seen = SentCards.Count;
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
            lock (_state.Sync)
                _deferredClicks = _deferredClicks.ContinueWith(async _ =>
                {
                    while (SentCards.Count <= seen && !IsDisposed && DateTime.UtcNow < deadline)
                        await Task.Delay(20).ConfigureAwait(false);
                    if (IsDisposed) return;
                    string failure = null;
                    if (SentCards.Count <= seen) failure = "no card was sent within the timeout";
                    else
                    {
                        try { ClickCard(SentCards[seen].BodyString("template_card.task_id"), key, userId, chatId); }
                        catch (Exception e) when (e is ArgumentException || e is InvalidOperationException)
                        {
                            failure = e.Message;
                        }
                    }
                    if (failure != null)
                    {
                        lock (_state.Sync)
                            _state.Violations.Add(new ProtocolViolation(0, DateTimeOffset.UtcNow, null, null,
                                "the test kit could not click the next card (" + (key ?? "first button") + " by "
                                + userId + "): " + failure, ""));
                        _state.Changed.Notify();
                    }
                }, TaskScheduler.Default).Unwrap();
        }

        private static string Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.String
                ? v.GetString() : null;
    }
}
