using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;
namespace WecomPS.Tests {
public class SmokeTests {
  [Fact] public void EngineRuns() {
    using var ps = PowerShell.Create(InitialSessionState.CreateDefault2());
    var r = ps.AddScript("Get-Date | Select-Object -ExpandProperty Year").Invoke();
    Assert.Single(r);
  }
}}
