# Upload once, send later and many times (issue 15 §1): the pipeline forms a user types with Publish-WecomMedia and
# Send-WecomFile -Media / -MediaId, against the double; what goes on the wire and what the user sees.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
    $mock = Start-WecomMockServer
    Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
    $folder = New-Item TestDrive:/charts -ItemType Directory -Force
    foreach ($name in 'cpu.png', 'mem.png') {
        [IO.File]::WriteAllBytes((Join-Path $folder.FullName $name), [byte[]](1..200 | ForEach-Object { $_ }))
    }
    function Count-Frames([string] $Cmd) { @(Get-WecomMockFrame -Server $mock -Cmd $Cmd).Count }
}

AfterAll {
    Disconnect-WecomBot
    Stop-WecomMockServer -Server $mock
}

Describe 'Publish-WecomMedia' {
    BeforeEach { $mock.ClearFrames() }
    AfterEach { $mock.Violations | Should -BeNullOrEmpty }

    It 'uploads each piped file once and outputs a WecomPS.Media with its expiry' {
        $media = @(Get-ChildItem $folder -Filter *.png | Publish-WecomMedia)
        $media.Count | Should -Be 2
        $media[0] | Should -BeOfType ([WecomPS.Media.WecomMedia])
        $media.FileName | Should -Be @('cpu.png', 'mem.png')
        $media.MediaType | Should -Be @('image', 'image')
        $media.Size | Should -Be @(200, 200)
        $media.Session | Should -Be @($mock.BotId, $mock.BotId)
        foreach ($m in $media) { ($m.ExpiresAt - $m.UploadedAt) | Should -Be ([timespan]::FromDays(3)) }
        $media.MediaId | Should -Be @((Get-WecomMockUpload -Server $mock -Last 2).MediaId)
        Count-Frames aibot_upload_media_init | Should -Be 2
        Count-Frames aibot_send_msg | Should -Be 0
    }

    It 'takes a path by position and -MediaType' {
        $m = Publish-WecomMedia (Join-Path $folder.FullName 'cpu.png') -MediaType file
        $m.MediaType | Should -Be 'file'
        (Get-WecomMockFrame -Server $mock -Cmd aibot_upload_media_init).Body.type | Should -Be 'file'
    }

    It 'shows as a table with the expiry, and says when one has expired' {
        $m = Publish-WecomMedia "$($folder.FullName)/cpu.png"
        $text = $m | Out-String -Width 160
        $text | Should -Match 'Type\s+FileName\s+Size\s+ExpiresAt\s+Session\s+MediaId'
        $text | Should -Match "image\s+cpu\.png\s+200\s+$($m.ExpiresAt.ToLocalTime().ToString('yyyy-MM-dd HH:mm'))\s+"
        $text | Should -Match ([regex]::Escape($m.MediaId))
        $mock.AdvanceClock([timespan]::FromDays(-4))
        try { $old = Publish-WecomMedia "$($folder.FullName)/cpu.png" }
        finally { $mock.AdvanceClock([timespan]::FromDays(4)) }
        $old | Out-String -Width 160 | Should -Match 'image\s+cpu\.png\s+200\s+expired \d\d-\d\d \d\d:\d\d'
    }

    It 'uploads nothing with -WhatIf' {
        Publish-WecomMedia "$($folder.FullName)/*.png" -WhatIf | Should -BeNullOrEmpty
        Count-Frames aibot_upload_media_init | Should -Be 0
    }

    It 'refuses a file under the size limit with an error naming it, and goes on' {
        $tiny = New-Item TestDrive:/tiny.txt -Value 'abc' -Force
        $paths = $tiny.FullName, "$($folder.FullName)/cpu.png"
        $out = Publish-WecomMedia $paths -ErrorVariable err -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'WecomFileTooSmall,WecomPS.Cmdlets.PublishWecomMediaCommand'
        $err[0].TargetObject | Should -Be $tiny.FullName
        Count-Frames aibot_upload_media_init | Should -Be 1
    }
}

Describe 'Send-WecomFile with published media' {
    BeforeEach { $mock.ClearFrames() }
    AfterEach {
        $null = Receive-WecomMessage
        $mock.Violations | Should -BeNullOrEmpty
    }

    It 'Get-ChildItem *.png | Publish-WecomMedia | Send-WecomFile -ChatId a, b uploads each file once' {
        Get-ChildItem $folder -Filter *.png | Publish-WecomMedia | Send-WecomFile -ChatId a, b
        Count-Frames aibot_upload_media_init | Should -Be 2
        $sends = @(Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg)
        $sends.Body.chatid | Should -Be @('a', 'b', 'a', 'b')
        $ids = (Get-WecomMockUpload -Server $mock -Last 2).MediaId
        $sends.Body.image.media_id | Should -Be @($ids[0], $ids[0], $ids[1], $ids[1])
    }

    It 'sends a kept media object later, by -Media, by pipeline and by -MediaId, without uploading again' {
        $chart = Publish-WecomMedia "$($folder.FullName)/cpu.png"
        Send-WecomFile -ChatId a -Media $chart
        $chart | Send-WecomFile -ChatId b -PassThru | Select-Object -ExpandProperty MediaId | Should -Be $chart.MediaId
        Send-WecomFile -ChatId c -MediaId $chart.MediaId -MediaType image
        Count-Frames aibot_upload_media_init | Should -Be 1
        $sends = @(Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg)
        $sends.Body.chatid | Should -Be @('a', 'b', 'c')
        $sends.Body.image.media_id | Should -Be @($chart.MediaId, $chart.MediaId, $chart.MediaId)
    }

    It 'answers a received message with a media object: $msg | Send-WecomFile -Media $chart' {
        $chart = Publish-WecomMedia "$($folder.FullName)/mem.png"
        $pushed = Send-WecomMockMessage -Server $mock -Text 'memory chart?'
        Receive-WecomMessage -Wait -Count 1 -Timeout 10 | Send-WecomFile -Media $chart
        $reply = Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg
        $reply.ReqId | Should -Be $pushed.ReqId
        $reply.Body.image.media_id | Should -Be $chart.MediaId
        Count-Frames aibot_send_msg | Should -Be 0
    }

    It 'refuses an expired media object before any frame, saying when it expired' {
        $mock.AdvanceClock([timespan]::FromDays(-4))
        try { $old = Publish-WecomMedia "$($folder.FullName)/cpu.png" }
        finally { $mock.AdvanceClock([timespan]::FromDays(4)) }
        $mock.ClearFrames()
        $old | Send-WecomFile -ChatId a -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'WecomMediaIdExpired,WecomPS.Cmdlets.SendWecomFileCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err[0].TargetObject.MediaId | Should -Be $old.MediaId
        $expired = $old.ExpiresAt.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss')
        $err[0].Exception.Message | Should -BeLike "*expired at $expired*"
        @(Get-WecomMockFrame -Server $mock | Where-Object Cmd -ne 'ping').Count | Should -Be 0
    }

    It 'refuses, as a terminating error with -ErrorAction Stop, so a script can catch it by id' {
        $mock.AdvanceClock([timespan]::FromDays(-4))
        try { $old = Publish-WecomMedia "$($folder.FullName)/cpu.png" }
        finally { $mock.AdvanceClock([timespan]::FromDays(4)) }
        { $old | Send-WecomFile -ChatId a -ErrorAction Stop } | Should -Throw -ErrorId 'WecomMediaIdExpired,*'
    }
}
