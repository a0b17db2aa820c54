using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using WecomPS.Testing;
using Xunit;

namespace WecomPS.Tests
{
    [Collection("PowerShell")]
    public sealed class ProxyTests : IDisposable
    {
        private readonly WecomMockServer _server = WecomMockServer.Start();
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly TestProxy _proxy = new TestProxy();
        private readonly TestFiles _files = new TestFiles();

        public void Dispose() { _ps.Dispose(); _server.Dispose(); _proxy.Dispose(); _files.Dispose(); }

        [Fact]
        public void The_websocket_and_media_downloads_go_through_the_proxy()
        {
            _ps.Connect(_server, "-Proxy " + _proxy.Address);
            Assert.Contains(_proxy.RequestLines, l => l.Contains("127.0.0.1:" + _server.Port));
            var data = new byte[5000]; new Random(3).NextBytes(data);
            _server.PushFile(data, "via-proxy.bin");
            var r = _ps.Run("Receive-WecomMessage -Wait -Count 1 -Timeout 5 | Save-WecomMedia -Destination $d", new Dictionary<string, object> { ["d"] = _files.Folder });
            Assert.Empty(r.Errors);
            Assert.Equal(data, File.ReadAllBytes(Path.Combine(_files.Folder, "via-proxy.bin")));
            Assert.Contains(_proxy.RequestLines, l => l.Contains("/media/"));
        }
    }
}
