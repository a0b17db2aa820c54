using System;
using System.Management.Automation;
using WecomPS.Session;

namespace WecomPS
{
    /// <summary>Module removal (Remove-Module WecomPS) disconnects every session: no socket or task outlives it.</summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            DesktopAssemblyResolver.Register();
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            SessionStore.CloseAll(TimeSpan.FromSeconds(2));
        }
    }
}
