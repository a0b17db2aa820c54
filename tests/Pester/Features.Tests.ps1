# What runbooks do with the issue-15 features: a reply that shows progress, and a bot loop that takes only fresh
# commands from its operators. Everything runs against the WeCom double of the test kit.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
    $script:manifest = $WecomPSManifest
    # A fresh process of the PowerShell running the tests (under 'dotnet pwsh' that is dotnet + pwsh.dll).
    $script:exe = [Environment]::ProcessPath
    $script:prefix = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $script:prefix = @(Join-Path $PSHOME 'pwsh.dll') }

    function Get-ReplyFrame($mock, $push) {
        Get-WecomMockFrame aibot_respond_msg -Server $mock | Where-Object ReqId -EQ $push.ReqId
    }
}

Describe 'A runbook that shows its progress in one reply' {
    BeforeEach {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
        $push = Send-WecomMockMessage -Server $mock -Text 'deploy v2.3' -UserId lisi
        $m = Receive-WecomMessage -Wait -Count 1 -Timeout 5
    }
    AfterEach {
        Get-WecomSession | Disconnect-WecomBot
        Stop-WecomMockServer $mock
    }

    It 'shows Working, each step, then the result, replacing the text in one stream' {
        $reply = $m | Start-WecomReply -Content 'Working...'
        foreach ($step in 1..3) { $reply | Update-WecomReply -Content "Step $step of 3" }
        $reply | Complete-WecomReply -Content 'v2.3 is live.'

        $frames = @(Get-ReplyFrame $mock $push)
        $frames[0].Body.stream.content | Should -Be 'Working...'
        $frames[-1].Body.stream.content | Should -Be 'v2.3 is live.'
        $frames[-1].Body.stream.finish | Should -BeTrue
        @($frames | Where-Object { $_.Body.stream.finish }).Count | Should -Be 1
        @($frames.Body.stream.id | Select-Object -Unique).Count | Should -Be 1
        $reply.State | Should -Be 'Completed'
        $mock.Violations | Should -BeNullOrEmpty
    }

    It 'closes the reply from a finally block when a step fails' {
        $reply = Start-WecomReply $m 'Working...'
        { try { Update-WecomReply $reply 'Step 1'; throw 'disk full' }
          finally { if ($reply.State -eq 'Open') { Complete-WecomReply $reply 'Failed: see the log.' } } } |
            Should -Throw 'disk full'
        (Get-ReplyFrame $mock $push)[-1].Body.stream.content | Should -Be 'Failed: see the log.'
        $reply.State | Should -Be 'Completed'
    }

    It 'a reply left open is finished by Disconnect-WecomBot with its last content' {
        $reply = Start-WecomReply $m 'Working...'
        Update-WecomReply $reply 'Step 2 of 5'
        (Get-WecomSession).OpenReplyCount | Should -Be 1
        Disconnect-WecomBot
        $last = (Get-ReplyFrame $mock $push)[-1]
        $last.Body.stream.finish | Should -BeTrue
        $last.Body.stream.content | Should -Be 'Step 2 of 5'
    }

    It 'refuses content over 20480 bytes with an error record and sends nothing' {
        $reply = Start-WecomReply $m 'Working...'
        Update-WecomReply $reply ('x' * 20481) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomReplyContentTooLong,*'
        $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $err[0].TargetObject | Should -Be $reply
        @(Get-ReplyFrame $mock $push).Count | Should -Be 1
        Complete-WecomReply $reply
    }

    It 'completing twice is an error that names the reply' {
        $reply = Start-WecomReply $m 'Working...' | Complete-WecomReply -PassThru
        $reply | Complete-WecomReply -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomReplyClosed,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It '-WhatIf sends nothing' {
        Start-WecomReply $m 'Working...' -WhatIf | Should -BeNullOrEmpty
        Get-ReplyFrame $mock $push | Should -BeNullOrEmpty
    }

    It 'formats a reply as a table with its stream id and state' {
        $reply = Start-WecomReply $m 'Working...'
        $text = $reply | Out-String
        $text | Should -Match ([regex]::Escape($reply.StreamId))
        $text | Should -Match 'Open'
        "$reply" | Should -Not -Match ([regex]::Escape($mock.Secret))
        (Get-WecomSession | Format-List | Out-String) | Should -Match 'OpenReplyCount\s*:\s*1'
        Complete-WecomReply $reply
    }
}

Describe 'A runbook past the stream lifetime' {
    BeforeAll {
        $mock = Start-WecomMockServer -StreamLifetimeSec 1
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
    }
    AfterAll { Get-WecomSession | Disconnect-WecomBot; Stop-WecomMockServer $mock }

    It 'gets its final content as a markdown message, with a warning' {
        $null = Send-WecomMockMessage -Server $mock -Text 'long job' -UserId lisi
        $reply = Receive-WecomMessage -Wait -Count 1 -Timeout 5 | Start-WecomReply -Content 'Working...'
        $mock.AdvanceClock([TimeSpan]::FromSeconds(2))   # the stream outlives its 1 s on the double's clock
        Complete-WecomReply $reply 'Done at last.' -WarningVariable warn -WarningAction SilentlyContinue
        $warn | Should -Match '846608'
        $reply.State | Should -Be 'CompletedAsMessage'
        $send = Get-WecomMockFrame aibot_send_msg -Server $mock -Last 1
        $send.Body.markdown.content | Should -Be 'Done at last.'
        $send.Body.chatid | Should -Be 'lisi'
    }
}

Describe 'A script that ends without completing its reply' {
    BeforeAll { $mock = Start-WecomMockServer }
    AfterAll { Stop-WecomMockServer $mock }

    It 'has the reply finished with its last content when the process exits' {
        $script = "Import-Module '$manifest'; " +
                  "Connect-WecomBot -BotId '$($mock.BotId)' -Secret '$($mock.Secret)' -Endpoint '$($mock.Endpoint)'; " +
                  "`$m = Receive-WecomMessage -Wait -Count 1 -Timeout 20; " +
                  "`$r = Start-WecomReply `$m 'Working...'; Update-WecomReply `$r 'Step 2 of 4'; exit 0"
        $child = Start-Process -FilePath $exe -ArgumentList ($prefix + @('-NoProfile', '-NonInteractive', '-Command', $script)) -PassThru -NoNewWindow
        $mock.WaitForSubscribed([TimeSpan]::FromSeconds(30)) | Should -BeTrue
        $push = Send-WecomMockMessage -Server $mock -Text 'deploy'
        $child.WaitForExit(30000) | Should -BeTrue
        $last = (Get-ReplyFrame $mock $push)[-1]
        $last.Body.stream.finish | Should -BeTrue
        $last.Body.stream.content | Should -Be 'Step 2 of 4'
        $last.AckErrcode | Should -Be 0
    }
}

Describe 'A bot loop that acts only on fresh commands from its operators' {
    BeforeAll {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
        # Sent an hour ago (the double's clock moved back), e.g. queued during an outage.
        $mock.AdvanceClock([TimeSpan]::FromHours(-1))
        $stale = Send-WecomMockMessage -Server $mock -Text 'restart the database' -UserId alice
        $mock.AdvanceClock([TimeSpan]::FromHours(1))
        $null = Send-WecomMockMessage -Server $mock -Text 'drop the tables' -UserId mallory
        $null = Send-WecomMockMessage -Server $mock -Text 'restart web01' -UserId ops-bob

        $verbose = Receive-WecomMessage -Wait -UserId alice, 'ops-*' -MaxAgeSec 300 -Count 1 -Timeout 5 -Verbose 4>&1 |
            ForEach-Object {
                if ($_ -is [System.Management.Automation.VerboseRecord]) { $_ }
                else { Send-WecomMessage -ReplyTo $_ -Content "Running: $($_.Content)" }
            }
    }
    AfterAll { Get-WecomSession | Disconnect-WecomBot; Stop-WecomMockServer $mock }

    It 'answers only the fresh command of an operator' {
        $replies = @(Get-WecomMockFrame aibot_respond_msg -Server $mock)
        $replies.Count | Should -Be 1
        $replies[0].Body.stream.content | Should -Be 'Running: restart web01'
    }

    It 'names the stale command in a Verbose line and counts it on the session' {
        @($verbose | Where-Object { $_.Message -like "Skipped*$($stale.MsgId)*" }).Count | Should -Be 1
        (Get-WecomSession).StaleSkipped | Should -Be 1
        (Get-WecomSession | Format-List | Out-String) | Should -Match 'StaleSkipped\s*:\s*1'
    }

    It 'leaves the stranger''s message in the inbox for another receiver' {
        $left = @(Receive-WecomMessage)
        $left.Count | Should -Be 1
        $left[0].UserId | Should -Be 'mallory'
    }
}
