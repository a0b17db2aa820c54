using System;
using System.IO;
using System.Reflection;

namespace WecomPS
{
    /// <summary>
    /// Windows PowerShell 5.1 (.NET Framework) has no System.Text.Json: the module ships it and its dependencies in
    /// desktop/ and resolves them from there, only for the assemblies it ships, so other modules are not affected.
    /// PowerShell 7 uses the runtime's own copies and never registers this.
    /// </summary>
    internal static class DesktopAssemblyResolver
    {
        private static bool _registered;

        public static void Register()
        {
            if (_registered || !IsDesktop) return;
            _registered = true;
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        private static bool IsDesktop => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription
            .StartsWith(".NET Framework", StringComparison.Ordinal);

        private static readonly string Folder = Path.Combine(Path.GetDirectoryName(typeof(DesktopAssemblyResolver)
            .Assembly.Location) ?? ".", "desktop");

        private static Assembly Resolve(object sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name);
            var candidate = Path.Combine(Folder, name.Name + ".dll");
            if (!File.Exists(candidate)) return null;
            var found = AssemblyName.GetAssemblyName(candidate);
            // Only answer for what we ship, at a version at least the one asked for (binding redirects by hand).
            return found.Version >= name.Version ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
