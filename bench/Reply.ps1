#Requires -Version 7.2
<#
.SYNOPSIS
    Reply latency under PowerShell: the double (in this pwsh) pushes a text message; the script receives it and replies
    with Send-WecomMessage -ReplyTo, which returns after the server's ack. Latency = push -> that ack (p50, p99).
    Connect-WecomBot -SendsPerMinute 0 turns the client's own per-conversation pacing off (it would otherwise hold the 31st
    reply of a minute on purpose). Prints "RESULT {json}".
#>
param(
    [Parameter(Mandatory)] [string] $BenchAssembly,
    [int] $Count = 300
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
Add-Type -Path (Join-Path $root 'src/WecomPS.Testing/bin/Release/netstandard2.1/WecomPS.Testing.dll')
Import-Module (Join-Path $root 'out/WecomPS/WecomPS.psd1')

$server = [WecomPS.Testing.WecomMockServer]::Start()
$lat = [Collections.Generic.List[double]]::new()
$errors = 0
try {
    $secret = ConvertTo-SecureString $server.Secret -AsPlainText -Force
    Connect-WecomBot -BotId $server.BotId -Secret $secret -Endpoint $server.Endpoint -SendsPerMinute 0 -Name bench
    for ($i = -20; $i -lt $Count; $i++) {   # the first 20 are warm-up
        $t0 = [Diagnostics.Stopwatch]::GetTimestamp()
        $null = $server.PushText("question $i", "user$($i % 16)")
        $m = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        try { Send-WecomMessage -ReplyTo $m -Content "answer $i" -ErrorAction Stop }
        catch { $errors++ }
        $ms = ([Diagnostics.Stopwatch]::GetTimestamp() - $t0) * 1000.0 / [Diagnostics.Stopwatch]::Frequency
        if ($i -ge 0) { $lat.Add($ms) }
    }
    $refused = @($server.Acks | Where-Object { $_.Cmd -eq 'aibot_respond_msg' -and $_.Errcode -ne 0 }).Count
    $errors += $refused
    Disconnect-WecomBot bench
}
finally { $server.Dispose() }
$sorted = [double[]]$lat.ToArray(); [Array]::Sort($sorted)
function Pct([double[]] $v, [double] $p) { $v[[Math]::Max(0, [Math]::Min($v.Length - 1, [Math]::Ceiling($p / 100 * $v.Length) - 1))] }
'RESULT ' + (@{ n = $sorted.Length; p50 = (Pct $sorted 50); p99 = (Pct $sorted 99); max = $sorted[-1]; errors = $errors } | ConvertTo-Json -Compress)
