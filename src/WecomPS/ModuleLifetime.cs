using System;
using System.Management.Automation;
using WecomPS.Session;

namespace WecomPS
{
    /// <summary>Module removal (Remove-Module WecomPS) disconnects every session: no socket or task outlives
    /// it.</summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            // PowerShell 7.0-7.3 run on .NET 3.1-7, whose System.Text.Json is older than the 8.0 this module needs:
            // say so plainly instead of failing later with a FileLoadException.
            var framework = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
            if (!framework.StartsWith(".NET Framework", StringComparison.Ordinal) && Environment.Version.Major < 8)
                throw new PlatformNotSupportedException(
                    "WecomPS needs PowerShell 7.4 or later (or Windows PowerShell 5.1); this is " + framework + ".");
            DesktopAssemblyResolver.Register();
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            SessionStore.CloseAll(TimeSpan.FromSeconds(2));
        }
    }
}
