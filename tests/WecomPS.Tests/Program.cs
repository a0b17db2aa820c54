namespace WecomPS.Tests
{
    /// <summary>
    /// The test host never calls this. <c>dotnet WecomPS.Tests.dll secret-heap-child ...</c> runs the child process of
    /// <see cref="SecretHeapTests"/>, whose heap the test walks.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == SecretHeapChild.Verb) return SecretHeapChild.Run(args);
            System.Console.Error.WriteLine("This is a test assembly; run it with dotnet test.");
            return 1;
        }
    }
}
