# What a user sees in the shell: tab completion, views that fit the screen, and no secret anywhere.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule

    function Complete([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
    }
}

Describe 'The shell experience' {
    BeforeAll {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -Name shellbot
        Send-WecomMockMessage -Server $mock -Text 'hello from the group' -UserId wangwu -ChatId wrOpsGroup | Out-Null
        Send-WecomMockMessage -Server $mock -Text 'hi' -UserId lisi | Out-Null
        $script:received = Receive-WecomMessage -Wait -Count 2 -Timeout 10
    }
    AfterAll {
        Get-WecomSession | Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
    }

    Context 'Tab completion' {
        It 'completes ''<Line>'' to <Expected> (<Why>)' -TestCases @(
            @{ Line = 'Send-WecomMessage -ChatId wrO'; Expected = @('wrOpsGroup'); Why = 'a chat the session has seen' }
            @{ Line = 'Send-WecomFile -ChatId li'; Expected = @('lisi'); Why = 'a chat the session has seen' }
            @{ Line = 'Send-WecomFile -MediaType v'; Expected = @('video', 'voice'); Why = 'the values of -MediaType' }
            @{ Line = 'Receive-WecomMessage -Session shell'; Expected = @('shellbot'); Why = 'a live session' }
            @{ Line = 'Get-WecomSession -Name sh'; Expected = @('shellbot'); Why = 'a live session' }
        ) {
            (Complete $Line).CompletionText | Should -Be $Expected
        }

        It '-ChatId completion shows the last sender of the chat as tooltip' {
            (Complete 'Send-WecomMessage -ChatId wrO')[0].ToolTip | Should -Match 'wangwu'
        }

        It '-Session takes a session name' {
            (Get-WecomSession shellbot).Name | Should -Be 'shellbot'
            { Receive-WecomMessage -Session shellbot } | Should -Not -Throw
            { Receive-WecomMessage -Session nosuchbot } | Should -Throw -ExpectedMessage '*no WeCom session named*'
        }
    }

    Context 'Views' {
        It 'shows messages as a table no wider than 120 columns, one line each' {
            $lines = $received | Format-Table | Out-String -Width 400 -Stream | Where-Object { $_.Trim() }
            $lines[0] | Should -Match 'Time\s+ChatType\s+ChatId\s+UserId\s+Type\s+Content'
            $lines.Count | Should -Be 4   # header, rule, two messages
            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
        }

        It 'carries a stable PSTypeName for filters' {
            $received[0].PSTypeNames | Should -Contain 'WecomPS.Message.Text'
            @($received | Where-Object { $_.PSTypeNames -contains 'WecomPS.Message.Text' }).Count | Should -Be 2
        }

        It 'shows events and sessions as lists' {
            Send-WecomMockMessage -Server $mock -Event feedback_event -EventPayload @{ id = 'fb1'; type = 1 } -UserId lisi | Out-Null
            $event = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            $text = $event | Out-String -Width 400
            $text | Should -Match 'Event\s+: feedback_event'
            $text | Should -Match 'Feedback\s+: Accurate \(fb1\)'
            (Get-WecomSession shellbot | Out-String -Width 400) | Should -Match 'State\s+: Connected'
            Get-WecomSession | Format-Table | Out-String -Width 400 -Stream | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
        }
    }

    Context 'Secrets' {
        It 'never show the secret or aes keys: ToString, views, Export-Clixml, Verbose, Debug, errors' {
            $log = Join-Path $TestDrive 'streams.txt'
            $secretKey = 'Pester-Secret-7f3a9c'
            $image = Join-Path $TestDrive 'photo.png'
            [IO.File]::WriteAllBytes($image, [byte[]](1..200))
            $own = Start-WecomMockServer -Secret $secretKey
            try {
                & {
                    $DebugPreference = 'Continue'
                    Connect-WecomBot -BotId $own.BotId -Secret $secretKey -Endpoint $own.Endpoint -Name secretbot -Verbose -Debug
                    $script:pushed = Send-WecomMockMessage -Server $own -Image $image -UserId lisi
                    $msg = Receive-WecomMessage -Session secretbot -Wait -Count 1 -Timeout 10 -Verbose -Debug
                    $msg | Save-WecomMedia -Destination $TestDrive -Verbose -Debug | Out-Null
                    $msg | Send-WecomMessage -Content 'got it' -Verbose -Debug
                    Send-WecomFile -Session secretbot -ChatId lisi -Path $image -Verbose -Debug
                    try { Connect-WecomBot -BotId $own.BotId -Secret 'Wrong-Secret-5e1d' -Endpoint $own.Endpoint -Name wrong -Verbose -Debug }
                    catch { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
                    Get-WecomSession secretbot | Format-List * | Out-String
                    (Get-WecomSession secretbot).ToString()
                    Disconnect-WecomBot -Session secretbot -Verbose
                } *>&1 | Out-File $log -Width 500
                $text = Get-Content $log -Raw
                $session = Get-WecomSession secretbot -ErrorAction SilentlyContinue
                $text | Should -Match 'aibot_subscribe'          # the wire is visible
                $text | Should -Not -Match $secretKey
                $text | Should -Not -Match 'Wrong-Secret-5e1d'
                $aesKey = ($script:pushed.RawJson | ConvertFrom-Json).body.image.aeskey
                $aesKey | Should -Not -BeNullOrEmpty
                $text.Contains($aesKey) | Should -BeFalse
                $text | Should -Match 'GET http://127.0.0.1:\d+/media/'   # the download is visible, its signature is not
                $text | Should -Not -Match 'sign=[A-Za-z0-9]'
            }
            finally { Stop-WecomMockServer -Server $own }
        }

        It 'Export-Clixml of a session holds no secret' {
            $own = Start-WecomMockServer -Secret 'Clixml-Secret-2b8e'
            try {
                $s = Connect-WecomBot -BotId $own.BotId -Secret 'Clixml-Secret-2b8e' -Endpoint $own.Endpoint -Name clixml -PassThru
                $file = Join-Path $TestDrive 'session.xml'
                $s | Export-Clixml $file -Depth 5
                Get-Content $file -Raw | Should -Not -Match 'Clixml-Secret-2b8e'
                Disconnect-WecomBot -Session $s
            }
            finally { Stop-WecomMockServer -Server $own }
        }
    }
}
