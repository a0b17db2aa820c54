#Requires -Version 7.4
<#
.SYNOPSIS
    A sample WeCom bot, run end to end against the in-process WeCom double: no credentials, no network.
.DESCRIPTION
    Starts the double on loopback (WecomPS.Testing), connects, lets a user say something, answers it, sends a markdown
    report and a file, shows the session, disconnects, then prints what went over the wire.
    Run it with `dotnet pwsh ./build.ps1 Demo` (which builds first), or directly after a build.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = Split-Path $PSScriptRoot -Parent
# The modules as the build stages them: plain module folders under out/.
foreach ($module in 'out/WecomPS', 'out/WecomPS.Testing') {
    $folder = Join-Path $root $module
    if (-not (Test-Path (Join-Path $folder '*.dll'))) {
        throw "$module is missing: build first (dotnet pwsh ./build.ps1)."
    }
    Import-Module $folder
}

function Write-Line([string] $who, [string] $text, [ConsoleColor] $color) {
    Write-Host ('  {0,-6} ' -f $who) -ForegroundColor $color -NoNewline
    Write-Host $text
}

# One readable line per frame the bot sent: the cmd and the fields that matter.
function Format-Frame($frame) {
    $b = $frame.Body
    $what = switch ($frame.Cmd) {
        'aibot_subscribe'           { "bot_id=$($b.bot_id) secret=(hidden)" }
        'ping'                      { 'heartbeat' }
        'aibot_respond_msg'         {
            if ($b.msgtype -eq 'stream') { "req_id=$($frame.ReqId) stream.content=`"$($b.stream.content)`" finish=$($b.stream.finish)" }
            else { "req_id=$($frame.ReqId) msgtype=$($b.msgtype)" }
        }
        'aibot_send_msg'            {
            if ($b.msgtype -eq 'markdown') { "chatid=$($b.chatid) markdown=`"$($b.markdown.content -replace "`n", '\n')`"" }
            else { "chatid=$($b.chatid) msgtype=$($b.msgtype) media_id=$($b.($b.msgtype).media_id)" }
        }
        'aibot_upload_media_init'   { "type=$($b.type) filename=$($b.filename) total_size=$($b.total_size) total_chunks=$($b.total_chunks)" }
        'aibot_upload_media_chunk'  { "chunk_index=$($b.chunk_index) base64_data=$($b.base64_data)" }
        'aibot_upload_media_finish' { "upload_id=$($b.upload_id)" }
        default                     { $frame.Raw }
    }
    '{0,-26} {1}  -> errcode {2}' -f $frame.Cmd, $what, $frame.AckErrcode
}

$mock = Start-WecomMockServer -BotId 'aib-demo-bot'
$file = Join-Path ([IO.Path]::GetTempPath()) "wecomps-demo-$PID.txt"
Set-Content -Path $file -Value "Build #512`nAll 42 tests passed.`n"
try {
    Write-Host "WeCom double listening at $($mock.Endpoint)" -ForegroundColor Cyan
    Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -Name demo

    Write-Host "`nConversation" -ForegroundColor Cyan
    Send-WecomMockMessage -Server $mock -Text 'Is the build green?' -UserId lisi | Out-Null
    $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
    if (-not $message) { throw 'The pushed message did not arrive.' }
    Write-Line $message.UserId $message.Content Yellow

    $answer = 'Yes: build #512 passed. Report and log follow.'
    $message | Send-WecomMessage -Content $answer
    Write-Line 'bot' "(reply) $answer" Green

    $report = "## Build #512 <font color=`"info`">passed</font>`n> 42 tests, 0 failures"
    Send-WecomMessage -ChatId $message.ChatId -Content $report
    Write-Line 'bot' "(markdown) $($report -replace "`n", ' / ')" Green

    Send-WecomFile -ChatId $message.ChatId -Path $file
    Write-Line 'bot' "(file) $(Split-Path $file -Leaf)" Green

    Write-Host "`nSession" -ForegroundColor Cyan
    Get-WecomSession | Format-List Name, BotId, Endpoint, State, ConnectedSince, MessagesReceived, Reconnects | Out-String | Write-Host
    Disconnect-WecomBot

    Write-Host 'On the wire (frames the bot sent, from Get-WecomMockFrame)' -ForegroundColor Cyan
    Get-WecomMockFrame -Server $mock | ForEach-Object { Write-Host ('  ' + (Format-Frame $_)) }
    $upload = Get-WecomMockUpload -Server $mock
    Write-Host "`nThe double reassembled '$($upload.FileName)': $($upload.Bytes.Length) bytes, md5 $($upload.Md5)."
    if ($mock.Violations.Count -gt 0) { throw "Protocol violations: $($mock.Violations -join '; ')" }
    Write-Host 'No protocol violations.' -ForegroundColor Green
}
finally {
    Get-WecomSession | Disconnect-WecomBot
    Stop-WecomMockServer -Server $mock
    Remove-Item $file -ErrorAction SilentlyContinue
}
