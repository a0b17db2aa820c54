using System;
using System.IO;

namespace WecomPS.Tests
{
    /// <summary>A temp folder with files of known random content, removed at the end.</summary>
    public sealed class TestFiles : IDisposable
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "wecomps-tests-" + Guid.NewGuid().ToString("n"));

        public TestFiles() { Directory.CreateDirectory(Folder); }

        public string Create(string name, int size, int seed = 1)
        {
            var bytes = new byte[size];
            new Random(seed).NextBytes(bytes);
            var path = Path.Combine(Folder, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose()
        {
            try { Directory.Delete(Folder, true); } catch { }
        }
    }
}
