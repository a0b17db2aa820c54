using System;
using System.Collections.Generic;
using System.Text.Json;

namespace WecomPS.Messages
{
    /// <summary>
    /// An inbound message or event (<c>aibot_msg_callback</c> / <c>aibot_event_callback</c>), as a pipeline object.
    /// Subclasses add the fields of each msgtype; <see cref="RawBody"/> keeps everything, unknown fields included.
    /// </summary>
    public class WecomMessage
    {
        public string MsgId { get; internal set; }
        /// <summary>text, image, mixed, voice, file, video, event, or whatever the server sent.</summary>
        public string MsgType { get; internal set; }
        /// <summary>single or group.</summary>
        public string ChatType { get; internal set; }
        /// <summary>The group's chatid, or the sender's userid in a single chat: a proactive send to it reaches the
        /// conversation.</summary>
        public string ChatId { get; internal set; }
        public string UserId { get; internal set; }
        /// <summary>Text of text and voice messages, joined text of mixed ones; null for media.</summary>
        public string Content { get; internal set; }
        /// <summary>The callback's req_id: replies travel under it.</summary>
        public string ReqId { get; internal set; }
        public DateTimeOffset ReceivedAt { get; internal set; }
        /// <summary>How long ago the session received it. A property of the class rather than a ScriptProperty in
        /// WecomPS.Types.ps1xml, whose script block Import-Module compiled (bench/README.md, import).</summary>
        public TimeSpan Age => DateTimeOffset.Now - ReceivedAt;
        public DateTimeOffset? CreateTime { get; internal set; }
        public string AibotId { get; internal set; }
        public string ResponseUrl { get; internal set; }
        public string Cmd { get; internal set; }
        /// <summary>The quoted message, when the user quoted one.</summary>
        public QuotedMessage Quote { get; internal set; }
        /// <summary>The name of the session that received it.</summary>
        public string SessionName { get; internal set; }
        /// <summary>The callback's <c>body</c> as JSON text (aes keys included: treat it as sensitive).</summary>
        public string RawBody => _rawBody ?? (_rawBody = BodySource == null ? null : Body.GetRawText());
        private string _rawBody;

        /// <summary>The body (a private copy of its bytes), parsed only when someone asks: RawBody, GetBody(),
        /// the fields of media and events.</summary>
        internal Protocol.JsonBody BodySource { get; set; }

        internal JsonElement Body => BodySource?.Element ?? default;

        /// <summary>
        /// The stable PowerShell type name: the CLR type's own name (<c>WecomPS.Message.Text</c>,
        /// <c>WecomPS.Event.EnterChat</c>...), so PSTypeNames carry it at no cost per message.
        /// </summary>
        public string PSTypeName => GetType().FullName;

        public bool IsEvent => this is WecomEvent;

        /// <summary>The body as a JsonElement, for fields no property exposes.</summary>
        public JsonElement GetBody() => Body;

        public override string ToString() => "[" + MsgType + "] " + UserId + "@" + ChatId + ": " + (Content ?? "");
    }

    /// <summary>image, file or video: an encrypted download at <see cref="Url"/> (valid about 5 minutes).</summary>
    public abstract class MediaMessage : WecomMessage
    {
        public string Url { get; internal set; }
        /// <summary>The AES-256 key for <see cref="Url"/>. Sensitive: not shown by the default views.</summary>
        public string AesKey { get; internal set; }
        /// <summary>A file name when the server sends one (not documented); else null.</summary>
        public string FileName { get; internal set; }
        public long? FileSize { get; internal set; }
        public override string ToString() => "[" + MsgType + "] " + UserId + "@" + ChatId + ": " + (FileName
            ?? Protocol.FrameRedactor.RedactUrl(Url));
    }

    public sealed class MixedItem
    {
        public string MsgType { get; internal set; }
        public string Content { get; internal set; }
        public string Url { get; internal set; }
        public string AesKey { get; internal set; }
        public override string ToString() => MsgType == "text" ? Content : "[" + MsgType + "]";
    }

    public sealed class QuotedMessage
    {
        public string MsgType { get; internal set; }
        public string Content { get; internal set; }
        public string Url { get; internal set; }
        public string AesKey { get; internal set; }
        public IReadOnlyList<MixedItem> Items { get; internal set; }
        public override string ToString() => Content ?? "[" + MsgType + "]";
    }
}

namespace WecomPS.Message
{
    using System;
    using System.Collections.Generic;
    using WecomPS.Messages;

    // One class per msgtype. Their full names are the stable PSTypeNames (WecomPS.Message.Text, ...).

    public sealed class Text : WecomMessage { }

    /// <summary>Speech, already transcribed by WeCom: <see cref="WecomMessage.Content"/>; there is no media
    /// URL.</summary>
    public sealed class Voice : WecomMessage { }

    public sealed class Image : MediaMessage { }

    public sealed class File : MediaMessage { }

    public sealed class Video : MediaMessage { }

    /// <summary>Text and images in one message; <see cref="WecomMessage.Content"/> joins the text parts.</summary>
    public sealed class Mixed : WecomMessage
    {
        public IReadOnlyList<MixedItem> Items { get; internal set; } = Array.Empty<MixedItem>();
        public IEnumerable<MixedItem> Images { get { foreach (var i in Items) if (
            i.MsgType == "image") yield return i; } }
    }

    /// <summary>A msgtype this module does not know yet: still delivered, with its raw body.</summary>
    public sealed class Unknown : WecomMessage { }
}
