using System;
using System.Globalization;
using System.Management.Automation;
using WecomPS.Session;

namespace WecomPS.Media
{
    /// <summary>
    /// A file uploaded once (Publish-WecomMedia) whose media_id can be sent later, to many chats, while it lives:
    /// 3 days from the upload, and only by the bot that uploaded it (docs/protocol.md §6).
    /// </summary>
    public sealed class WecomMedia
    {
        /// <summary>How long WeCom keeps a media_id usable (docs/protocol.md §6).</summary>
        public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3);

        /// <summary>
        /// A media object for a media_id uploaded earlier by the bot of <paramref name="session"/> at
        /// <paramref name="uploadedAt"/> (e.g. one kept from another run).
        /// </summary>
        public WecomMedia(string mediaId, string mediaType, DateTimeOffset uploadedAt, WecomSession session,
            string fileName = null, long size = 0)
            : this(mediaId, mediaType, uploadedAt, session?.Name, session?.BotId, fileName, size, null)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
        }

        internal WecomMedia(string mediaId, string mediaType, DateTimeOffset uploadedAt, string sessionName,
            string botId, string fileName, long size, string sourcePath)
        {
            if (string.IsNullOrEmpty(mediaId)) throw new ArgumentException("A media id is required.", nameof(mediaId));
            if (Array.IndexOf(MediaLimits.MediaTypes, mediaType) < 0)
                throw new ArgumentException("The media type must be file, image, voice or video.", nameof(mediaType));
            MediaId = mediaId;
            MediaType = mediaType;
            UploadedAt = uploadedAt;
            Session = sessionName;
            BotId = botId;
            FileName = fileName;
            Size = size;
            SourcePath = sourcePath;
        }

        /// <summary>What <paramref name="session"/> uploaded: the object Publish-WecomMedia writes.</summary>
        internal static WecomMedia From(UploadedMedia uploaded, WecomSession session) =>
            new WecomMedia(uploaded.MediaId, uploaded.MediaType, uploaded.UploadedAt, session.Name, session.BotId,
                uploaded.FileName, uploaded.Size, uploaded.Path);

        public string MediaId { get; }
        /// <summary>file, image, voice or video: the message type it is sent as.</summary>
        public string MediaType { get; }
        /// <summary>The name shown in the chat.</summary>
        public string FileName { get; }
        public long Size { get; }
        public DateTimeOffset UploadedAt { get; }
        public DateTimeOffset ExpiresAt => UploadedAt + Lifetime;
        /// <summary>The name of the session that uploaded it.</summary>
        public string Session { get; }
        /// <summary>The bot that uploaded it: the only one that can send it.</summary>
        public string BotId { get; }
        /// <summary>The local file it was uploaded from, when known.</summary>
        public string SourcePath { get; }

        public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;

        /// <summary>
        /// Throws a WecomException when this media_id cannot be sent through <paramref name="session"/> at
        /// <paramref name="now"/>: it has expired, or another bot uploaded it. Nothing is sent in either case.
        /// </summary>
        public void EnsureSendableBy(WecomSession session, DateTimeOffset now)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            if (IsExpiredAt(now))
                throw new WecomException(ErrorIds.MediaIdExpired, ErrorCategory.ResourceUnavailable,
                    "The media " + Describe() + " expired at " + Stamp(ExpiresAt) + " (" + Ago(now - ExpiresAt) +
                    " ago): a media_id lives 3 days. Upload the file again with Publish-WecomMedia.");
            if (!string.Equals(BotId, session.BotId, StringComparison.Ordinal))
                throw new WecomException(ErrorIds.MediaFromOtherBot, ErrorCategory.InvalidArgument,
                    "The media " + Describe() + " was uploaded by bot " + BotId + " (session '" + Session +
                    "'); session '" + session.Name + "' is bot " + session.BotId + ". A media_id can only be sent " +
                    "by the bot that uploaded it: publish the file through this session.");
        }

        private string Describe() =>
            MediaType + " " + MediaId + (string.IsNullOrEmpty(FileName) ? "" : " ('" + FileName + "')");

        private static string Stamp(DateTimeOffset t) =>
            t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

        private static string Ago(TimeSpan span)
        {
            if (span.TotalDays >= 1) return span.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) + " days";
            if (span.TotalHours >= 1) return span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + " hours";
            return Math.Max(0, span.TotalMinutes).ToString("0", CultureInfo.InvariantCulture) + " minutes";
        }

        public override string ToString() => MediaType + " " + (FileName ?? "") + " -> " + MediaId;
    }

    /// <summary>
    /// Rebuilds a media object from its deserialized form (Export-Clixml then Import-Clixml, remoting, jobs), so a
    /// media object kept from an earlier run binds to Send-WecomFile -Media, with its expiry and bot checks, instead
    /// of reaching -Path as the text of its ToString(). Only that form converts: never a string or another object.
    /// </summary>
    public sealed class WecomMediaConverter : PSTypeConverter
    {
        private const string DeserializedName = "Deserialized.WecomPS.Media.WecomMedia";

        public override bool CanConvertFrom(object sourceValue, Type destinationType) =>
            destinationType == typeof(WecomMedia) && sourceValue is PSObject pso
            && pso.TypeNames.Contains(DeserializedName);

        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider,
            bool ignoreCase)
        {
            if (!CanConvertFrom(sourceValue, destinationType))
                throw new PSInvalidCastException("Only a deserialized WecomPS.Media.WecomMedia converts to one.");
            var pso = (PSObject)sourceValue;
            var uploadedAt = Time(pso.Properties["UploadedAt"]?.Value);
            if (uploadedAt == null)
                throw new PSInvalidCastException("The deserialized media object has no usable UploadedAt.");
            return new WecomMedia(Text(pso, "MediaId"), Text(pso, "MediaType"), uploadedAt.Value, Text(pso, "Session"),
                Text(pso, "BotId"), Text(pso, "FileName"),
                LanguagePrimitives.ConvertTo<long>(pso.Properties["Size"]?.Value ?? 0L), Text(pso, "SourcePath"));
        }

        public override bool CanConvertTo(object sourceValue, Type destinationType) => false;

        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider,
            bool ignoreCase) => throw new PSInvalidCastException("A media object converts to nothing else.");

        private static string Text(PSObject pso, string name) =>
            pso.Properties[name]?.Value is object v ? (v is PSObject p ? p.BaseObject : v).ToString() : null;

        /// <summary>A DateTimeOffset comes back as a property bag (UtcDateTime, Offset...), or as itself.</summary>
        private static DateTimeOffset? Time(object value)
        {
            if (value is PSObject p && !(p.BaseObject is PSCustomObject)) value = p.BaseObject;
            switch (value)
            {
                case DateTimeOffset dto: return dto;
                case DateTime dt: return new DateTimeOffset(dt.ToUniversalTime(), TimeSpan.Zero);
                case PSObject bag when bag.Properties["UtcDateTime"]?.Value is DateTime utc:
                    return new DateTimeOffset(DateTime.SpecifyKind(utc.ToUniversalTime(), DateTimeKind.Utc));
                default: return null;
            }
        }
    }
}
