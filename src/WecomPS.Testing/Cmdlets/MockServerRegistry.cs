using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace WecomPS.Testing.Cmdlets
{
    /// <summary>The servers Start-WecomMockServer started in this process, oldest first.</summary>
    internal static class MockServerRegistry
    {
        private static readonly List<WecomMockServer> Servers = new List<WecomMockServer>();

        public static void Add(WecomMockServer server)
        {
            lock (Servers) Servers.Add(server);
        }

        public static void Remove(WecomMockServer server)
        {
            lock (Servers) Servers.Remove(server);
        }

        /// <summary>Running servers, oldest first.</summary>
        public static IReadOnlyList<WecomMockServer> All
        {
            get { lock (Servers) return Servers.Where(s => !s.IsDisposed).ToArray(); }
        }

        /// <summary>The most recently started server that still runs, or null.</summary>
        public static WecomMockServer Current => All.LastOrDefault();

        /// <summary>Stops (disposes) every registered server; returns them.</summary>
        public static IReadOnlyList<WecomMockServer> StopAll()
        {
            WecomMockServer[] servers;
            lock (Servers)
            {
                servers = Servers.ToArray();
                Servers.Clear();
            }
            foreach (var server in servers) server.Dispose();
            return servers;
        }
    }

    /// <summary>Remove-Module WecomPS.Testing stops every server the module started: no listener outlives it.</summary>
    public sealed class TestKitModuleLifetime : IModuleAssemblyCleanup
    {
        /// <summary>Called by PowerShell when the module is removed.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo) => MockServerRegistry.StopAll();
    }
}
