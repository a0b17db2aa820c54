<#
.SYNOPSIS
    Posts a build report to a WeCom chat: a markdown summary, then the build log as a file.
.DESCRIPTION
    A sample runbook. The bot's credentials come from the WECOM_BOT_ID and WECOM_BOT_SECRET environment variables
    (secret variables in CI or Azure Automation). tests/Pester/RunbookExample.Tests.ps1 tests it against the WeCom double.
.EXAMPLE
    ./samples/Send-BuildReport.ps1 -ChatId wrOps -BuildName 'api #512' -Status failed -LogPath ./build.log
#>
[CmdletBinding()]
param(
    # The chat to post to: a group chatid, or a userid for a single chat.
    [Parameter(Mandatory)] [string] $ChatId,
    [Parameter(Mandatory)] [string] $BuildName,
    [ValidateSet('passed', 'failed')] [string] $Status = 'passed',
    [Parameter(Mandatory)] [string] $LogPath,
    # The WeCom long-connection endpoint; tests point it at the double.
    [uri] $Endpoint
)

$ErrorActionPreference = 'Stop'
$connect = @{}
if ($Endpoint) { $connect.Endpoint = $Endpoint }

Connect-WecomBot @connect
try {
    $color = if ($Status -eq 'passed') { 'info' } else { 'warning' }
    $report = "## Build $BuildName <font color=`"$color`">$Status</font>`n" +
              "> Finished $(Get-Date -Format 'yyyy-MM-dd HH:mm'), log attached: $(Split-Path $LogPath -Leaf)"
    Send-WecomMessage -ChatId $ChatId -Content $report
    Send-WecomFile -ChatId $ChatId -Path $LogPath
}
finally {
    Disconnect-WecomBot
}
