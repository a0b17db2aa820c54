using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Linq;
using System.Text;
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
                if (session == null) throw new ArgumentTransformationMetadataException(
                    "There is no WeCom session named '" + name + "'. Get-WecomSession lists them.");
                return session;
            }
            return value;
        }
    }

    public sealed class SessionNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = CompletionQuoting.Unquote(wordToComplete);
            foreach (var s in SessionStore.All.Where(s => s.Name.StartsWith(prefix,
                StringComparison.OrdinalIgnoreCase)))
                yield return new CompletionResult(Quote(s.Name), s.Name, CompletionResultType.ParameterValue, s.BotId
                    + " (" + s.State + ")");
        }

        internal static string Quote(string s) => CompletionQuoting.Quote(s);
    }

    /// <summary>
    /// Puts a server-supplied value into a command line so that the parser passes exactly that string as one argument.
    /// </summary>
    internal static class CompletionQuoting
    {
        /// <summary>
        /// Bare only when the value is a plain word: an ASCII letter, then ASCII letters, digits, '_', '.' or '-'
        /// (nothing the parser reads as an operator, a parameter, a number, a variable, a comment or a quote).
        /// Anything else goes in single quotes, with every character PowerShell takes for a single quote
        /// (' U+2018 U+2019 U+201A U+201B) doubled.
        /// </summary>
        internal static string Quote(string s)
        {
            if (s == null) return "''";
            if (IsPlainWord(s)) return s;
            var quoted = new StringBuilder(s.Length + 2).Append('\'');
            foreach (var c in s)
            {
                quoted.Append(c);
                if (IsSingleQuote(c)) quoted.Append(c);
            }
            return quoted.Append('\'').ToString();
        }

        /// <summary>What the user typed so far, without its opening quote (and closing one), unescaped.</summary>
        internal static string Unquote(string word)
        {
            if (string.IsNullOrEmpty(word)) return "";
            if (IsSingleQuote(word[0]))
            {
                var body = word.Substring(1);
                var text = new StringBuilder(body.Length);
                for (int i = 0; i < body.Length; i++)
                {
                    if (IsSingleQuote(body[i]))
                    {
                        if (i + 1 < body.Length && IsSingleQuote(body[i + 1])) { text.Append(body[i]); i++; continue; }
                        break;   // the closing quote
                    }
                    text.Append(body[i]);
                }
                return text.ToString();
            }
            if (IsDoubleQuote(word[0]))
            {
                var body = word.Substring(1);
                bool closed = body.Length > 0 && IsDoubleQuote(body[body.Length - 1]);
                return closed ? body.Substring(0, body.Length - 1) : body;
            }
            return word;
        }

        private static bool IsPlainWord(string s)
        {
            if (s.Length == 0 || !IsAsciiLetter(s[0])) return false;
            foreach (var c in s)
                if (!IsAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-') return false;
            return true;
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        internal static bool IsSingleQuote(char c) => c == '\'' || (c >= '\u2018' && c <= '\u201B');

        private static bool IsDoubleQuote(char c) => c == '"' || (c >= '\u201C' && c <= '\u201E');
    }

    /// <summary>Completes -ChatId from the conversations the session has seen, newest first, with the last
    /// sender.</summary>
    public sealed class ChatIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = CompletionQuoting.Unquote(wordToComplete);
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
                .Select(c => new CompletionResult(SessionNameCompleter.Quote(c.ChatId), c.ChatId,
                    CompletionResultType.ParameterValue,
                    c.ChatType + " chat, last sender " + c.LastUserId + " at "
                        + c.LastSeen.ToString("yyyy-MM-dd HH:mm:ss")))
                .ToList();
        }
    }
}
