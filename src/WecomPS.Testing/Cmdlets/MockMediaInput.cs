using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>Reading the media a test pushes (a file the test names), with the error record a test can act
    /// on.</summary>
    internal static class MockMediaInput
    {
        public static byte[] ReadFile(string path, out string fileName)
        {
            fileName = System.IO.Path.GetFileName(path);
            try
            {
                return System.IO.File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                var category = e is FileNotFoundException
                    || e is DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError;
                throw new MediaInputException(new ErrorRecord(e, "WecomMockMediaUnreadable", category, path));
            }
        }

        public sealed class MediaInputException : Exception
        {
            public MediaInputException(ErrorRecord record) : base(record.Exception.Message) { Record = record; }
            public ErrorRecord Record { get; }
        }
    }

    /// <summary>Completes -Event with the documented event types.</summary>
    public sealed class EventTypeCompleter : IArgumentCompleter
    {
        private static readonly string[] Types = { "enter_chat", "template_card_event", "feedback_event",
            "disconnected_event" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Types.Where(t => t.StartsWith(wordToComplete
                ?? "", StringComparison.OrdinalIgnoreCase)).Select(t => new CompletionResult(t));
    }
}
