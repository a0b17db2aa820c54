# Connect-WecomBot through corporate networks and with the subscribe extras, as a user runs it: the test kit
# serving wss:// with a throw-away root, roots as files and objects, client certificates, scene and plug_version,
# and refused reconnects retried with -MaxAuthFailureRetries. Also the test kit's stated platform.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
    $script:Folder = Join-Path ([IO.Path]::GetTempPath()) ("wecomps-connect-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $Folder | Out-Null
}

AfterAll {
    Get-WecomSession | Disconnect-WecomBot
    Stop-WecomMockServer
    Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Connect-WecomBot -CertificateAuthority against Start-WecomMockServer -Tls' {
    BeforeAll {
        $script:Mock = Start-WecomMockServer -Tls
        $script:Bot = @{ BotId = $Mock.BotId; Secret = $Mock.Secret; Endpoint = $Mock.Endpoint; TimeoutSec = 10 }
        $script:Pem = Join-Path $Folder 'root.pem'
        Set-Content -LiteralPath $Pem -Value $Mock.RootCertificatePem
        $script:Der = Join-Path $Folder 'root.cer'
        [IO.File]::WriteAllBytes($Der, $Mock.RootCertificate.RawData)
    }
    AfterEach { Get-WecomSession | Disconnect-WecomBot }

    It 'serves wss:// with a leaf for 127.0.0.1 signed by its own root' {
        $Mock.Endpoint.Scheme | Should -Be 'wss'
        $Mock.ServerCertificate.Issuer | Should -Be $Mock.RootCertificate.Subject
    }

    It 'fails without it, with WecomCertificateRejected naming the problem' {
        $err = { Connect-WecomBot @Bot } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomCertificateRejected,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.TargetObject | Should -Be "bot $($Mock.BotId) at $($Mock.Endpoint)"
        $err.Exception.Message | Should -Match 'its chain is not trusted'
        $err.Exception.Message | Should -Match '-CertificateAuthority'
        "$err $($err.Exception)" | Should -Not -Match $Mock.Secret
    }

    It 'connects with the root as <Form>' -ForEach @(
        @{ Form = 'a PEM file' }, @{ Form = 'a DER file' }, @{ Form = 'a certificate object' }
    ) {
        $ca = switch ($Form) { 'a PEM file' { $Pem } 'a DER file' { $Der } default { $Mock.RootCertificate } }
        $before = $Mock.SuccessfulSubscribes
        $session = Connect-WecomBot @Bot -CertificateAuthority $ca -PassThru
        $session.State | Should -Be 'Connected'
        $Mock.SuccessfulSubscribes | Should -Be ($before + 1)
    }

    It 'takes a relative path and a piped-in file' {
        Push-Location $Folder
        try { (Connect-WecomBot @Bot -CertificateAuthority ./root.pem -PassThru).State | Should -Be 'Connected' }
        finally { Pop-Location }
        (Connect-WecomBot @Bot -CertificateAuthority (Get-Item $Der) -PassThru).State | Should -Be 'Connected'
    }

    It 'fails with a wrong root' {
        $other = Start-WecomMockServer -Tls
        $err = { Connect-WecomBot @Bot -CertificateAuthority $other.RootCertificate } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomCertificateRejected,*'
        $err.Exception.Message | Should -Match 'does not end at a -CertificateAuthority root'
        Stop-WecomMockServer -Server $other
    }

    It 'fails when the certificate is for another name, even with its root trusted' {
        $other = Start-WecomMockServer -Tls -CertificateName other.example
        $bot = @{ BotId = $other.BotId; Secret = $other.Secret; Endpoint = $other.Endpoint }
        $err = { Connect-WecomBot @bot -CertificateAuthority $other.RootCertificate } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomCertificateRejected,*'
        $err.Exception.Message | Should -Match 'names do not match the host name'
        $other.SuccessfulSubscribes | Should -Be 0
        Stop-WecomMockServer -Server $other
    }

    It 'refuses a file that is not a certificate, and a missing one' {
        $junk = Join-Path $Folder 'junk.pem'
        Set-Content -LiteralPath $junk -Value 'hello'
        $err = { Connect-WecomBot @Bot -CertificateAuthority $junk } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomInvalidCertificate,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $junk
        $err = { Connect-WecomBot @Bot -CertificateAuthority (Join-Path $Folder 'none.pem') } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomFileNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Connect-WecomBot -ClientCertificate' {
    It 'is presented to a server that requires one, and downloads present it too' {
        $mock = Start-WecomMockServer -Tls -RequireClientCertificate
        $bot = @{ BotId = $mock.BotId; Secret = $mock.Secret; Endpoint = $mock.Endpoint; TimeoutSec = 10 }
        { Connect-WecomBot @bot -CertificateAuthority $mock.RootCertificate } |
            Should -Throw -ErrorId 'WecomConnectFailed,*'
        $client = $mock.NewClientCertificate('CN=runbook host')
        Connect-WecomBot @bot -CertificateAuthority $mock.RootCertificate -ClientCertificate $client
        $mock.ClientCertificates.Thumbprint | Should -Contain $client.Thumbprint

        $null = $mock.PushImage([byte[]](1..64))
        $saved = Receive-WecomMessage -Wait -Count 1 -Timeout 10 | Save-WecomMedia -Destination $Folder
        [IO.File]::ReadAllBytes($saved.FullName) | Should -Be ([byte[]](1..64))
        @($mock.ClientCertificates | Where-Object Thumbprint -EQ $client.Thumbprint).Count | Should -BeGreaterOrEqual 2
        Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
    }

    It 'must have its private key' {
        $mock = Start-WecomMockServer -Tls
        $public = [Security.Cryptography.X509Certificates.X509Certificate2]::new($mock.NewClientCertificate().RawData)
        $err = { Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint `
                -ClientCertificate $public } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomInvalidCertificate,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $mock.TotalConnections | Should -Be 0
        Stop-WecomMockServer -Server $mock
    }
}

Describe 'Connect-WecomBot -Scene and -PlugVersion' {
    BeforeEach { $script:Mock = Start-WecomMockServer }
    AfterEach { Get-WecomSession | Disconnect-WecomBot; Stop-WecomMockServer -Server $Mock }

    It 'puts them into aibot_subscribe as a number and a string' {
        Connect-WecomBot -BotId $Mock.BotId -Secret $Mock.Secret -Endpoint $Mock.Endpoint -Scene 1 -PlugVersion 2.3.0
        $frame = Get-WecomMockFrame -Server $Mock -Cmd aibot_subscribe
        $frame.Body.scene | Should -Be 1
        $frame.Body.plug_version | Should -BeExactly '2.3.0'
        $raw = $Mock.FramesFor('aibot_subscribe')[0]
        $raw.BodyElement('scene').ValueKind | Should -Be 'Number'
        $raw.BodyElement('plug_version').ValueKind | Should -Be 'String'
        $Mock.Violations | Should -BeNullOrEmpty
    }

    It 'leaves them out when not given' {
        Connect-WecomBot -BotId $Mock.BotId -Secret $Mock.Secret -Endpoint $Mock.Endpoint
        $frame = Get-WecomMockFrame -Server $Mock -Cmd aibot_subscribe
        @($frame.Body.PSObject.Properties.Name | Sort-Object) | Should -Be @('bot_id', 'secret')
    }
}

Describe 'Connect-WecomBot -MaxAuthFailureRetries' {
    BeforeEach { $script:Mock = Start-WecomMockServer }
    AfterEach { Get-WecomSession | Disconnect-WecomBot; Stop-WecomMockServer -Server $Mock }

    It 'by default fails the session at the first refused reconnect' {
        $s = Connect-WecomBot -BotId $Mock.BotId -Secret $Mock.Secret -Endpoint $Mock.Endpoint -ReconnectDelayMaxSec 1 `
            -PassThru
        $Mock.RejectNextSubscribes(1)
        $Mock.DropConnections()
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while ($s.State -ne 'Failed' -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $s.State | Should -Be 'Failed'
        $s.LastErrorCode | Should -Be 853000
        @($Mock.FramesFor('aibot_subscribe')).Count | Should -Be 2
    }

    It 'retries that many refusals with the backoff, then is connected again' {
        $s = Connect-WecomBot -BotId $Mock.BotId -Secret $Mock.Secret -Endpoint $Mock.Endpoint -ReconnectDelayMaxSec 1 `
            -MaxAuthFailureRetries 2 -PassThru
        $Mock.RejectNextSubscribes(2)
        $Mock.DropConnections()
        $Mock.WaitForSubscribeCount(2, [timespan]::FromSeconds(20)) | Should -BeTrue
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while ($s.State -ne 'Connected' -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $s.State | Should -Be 'Connected'
        @($Mock.FramesFor('aibot_subscribe').AckErrcode) | Should -Be @(0, 853000, 853000, 0)
    }
}

Describe 'The test kit states where it runs' {
    It 'declares PowerShell 7.4+, Core only, and says why in its manifest' {
        $manifest = Import-PowerShellDataFile $TestKitManifest
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.Description | Should -Match 'not Windows PowerShell 5\.1'
        $manifest.PrivateData.CompatibilityNote | Should -Match '5\.1'
    }
}

Describe 'Several bots piped into Connect-WecomBot, served by Start-WecomMockServer -AdditionalBot' {
    BeforeAll {
        $script:Extra = [ordered]@{ aibPester01 = 'pester-secret-1'; aibPester02 = 'pester-secret-2' }
        $script:Multi = Start-WecomMockServer -AdditionalBot $Extra
        $script:Csv = Join-Path $Folder 'bots.csv'
        @(
            [pscustomobject]@{ Name = 'main'; BotId = $Multi.BotId; Secret = $Multi.Secret }
            foreach ($bot in $Extra.GetEnumerator()) {
                [pscustomobject]@{ Name = $bot.Key.Substring(3); BotId = $bot.Key; Secret = $bot.Value } }
        ) | Export-Csv -LiteralPath $Csv
    }
    AfterAll { Stop-WecomMockServer -Server $Multi }
    AfterEach { Get-WecomSession | Disconnect-WecomBot }

    It 'connects every row of a CSV, names each session after its Name column, in the file''s order' {
        $sessions = Import-Csv $Csv | Connect-WecomBot -Endpoint $Multi.Endpoint -PassThru
        $sessions.Name | Should -Be 'main', 'Pester01', 'Pester02'
        $sessions.State | Should -Be 'Connected', 'Connected', 'Connected'
        (Get-WecomSession).Name | Should -Be 'main', 'Pester01', 'Pester02'
        $Multi.SubscribedConnectionIdsOf('aibPester01').Count | Should -Be 1
        # The last row is the default session: a send without -Session goes out on its connection.
        Send-WecomMessage -ChatId wrPester -Content 'from the default'
        $send = Get-WecomMockFrame -Server $Multi -Cmd aibot_send_msg -Last 1
        $send.ConnectionId | Should -Be $Multi.SubscribedConnectionIdsOf('aibPester02')[0]
    }

    It 'says what -WhatIf would connect, bot by bot, and connects nothing' {
        $command = "Import-Module '$WecomPSManifest'; Import-Csv '$Csv' | Connect-WecomBot -Endpoint " +
            "'$($Multi.Endpoint)' -WhatIf; 'sessions: ' + @(Get-WecomSession).Count"
        $before = $Multi.TotalConnections
        $run = Invoke-ChildPwsh $command
        $run.ExitCode | Should -Be 0
        $whatIf = @($run.Output | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 3
        $whatIf[1] | Should -BeLike "*bot aibPester01 at $($Multi.Endpoint)*"
        $run.Output | Should -Contain 'sessions: 0'
        $Multi.TotalConnections | Should -Be $before
    }

    It 'stops at a row whose secret is wrong: the rows before it stay, the error names the bot' {
        $rows = @(Import-Csv $Csv)
        $rows[1].Secret = 'not-the-secret'
        $err = { $rows | Connect-WecomBot -Endpoint $Multi.Endpoint } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomAuthFailed,*'
        $err.TargetObject | Should -Be "bot aibPester01 at $($Multi.Endpoint)"
        "$err" | Should -Not -Match 'not-the-secret'
        (Get-WecomSession).Name | Should -Be 'main'
        Wait-Until { $Multi.SubscribedConnectionIdsOf('aibPester02').Count -eq 0 } | Should -BeTrue
    }

    It 'refuses an -AdditionalBot entry without a secret' {
        $err = { Start-WecomMockServer -AdditionalBot @{ aibNoSecret = '' } } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomMockInvalidBot,*'
        $err.TargetObject | Should -Be 'aibNoSecret'
    }
}
