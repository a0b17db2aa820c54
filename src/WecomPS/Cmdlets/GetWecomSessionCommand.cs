using System.Linq;
using System.Management.Automation;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "WecomSession")]
    [OutputType(typeof(WecomSession))]
    public sealed class GetWecomSessionCommand : WecomCmdlet
    {
        /// <summary>Session names; wildcards allowed. Default: every session.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Only the default session (the one cmdlets use without -Session).</summary>
        [Parameter] public SwitchParameter Default { get; set; }

        protected override void ProcessRecord()
        {
            if (Default)
            {
                if (SessionStore.Default != null) WriteObject(SessionStore.Default);
                return;
            }
            var all = SessionStore.All;
            if (Name == null || Name.Length == 0) { WriteObject(all, true); return; }
            foreach (var n in Name)
            {
                var pattern = WildcardPattern.Get(n, WildcardOptions.IgnoreCase);
                var hits = all.Where(s => pattern.IsMatch(s.Name)).ToList();
                if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                    WriteError(ErrorIds.SessionNotFound, ErrorCategory.ObjectNotFound,
                        "There is no WeCom session named '" + n + "'.", n);
                WriteObject(hits, true);
            }
        }
    }
}
