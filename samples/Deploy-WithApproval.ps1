<#
.SYNOPSIS
    Deploys a version only after an approver clicks Approve on a WeCom card.
.DESCRIPTION
    A sample gated runbook. It asks the chat with a button card (Request-WecomApproval), waits for a decision by
    one of the approvers, runs the deployment only when approved, and reports the outcome in the chat. Clicks by
    anyone else are answered ("not an approver") and do not count. With no decision within -TimeoutSec the chat is
    told that the request expired and the runbook fails with the error WecomApprovalTimeout, deploying nothing.
    The bot's credentials come from the WECOM_BOT_ID and WECOM_BOT_SECRET environment variables.
    tests/Pester/Approval.Tests.ps1 tests it against the WeCom double (approved, rejected, timed out, a stranger).
.EXAMPLE
    ./samples/Deploy-WithApproval.ps1 -ChatId wrOps -Version v2.3 -Approver zhangsan, lisi -Deploy { ./deploy.ps1 v2.3 }
#>
[CmdletBinding()]
param(
    # The chat to ask: a group chatid, or a userid for a single chat.
    [Parameter(Mandatory)] [string] $ChatId,
    [Parameter(Mandatory)] [string] $Version,
    # Who may decide (userids). Everyone else's clicks are refused.
    [Parameter(Mandatory)] [string[]] $Approver,
    # The deployment itself; it runs only when approved.
    [scriptblock] $Deploy = { Write-Verbose "Deploying $Version" },
    [int] $TimeoutSec = 900,
    # The WeCom long-connection endpoint; tests point it at the double.
    [uri] $Endpoint
)

$ErrorActionPreference = 'Stop'
$connect = @{}
if ($Endpoint) { $connect.Endpoint = $Endpoint }

Connect-WecomBot @connect
try {
    $approval = Request-WecomApproval -ChatId $ChatId -Title "Deploy $Version to production?" `
        -Description "Requested by $env:USERNAME$env:USER at $(Get-Date -Format 'HH:mm')" `
        -Approver $Approver -TimeoutSec $TimeoutSec
    $deployed = $approval.Decision -eq 'Approve'
    if ($deployed) {
        & $Deploy
        Send-WecomMessage -ChatId $ChatId -Content "Deployed **$Version** (approved by $($approval.DecidedBy))."
    }
    else {
        $said = "Deployment of **$Version** stopped: rejected by $($approval.DecidedBy)."
        Send-WecomMessage -ChatId $ChatId -Content $said
    }
    [pscustomobject]@{ Version = $Version; Deployed = $deployed; Approval = $approval }
}
finally {
    Disconnect-WecomBot
}
