# The two modules as a user imports them after a build (out/WecomPS, out/WecomPS.Testing): manifests, exports, side
# by side.
BeforeAll {
    . $PSScriptRoot/common.ps1
    $clientManifest = $WecomPSManifest
    $kitManifest = $TestKitManifest
    Import-WecomModule
}

Describe 'WecomPS module' {
    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest -Path $clientManifest -ErrorAction Stop
        $manifest.Name | Should -Be 'WecomPS'
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'exports exactly the client cmdlets' {
        (Get-Module WecomPS).ExportedCommands.Keys | Sort-Object |
            Should -Be @('Complete-WecomReply', 'Connect-WecomBot', 'Disconnect-WecomBot', 'Get-WecomSession',
                'Publish-WecomMedia', 'Receive-WecomMessage', 'Request-WecomApproval', 'Save-WecomMedia', 'Send-WecomCard',
                'Send-WecomFile', 'Send-WecomMessage', 'Start-WecomReply', 'Update-WecomReply')
    }

    It '<_> supports -WhatIf: it changes something' -ForEach @(
        'Connect-WecomBot', 'Disconnect-WecomBot', 'Send-WecomMessage', 'Send-WecomFile', 'Send-WecomCard',
        'Save-WecomMedia') {
        (Get-Command $_).Parameters.Keys | Should -Contain 'WhatIf' -Because "$_ changes something"
    }
}

Describe 'WecomPS.Testing module' {
    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest -Path $kitManifest -ErrorAction Stop
        $manifest.Name | Should -Be 'WecomPS.Testing'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the test-kit cmdlets' {
        (Get-Module WecomPS.Testing).ExportedCommands.Keys | Sort-Object |
            Should -Be @('Get-WecomMockFrame', 'Get-WecomMockUpload', 'Send-WecomMockMessage', 'Set-WecomMockFault', 'Start-WecomMockServer', 'Stop-WecomMockServer')
    }

    It 'loads beside WecomPS from its own assembly' {
        $client = (Get-Command Connect-WecomBot).ImplementingType.Assembly
        $kit = (Get-Command Start-WecomMockServer).ImplementingType.Assembly
        $client.GetName().Name | Should -Be 'WecomPS'
        $kit.GetName().Name | Should -Be 'WecomPS.Testing'
        $kit.Location | Should -Be (Join-Path $RepoRoot 'out/WecomPS.Testing/WecomPS.Testing.dll')
    }

    It 'declares that <Command> outputs <Type>' -TestCases @(
        @{ Command = 'Start-WecomMockServer'; Type = 'WecomPS.Testing.WecomMockServer' }
        @{ Command = 'Send-WecomMockMessage'; Type = 'WecomPS.Testing.PushedFrame' }
        @{ Command = 'Get-WecomMockFrame'; Type = 'WecomPS.Testing.Frame' }
        @{ Command = 'Get-WecomMockUpload'; Type = 'WecomPS.Testing.UploadedMedia' }
    ) {
        (Get-Command $Command).OutputType.Name | Should -Be $Type
    }

    It 'stops every server it started when it is removed' {
        $a = Start-WecomMockServer
        $b = Start-WecomMockServer
        Remove-Module WecomPS.Testing
        try {
            $a.IsDisposed | Should -BeTrue
            $b.IsDisposed | Should -BeTrue
        }
        finally {
            Import-Module $kitManifest
        }
        Get-Command Start-WecomMockServer | Should -Not -BeNullOrEmpty
    }
}
