using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using WecomPS.Messages;

namespace WecomPS.Media
{
    /// <summary>
    /// Which media an inbound message carries, and the name each is saved under when the server gives none: an
    /// image, file or video message has one; a mixed message one per picture; a quoted message's media only when
    /// asked for. Names are built from the msgid so that saving the same message twice finds the same name.
    /// </summary>
    public static class MessageMedia
    {
        public static IReadOnlyList<MediaReference> Of(WecomMessage m, bool includeQuote)
        {
            var refs = new List<MediaReference>();
            string hint = m.MsgType + "_" + SafeHint(m);
            switch (m)
            {
                case MediaMessage media:
                    refs.Add(new MediaReference
                    {
                        MsgType = m.MsgType, Url = media.Url, AesKey = media.AesKey, FileName = media.FileName,
                            NameHint = hint,
                    });
                    break;
                case WecomPS.Message.Mixed mixed:
                    int n = 0;
                    foreach (var item in mixed.Items.Where(i => i.Url != null))
                        refs.Add(Item(item, item.MsgType + "_" + SafeHint(m) + "_" + (++n)));
                    break;
            }
            if (includeQuote && m.Quote != null)
            {
                if (m.Quote.Url != null)
                    refs.Add(new MediaReference { MsgType = m.Quote.MsgType, Url = m.Quote.Url,
                        AesKey = m.Quote.AesKey, NameHint = "quote_" + hint });
                int q = 0;
                foreach (var item in (m.Quote.Items ?? new MixedItem[0]).Where(i => i.Url != null))
                    refs.Add(Item(item, "quote_" + item.MsgType + "_" + SafeHint(m) + "_" + (++q)));
            }
            return refs;
        }

        private static MediaReference Item(MixedItem item, string hint) =>
            new MediaReference { MsgType = item.MsgType, Url = item.Url, AesKey = item.AesKey, NameHint = hint };

        private static string SafeHint(WecomMessage m)
        {
            var id = Regex.Replace(m.MsgId ?? "", "[^A-Za-z0-9_-]", "");
            if (id.Length > 24) id = id.Substring(0, 24);
            return id.Length > 0 ? id : m.ReceivedAt.ToString("yyyyMMdd_HHmmss");
        }
    }
}
