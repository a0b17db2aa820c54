using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace WecomPS.Session
{
    /// <summary>
    /// The module's sessions by name, and the default one. Lives as long as the module is loaded; module removal
    /// and process exit close every session.
    /// </summary>
    public static class SessionStore
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, WecomSession> ByName = new Dictionary<string,
            WecomSession>(StringComparer.OrdinalIgnoreCase);
        private static WecomSession _default;

        static SessionStore()
        {
            AppDomain.CurrentDomain.ProcessExit += (s, e) => CloseAll(TimeSpan.FromMilliseconds(500));
        }

        public static WecomSession Default { get { lock (Gate) return _default; } }

        public static IReadOnlyList<WecomSession> All { get { lock (Gate) return ByName.Values.OrderBy(s
            => s.CreatedAt).ToList(); } }

        public static WecomSession Get(string name)
        {
            lock (Gate) return ByName.TryGetValue(name, out var s) ? s : null;
        }

        /// <summary>
        /// Opens a session: a session of the same name is closed first (one connection per name, and per bot: the
        /// server would take the bot over anyway), then the new one connects. It is not registered: the caller
        /// <see cref="Add"/>s it (which makes it the default) when it hands it on. When it cannot connect it is
        /// disposed. <paramref name="attach"/> sees the new session before it connects (to show its log) and returns
        /// what to dispose afterwards.
        /// </summary>
        public static async Task<WecomSession> OpenAsync(WecomSessionOptions options, Func<WecomSession,
            IDisposable> attach,
            System.Threading.CancellationToken ct)
        {
            var name = options.SessionName;
            WecomSession existing;
            lock (Gate) existing = ByName.TryGetValue(name, out var s) ? s : null;
            var session = new WecomSession(options);
            using (attach?.Invoke(session))
            {
                if (existing != null)
                {
                    session.Log.Verbose("Replacing session '" + existing.Name + "': closing its connection first.");
                    Remove(existing);
                    await existing.DisconnectAsync().ConfigureAwait(false);
                }
                try
                {
                    await session.ConnectAsync(ct).ConfigureAwait(false);
                }
                catch
                {
                    session.Dispose();
                    throw;
                }
            }
            return session;
        }

        /// <summary>Adds a session under its name and makes it the default; returns the session it replaces, if
        /// any.</summary>
        public static WecomSession Add(WecomSession session)
        {
            lock (Gate)
            {
                ByName.TryGetValue(session.Name, out var old);
                ByName[session.Name] = session;
                _default = session;
                return ReferenceEquals(old, session) ? null : old;
            }
        }

        /// <summary>True when a registered session has this name (ignoring case) or this bot id.</summary>
        public static bool Holds(string name, string botId)
        {
            lock (Gate)
                return ByName.ContainsKey(name)
                    || ByName.Values.Any(s => string.Equals(s.BotId, botId, StringComparison.Ordinal));
        }

        public static void Remove(WecomSession session)
        {
            lock (Gate)
            {
                if (ByName.TryGetValue(session.Name, out var s)
                    && ReferenceEquals(s, session)) ByName.Remove(session.Name);
                if (ReferenceEquals(_default, session)) _default = ByName.Values.OrderByDescending(x => x.CreatedAt)
                    .FirstOrDefault();
            }
        }

        /// <summary>Disconnects and forgets every session (module removal, process exit).</summary>
        public static void CloseAll(TimeSpan timeout)
        {
            List<WecomSession> all;
            lock (Gate) { all = ByName.Values.ToList(); ByName.Clear(); _default = null; }
            if (all.Count == 0) return;
            var closing = all.Select(s => s.DisconnectAsync(timeout)).ToArray();
            // Open replies are finished first (bounded): give them their budget on top.
            try { Task.WaitAll(closing, timeout + OpenReplies.FinishBudget + TimeSpan.FromSeconds(1)); } catch { }
        }
    }
}
