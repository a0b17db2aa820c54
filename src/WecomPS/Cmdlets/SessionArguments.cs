using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Linq;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    /// <summary>Lets <c>-Session</c> take a session name as well as a session object.</summary>
    public sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is string name)
            {
                var session = SessionStore.Get(name);
                if (session == null) throw new ArgumentTransformationMetadataException("There is no WeCom session named '" + name + "'. Get-WecomSession lists them.");
                return session;
            }
            return value;
        }
    }

    public sealed class SessionNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var s in SessionStore.All.Where(s => s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                yield return new CompletionResult(Quote(s.Name), s.Name, CompletionResultType.ParameterValue, s.BotId + " (" + s.State + ")");
        }

        internal static string Quote(string s) => s.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', ',', '@', '&', '#' }) >= 0 ? "'" + s.Replace("'", "''") + "'" : s;
    }

    /// <summary>Completes -ChatId from the conversations the session has seen, newest first, with the last sender.</summary>
    public sealed class ChatIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            WecomSession session = null;
            if (fakeBoundParameters != null && fakeBoundParameters.Contains("Session"))
            {
                var v = fakeBoundParameters["Session"];
                v = v is PSObject p ? p.BaseObject : v;
                session = v as WecomSession ?? (v is string n ? SessionStore.Get(n) : null);
            }
            var sessions = session != null ? new[] { session } : SessionStore.All.ToArray();
            return sessions.SelectMany(s => s.KnownChats)
                .Where(c => c.ChatId.StartsWith(prefix, StringComparison.Ordinal))
                .OrderByDescending(c => c.LastSeen)
                .GroupBy(c => c.ChatId).Select(g => g.First())
                .Select(c => new CompletionResult(SessionNameCompleter.Quote(c.ChatId), c.ChatId, CompletionResultType.ParameterValue,
                    c.ChatType + " chat, last sender " + c.LastUserId + " at " + c.LastSeen.ToString("yyyy-MM-dd HH:mm:ss")))
                .ToList();
        }
    }
}
