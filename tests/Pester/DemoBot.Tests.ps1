# samples/DemoBot.ps1 (what `build.ps1 Demo` runs) keeps working.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
}

Describe 'samples/DemoBot.ps1' {
    BeforeAll {
        $output = & "$PSScriptRoot/../../samples/DemoBot.ps1" 6>&1 | Out-String
    }

    It 'prints the conversation and the frames the bot sent' {
        $output | Should -Match 'lisi\s+Is the build green\?'
        $output | Should -Match '\(reply\) Yes'
        foreach ($cmd in 'aibot_subscribe', 'aibot_respond_msg', 'aibot_send_msg', 'aibot_upload_media_init', 'aibot_upload_media_finish') {
            $output | Should -Match "$cmd .*-> errcode 0"
        }
        $output | Should -Match 'No protocol violations'
    }

    It 'does not print the secret and leaves nothing running' {
        $output | Should -Match 'secret=\(hidden\)'
        Get-WecomSession | Should -BeNullOrEmpty
    }
}
