#Requires -Version 7.2
<#
.SYNOPSIS
    Inbound under PowerShell: the double runs in this pwsh (WecomPS.Testing assembly), pushes from a background thread,
    and Receive-WecomMessage -Wait -Count N emits the objects. Prints "RESULT {json}".
    rates      : N / (first push -> Nth object out of the cmdlet), pushing and receiving at the same time
    pushRates  : how fast the double itself pushed in those runs (if close to rates, the double is the limit)
    rawRates   : the same with frames prebuilt in the double's shape and sent with PushRaw (rawPushRates: its send rate)
    drainRates : N queued in the inbox first, then only Receive-WecomMessage (the pipeline's own rate)
    latency    : pushes at ~1000 msg/s carrying DateTime.UtcNow.Ticks; latency measured in ForEach-Object downstream,
                 split at WecomMessage.ReceivedAt (when the session parsed the frame)
#>
param(
    [Parameter(Mandatory)] [string] $BenchAssembly,
    [int] $Runs = 3,
    [int] $Count = 100000,
    [int] $LatencyCount = 5000
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
Add-Type -Path (Join-Path $root 'src/WecomPS.Testing/bin/Release/netstandard2.1/WecomPS.Testing.dll')
Import-Module (Join-Path $root 'out/WecomPS/WecomPS.psd1')
Add-Type -Path $BenchAssembly   # WecomPS.Bench.Pusher: pushes on a pool thread

$rates = [Collections.Generic.List[double]]::new()
$pushRates = [Collections.Generic.List[double]]::new()
$drainRates = [Collections.Generic.List[double]]::new()
$rawRates = [Collections.Generic.List[double]]::new()
$rawPushRates = [Collections.Generic.List[double]]::new()

function Connect-Double($server, [int] $capacity) {
    $secret = ConvertTo-SecureString $server.Secret -AsPlainText -Force
    Connect-WecomBot -BotId $server.BotId -Secret $secret -Endpoint $server.Endpoint -InboxCapacity $capacity -Name bench
}

for ($r = 0; $r -lt $Runs; $r++) {
    $server = [WecomPS.Testing.WecomMockServer]::Start()
    try {
        Connect-Double $server ($Count * 2)
        # warm-up (JIT of the receive path and of the cmdlet)
        $null = [WecomPS.Bench.Pusher]::BurstAsync($server, 2000).GetAwaiter().GetResult()
        $null = Receive-WecomMessage -Wait -Count 2000 -Timeout 60

        $clock = [Diagnostics.Stopwatch]::StartNew()
        $push = [WecomPS.Bench.Pusher]::BurstAsync($server, $Count)
        $null = Receive-WecomMessage -Wait -Count $Count -Timeout 300
        $clock.Stop()
        $rates.Add($Count / $clock.Elapsed.TotalSeconds)
        $pushRates.Add($Count / $push.GetAwaiter().GetResult())
        $s = Get-WecomSession -Name bench
        if ($s.InboxCount -ne 0 -or $s.MessagesReceived -lt $Count + 2000) { Write-Output "warning: inbox $($s.InboxCount), received $($s.MessagesReceived)" }

        # prebuilt frames through PushRaw: the double no longer builds JSON per push
        $frames = [WecomPS.Bench.Pusher]::PrebuiltFrames($server, $Count)
        $null = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $push = [WecomPS.Bench.Pusher]::BurstRawAsync($server, $frames)
        $null = Receive-WecomMessage -Wait -Count $Count -Timeout 300
        $clock.Stop()
        $rawRates.Add($Count / $clock.Elapsed.TotalSeconds)
        $rawPushRates.Add($Count / $push.GetAwaiter().GetResult())
        $frames = $null

        # pipeline only: queue first, then drain
        $null = [WecomPS.Bench.Pusher]::BurstAsync($server, $Count).GetAwaiter().GetResult()
        while ((Get-WecomSession -Name bench).InboxCount -lt $Count) { Start-Sleep -Milliseconds 20 }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $null = Receive-WecomMessage -Wait -Count $Count -Timeout 300
        $clock.Stop()
        $drainRates.Add($Count / $clock.Elapsed.TotalSeconds)
        Disconnect-WecomBot bench
    }
    finally { $server.Dispose() }
}

# latency at a moderate rate
$server = [WecomPS.Testing.WecomMockServer]::Start()
$lat = [Collections.Generic.List[double]]::new()
$toSession = [Collections.Generic.List[double]]::new()
try {
    Connect-Double $server 100000
    $null = [WecomPS.Bench.Pusher]::BurstAsync($server, 1000).GetAwaiter().GetResult()
    $null = Receive-WecomMessage -Wait -Count 1000 -Timeout 60
    $push = [WecomPS.Bench.Pusher]::PacedAsync($server, $LatencyCount, 1000)
    Receive-WecomMessage -Wait -Count $LatencyCount -Timeout 120 | ForEach-Object { $lat.Add([WecomPS.Bench.Pusher]::MillisecondsSince($_.Content)); $toSession.Add([WecomPS.Bench.Pusher]::PushToSession($_)) }
    $null = $push.GetAwaiter().GetResult()
    Disconnect-WecomBot bench
}
finally { $server.Dispose() }
$sorted = [double[]]$lat.ToArray(); [Array]::Sort($sorted)
$sortedSession = [double[]]$toSession.ToArray(); [Array]::Sort($sortedSession)
function Pct([double[]] $v, [double] $p) { $v[[Math]::Max(0, [Math]::Min($v.Length - 1, [Math]::Ceiling($p / 100 * $v.Length) - 1))] }
'RESULT ' + (@{
    count = $Count; rates = $rates; pushRates = $pushRates; drainRates = $drainRates; rawRates = $rawRates; rawPushRates = $rawPushRates
    latency = @{ n = $sorted.Length; p50 = (Pct $sorted 50); p99 = (Pct $sorted 99); max = $sorted[-1]; sessionP50 = (Pct $sortedSession 50); sessionP99 = (Pct $sortedSession 99) }
} | ConvertTo-Json -Compress -Depth 4)
