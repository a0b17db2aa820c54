# How to test a runbook that uses WecomPS: run it against the WeCom double and check what it sent.
BeforeAll {
    Import-Module WecomPS, WecomPS.Testing   # (this project's test run puts its staged out/ folder on PSModulePath)
    $runbook = "$PSScriptRoot/../../samples/Send-BuildReport.ps1"
}

Describe 'Send-BuildReport.ps1' {
    BeforeAll {
        $mock = Start-WecomMockServer
        $env:WECOM_BOT_ID = $mock.BotId
        $env:WECOM_BOT_SECRET = $mock.Secret
        Set-Content TestDrive:/build.log 'all 42 tests passed'

        & $runbook -ChatId wrOps -BuildName 'api #512' -LogPath TestDrive:/build.log -Endpoint $mock.Endpoint
    }
    AfterAll {
        Stop-WecomMockServer $mock
        Remove-Item Env:WECOM_BOT_ID, Env:WECOM_BOT_SECRET
    }

    It 'connects with the credentials from the environment' {
        (Get-WecomMockFrame aibot_subscribe).Body.bot_id | Should -Be $mock.BotId
    }

    It 'posts a markdown report to the chat' {
        $report = Get-WecomMockFrame aibot_send_msg | Where-Object { $_.Body.msgtype -eq 'markdown' }
        $report.Body.chatid | Should -Be 'wrOps'
        $report.Body.markdown.content | Should -Match 'Build api #512 .*passed'
    }

    It 'attaches the build log' {
        $upload = Get-WecomMockUpload
        $upload.FileName | Should -Be 'build.log'
        (Get-WecomMockFrame aibot_send_msg -Last 1).Body.file.media_id | Should -Be $upload.MediaId
    }

    It 'disconnects when done' {
        Get-WecomSession | Should -BeNullOrEmpty
    }
}
