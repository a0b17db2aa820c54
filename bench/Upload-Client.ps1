#Requires -Version 7.2
<#
.SYNOPSIS
    Client side of the upload benchmark under PowerShell: Send-WecomFile to a double that runs in another process
    (WecomPS.Bench), so this process's memory is measured alone. Prints "RESULT {json}".
    The secret comes from $env:WECOM_BENCH_SECRET. Peak = VmHWM (reset through /proc/self/clear_refs) above VmRSS after a full GC.
#>
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $BotId,
    [Parameter(Mandatory)] [string] $File,
    [string] $WarmupFile,
    [int] $Runs = 3
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'out/WecomPS/WecomPS.psd1')

function Get-Kb([string] $key) {
    foreach ($line in [IO.File]::ReadLines('/proc/self/status')) {
        if ($line.StartsWith("${key}:")) { return [long](($line.Substring($key.Length + 1).Trim() -split ' ')[0]) }
    }
    return [Environment]::WorkingSet / 1KB
}

$seconds = [Collections.Generic.List[double]]::new()
$peaks = [Collections.Generic.List[long]]::new()
$failures = 0
$errorText = $null
try {
    $secret = ConvertTo-SecureString $env:WECOM_BENCH_SECRET -AsPlainText -Force
    Connect-WecomBot -BotId $BotId -Secret $secret -Endpoint $Endpoint -SendsPerMinute 0
    if (-not $WarmupFile) { $WarmupFile = $File }
    $null = Send-WecomFile -ChatId zhangsan -Path $WarmupFile -PassThru
    for ($r = 0; $r -lt $Runs; $r++) {
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $baseline = (Get-Kb 'VmRSS') * 1KB
        try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5') } catch { }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        try {
            $result = Send-WecomFile -ChatId zhangsan -Path $File -PassThru
            $clock.Stop()
            if (-not $result) { throw 'Send-WecomFile returned nothing' }
            $seconds.Add($clock.Elapsed.TotalSeconds)
        }
        catch { $failures++; $errorText = "$_" }
        $peaks.Add([Math]::Max(0, (Get-Kb 'VmHWM') * 1KB - $baseline))
    }
}
catch { $failures++; $errorText = "$_" }
finally { try { Disconnect-WecomBot -ErrorAction SilentlyContinue } catch { } }
'RESULT ' + (@{ seconds = $seconds; peakExtraBytes = $peaks; failures = $failures; error = $errorText } | ConvertTo-Json -Compress)
