# Sessions end with the PowerShell process: a script that connects and exits leaves nothing running.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-Module $TestKitManifest
    # A fresh process of the PowerShell running the tests (under 'dotnet pwsh' that is dotnet + pwsh.dll).
    $pwsh = Get-ChildPwshCommand
    $script:exe = $pwsh.Exe
    $script:prefix = $pwsh.Arguments
    $script:manifest = $WecomPSManifest
}

Describe 'Process exit' {
    BeforeAll { $mock = Start-WecomMockServer; $other = Start-WecomMockServer -BotId 'aib-other-bot' }
    AfterAll { Stop-WecomMockServer -Server $mock, $other }

    It 'a script that connects two sessions and exits ends promptly and its connections close' {
        $script = "Import-Module '$manifest'; " +
                  "Connect-WecomBot -BotId '$($mock.BotId)' -Secret '$($mock.Secret)' -Endpoint '$($mock.Endpoint)' -Name one; " +
                  "Connect-WecomBot -BotId '$($other.BotId)' -Secret '$($other.Secret)' -Endpoint '$($other.Endpoint)' -Name two -HeartbeatIntervalSec 1; " +
                  "Receive-WecomMessage -Session one -Wait -Timeout 0.5; exit 3"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $child = Start-Process -FilePath $exe -ArgumentList ($prefix + @('-NoProfile', '-NonInteractive', '-Command', $script)) -PassThru -NoNewWindow
        $child.WaitForExit(30000) | Should -BeTrue -Because 'no background task may keep the process alive'
        $child.ExitCode | Should -Be 3
        $mock.SuccessfulSubscribes | Should -Be 1
        $other.SuccessfulSubscribes | Should -Be 1
        $mock.WaitForConnectionCount(0, [TimeSpan]::FromSeconds(10)) | Should -BeTrue
        $other.WaitForConnectionCount(0, [TimeSpan]::FromSeconds(10)) | Should -BeTrue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
    }
}
