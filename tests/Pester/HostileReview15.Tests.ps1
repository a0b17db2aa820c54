# Hostile review of issue 15: edges that broke, through the real module (manifest, types and formats loaded).
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
    $mock = Start-WecomMockServer
    Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
    $folder = New-Item TestDrive:/kept -ItemType Directory -Force
    [IO.File]::WriteAllBytes((Join-Path $folder.FullName 'chart.png'), [byte[]](1..64))
}

AfterAll {
    Disconnect-WecomBot
    Stop-WecomMockServer -Server $mock
}

Describe 'A media object kept from an earlier run (Export-Clixml / Import-Clixml)' {
    BeforeEach { $mock.ClearFrames() }
    AfterEach { $mock.Violations | Should -BeNullOrEmpty }

    It 'comes back as a media object and is sent without uploading again' {
        $xml = Join-Path $folder.FullName 'media.xml'
        Publish-WecomMedia (Join-Path $folder.FullName 'chart.png') | Export-Clixml $xml
        $uploads = @(Get-WecomMockUpload -Server $mock).Count

        $kept = Import-Clixml $xml
        $kept | Should -BeOfType ([WecomPS.Media.WecomMedia])
        $result = $kept | Send-WecomFile -ChatId 'wrchat-kept' -PassThru -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $result.MediaId | Should -Be $kept.MediaId
        @(Get-WecomMockUpload -Server $mock).Count | Should -Be $uploads
        (Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg).Body.image.media_id | Should -Be $kept.MediaId
    }

    It 'is still refused once expired, before any frame, naming the media' {
        $xml = Join-Path $folder.FullName 'old.xml'
        $old = [WecomPS.Media.WecomMedia]::new('old-media-id', 'image', [DateTimeOffset]::Now.AddDays(-4),
            (Get-WecomSession), 'old.png', 64)
        $old | Export-Clixml $xml
        Import-Clixml $xml | Send-WecomFile -ChatId 'wrchat-kept' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'WecomMediaIdExpired,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $problems[0].TargetObject.MediaId | Should -Be 'old-media-id'
        $problems[0].Exception.Message | Should -Match 'expired at'
        Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg | Should -BeNullOrEmpty
    }

    It 'does not make a string or another object a media object' {
        { [WecomPS.Media.WecomMedia]'image a.png -> abc' } | Should -Throw
        { [WecomPS.Media.WecomMedia][pscustomobject]@{ MediaId = 'x'; MediaType = 'image' } } | Should -Throw
        $path = Join-Path $folder.FullName 'chart.png'
        ($path | Send-WecomFile -ChatId 'wrchat-kept' -PassThru).Path | Should -Be $path
    }
}
