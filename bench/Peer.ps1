#Requires -Version 7.2
<#
.SYNOPSIS
    Side-by-side peer under PowerShell (issue 14), driven by WecomPS.Bench through the same line protocol as
    node-peer/peer.js (stdout "READY <pid>", "ARMED", "DONE <json>"; stdin connect | warm N | burst N | latency N |
    reply N | idle FILE HB | gc | quit). The double runs in WecomPS.Bench, not here.
    -Kind WecomPS : Receive-WecomMessage -Wait -Count N ; $m | Send-WecomMessage -Content ; Connect-WecomBot with every bot piped in
    -Kind Floor   : the PowerShell floor from the bench assembly (bench/WecomPS.Bench/FloorCmdlets.cs):
                    Receive-BenchFloor -Count N ; $m | Send-BenchFloorReply
    Times are [Diagnostics.Stopwatch]::GetTimestamp() (CLOCK_MONOTONIC ns on Linux, the clock of the bench and of node).
    The secret comes from WECOM_BENCH_SECRET.
#>
param(
    [Parameter(Mandatory)] [ValidateSet('WecomPS', 'Floor')] [string] $Kind,
    [Parameter(Mandatory)] [string] $BenchAssembly,
    [string] $Endpoint,
    [string] $BotId
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
if ($Kind -eq 'WecomPS') { Import-Module (Join-Path $root 'out/WecomPS/WecomPS.psd1') }
Import-Module $BenchAssembly   # Add-BenchArrival (both kinds), the floor cmdlets
$ProgressPreference = 'SilentlyContinue'

function Out-Line([string] $s) { [Console]::Out.WriteLine($s); [Console]::Out.Flush() }
function Gc-Counts { @([GC]::CollectionCount(0), [GC]::CollectionCount(1), [GC]::CollectionCount(2)) }

Out-Line "READY $PID"
while ($null -ne ($line = [Console]::In.ReadLine())) {
    $parts = $line.Trim() -split '\s+'
    $cmd = $parts[0]
    $n = if ($parts.Count -gt 1 -and $parts[1] -match '^\d+$') { [int] $parts[1] } else { 0 }
    $r = [ordered]@{}
    try {
        switch ($cmd) {
            'connect' {
                if ($Kind -eq 'WecomPS') {
                    $secret = ConvertTo-SecureString $env:WECOM_BENCH_SECRET -AsPlainText -Force
                    Connect-WecomBot -BotId $BotId -Secret $secret -Endpoint $Endpoint -Name bench -SendsPerMinute 0 -InboxCapacity 1000000
                }
                else { Connect-BenchFloor -Endpoint $Endpoint -BotId $BotId -Secret $env:WECOM_BENCH_SECRET }
            }
            'warm' {
                Out-Line 'ARMED'
                if ($Kind -eq 'WecomPS') { $null = Receive-WecomMessage -Wait -Count $n -Timeout 300 } else { $null = Receive-BenchFloor -Count $n }
            }
            'burst' {
                $g = Gc-Counts; $p = [GC]::GetTotalPauseDuration()
                Out-Line 'ARMED'
                if ($Kind -eq 'WecomPS') { $null = Receive-WecomMessage -Wait -Count $n -Timeout 300 } else { $null = Receive-BenchFloor -Count $n }
                $r.end = [Diagnostics.Stopwatch]::GetTimestamp()
                $h = Gc-Counts; $r.gen0 = $h[0] - $g[0]; $r.gen1 = $h[1] - $g[1]; $r.gen2 = $h[2] - $g[2]
                $r.pauseMs = ([GC]::GetTotalPauseDuration() - $p).TotalMilliseconds
            }
            'latency' {
                [WecomPS.Bench.Floor.AddBenchArrivalCommand]::Reset($n)
                $g = Gc-Counts
                Out-Line 'ARMED'
                if ($Kind -eq 'WecomPS') { Receive-WecomMessage -Wait -Count $n -Timeout 300 | Add-BenchArrival } else { Receive-BenchFloor -Count $n | Add-BenchArrival }
                $h = Gc-Counts; $r.gen0 = $h[0] - $g[0]; $r.gen1 = $h[1] - $g[1]; $r.gen2 = $h[2] - $g[2]
                $r.t = [WecomPS.Bench.Floor.AddBenchArrivalCommand]::Times
            }
            'reply' {
                $t = [long[]]::new($n); $errors = 0
                if ($Kind -eq 'Floor') { [WecomPS.Bench.Floor.FloorConnection]::Current.WantReqId = $true }
                $g = Gc-Counts
                Out-Line 'ARMED'
                for ($i = 0; $i -lt $n; $i++) {
                    if ($Kind -eq 'WecomPS') {
                        $m = Receive-WecomMessage -Wait -Count 1 -Timeout 30
                        try { $m | Send-WecomMessage -Content "answer $i" -ErrorAction Stop } catch { $errors++ }
                    }
                    else {
                        $m = Receive-BenchFloor -Count 1 -WantReqId
                        try { $m | Send-BenchFloorReply "answer $i" -ErrorAction Stop } catch { $errors++ }
                    }
                    $t[$i] = [Diagnostics.Stopwatch]::GetTimestamp()
                }
                $h = Gc-Counts; $r.gen0 = $h[0] - $g[0]; $r.gen1 = $h[1] - $g[1]
                $r.t = $t; $r.errors = $errors
            }
            'idle' {
                $bots = Get-Content -Raw $parts[1] | ConvertFrom-Json
                $hb = [int] $parts[2]
                # One pipeline, as an admin host connects its bots: Connect-WecomBot overlaps the handshakes
                # (-ThrottleLimit at a time) and hands the sessions on in input order.
                $i = 0
                $rows = foreach ($b in $bots) {
                    [pscustomobject]@{ BotId = $b.bot; Name = "idle$i"
                        Secret = ConvertTo-SecureString $b.secret -AsPlainText -Force }
                    $i++
                }
                $endpoint = $bots[0].endpoint
                $clock = [Diagnostics.Stopwatch]::StartNew()   # first connect -> last authenticated
                try { $rows | Connect-WecomBot -Endpoint $endpoint -HeartbeatIntervalSec $hb } catch { $r.error = "$_" }
                $ok = @(Get-WecomSession | Where-Object Name -like 'idle*').Count
                $r.seconds = $clock.Elapsed.TotalSeconds; $r.connected = $ok
            }
            'gc' { [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect() }
            'quit' { Out-Line 'DONE {}'; exit 0 }
            default { throw "unknown command $cmd" }
        }
    }
    catch { $r.error = "$_" }
    Out-Line ('DONE ' + ($r | ConvertTo-Json -Compress -Depth 3))
}
