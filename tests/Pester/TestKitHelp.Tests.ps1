#Requires -Version 7.2
# The help of the test kit WecomPS.Testing as a user sees it: Get-Help of every exported cmdlet, in a fresh pwsh that
# imports the staged out/WecomPS.Testing, comes from the generated MAML (synopsis, description, every parameter
# described, examples), and about_WecomPS.Testing states the platform limit (issue 15 §6), names every cmdlet and
# lists every error id the kit emits. The help is made from docs/en-US/WecomPS.Testing by the build.

BeforeDiscovery {
    $repo = Resolve-Path "$PSScriptRoot/../.."
    $cmdlets = (Import-PowerShellDataFile "$repo/module/WecomPS.Testing/WecomPS.Testing.psd1").CmdletsToExport |
        ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $repo = $RepoRoot
    $kit = Join-Path $repo 'out/WecomPS.Testing'
    $helpFile = Join-Path $kit 'en-US/WecomPS.Testing.dll-Help.xml'
    if (-not (Test-Path $helpFile)) { throw "No ${helpFile}: run 'dotnet pwsh ./build.ps1 Build' first." }

    # One fresh pwsh reads the help of every exported cmdlet and the about topic, as JSON.
    $folder = $kit.Replace("'", "''")
    $child = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
`$m = Import-Module '$folder' -PassThru
`$common = [System.Management.Automation.PSCmdlet]::CommonParameters
`$commands = foreach (`$c in Get-Command -Module WecomPS.Testing) {
    `$h = Get-Help `$c.Name -Full
    [ordered]@{
        Name = `$c.Name
        ModuleName = `$h.ModuleName
        Synopsis = [string] `$h.Synopsis
        Description = ((@(`$h.description) | ForEach-Object Text) -join "``n").Trim()
        Parameters = @(`$c.Parameters.Keys | Where-Object { `$_ -notin `$common })
        Described = @(@(`$h.parameters.parameter) | Where-Object { `$_ } | ForEach-Object {
            [ordered]@{ Name = `$_.name; Text = ((@(`$_.description) | ForEach-Object Text) -join ' ').Trim() } })
        Examples = @(@(`$h.examples.example) | Where-Object { `$_ } | ForEach-Object {
            `$remarks = ((@(`$_.remarks) | ForEach-Object Text) -join '').Trim()
            [ordered]@{ Code = [string] `$_.code; Remarks = `$remarks } })
    }
}
'JSON=' + (ConvertTo-Json -Depth 6 -Compress -InputObject ([ordered]@{
    Base = `$m.ModuleBase
    Commands = @(`$commands)
    About = (Get-Help about_WecomPS.Testing | Out-String)
}))
"@
    if ($child.ExitCode -ne 0) { throw "The fresh pwsh failed: $($child.Output -join "`n")" }
    $json = $child.Output | Where-Object { $_.StartsWith('JSON=') } | Select-Object -Last 1
    $seen = $json.Substring(5) | ConvertFrom-Json
    $byName = @{}
    foreach ($c in $seen.Commands) { $byName[$c.Name] = $c }
}

Describe 'Get-Help <Name> -Full, in a fresh import of out/WecomPS.Testing' -ForEach $cmdlets {
    BeforeAll { $help = $byName[$Name] }

    It 'is exported and its help comes from the generated MAML' {
        $seen.Base | Should -Be $kit
        $help | Should -Not -BeNullOrEmpty -Because "$Name is in CmdletsToExport"
        $help.ModuleName | Should -Be 'WecomPS.Testing'
    }

    It 'has a synopsis, not the syntax PowerShell makes up' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[<]CommonParameters[>]*"
        $help.Synopsis | Should -Not -BeLike "$Name*[[]*"
    }

    It 'has a description' {
        $help.Description | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $help.Parameters | Should -Not -BeNullOrEmpty
        foreach ($n in $help.Parameters) {
            $p = @($help.Described | Where-Object Name -eq $n)
            $p | Should -HaveCount 1 -Because "-$n is a parameter of $Name"
            $p[0].Text | Should -Not -BeNullOrEmpty -Because "-$n needs a description"
        }
    }

    It 'has examples, each with code and a sentence explaining it' {
        @($help.Examples).Count | Should -BeGreaterOrEqual 2
        foreach ($e in $help.Examples) {
            $e.Code | Should -Not -BeNullOrEmpty
            $e.Remarks | Should -Not -BeNullOrEmpty
            $e.Code | Should -Match "\b$([regex]::Escape($Name))\b" -Because 'an example shows the cmdlet it documents'
        }
    }
}

Describe 'about_WecomPS.Testing, in a fresh import of out/WecomPS.Testing' {
    It 'is found by Get-Help' {
        $seen.About | Should -Match 'about_WecomPS\.Testing'
        $seen.About | Should -Match 'SHORT DESCRIPTION'
    }

    It 'states the platform limit and its reason: PowerShell 7.4+, Core only, not Windows PowerShell 5.1' {
        $text = $seen.About -replace '\s+', ' '
        $text | Should -Match 'PowerShell 7\.4 or later'
        $text | Should -Match 'Not Windows PowerShell 5\.1'
        $text | Should -Match 'CompatiblePSEditions Core'
        $text | Should -Match '\.NET Framework 4\.x, which Windows PowerShell 5\.1 runs on, has none of these'
        $text | Should -Match 'verifies is pwsh 7\.6 on Linux'
    }

    It 'agrees with the manifest it describes' {
        $manifest = Import-PowerShellDataFile (Join-Path $repo 'module/WecomPS.Testing/WecomPS.Testing.psd1')
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'names <_>' -ForEach @(
        (Import-PowerShellDataFile "$PSScriptRoot/../../module/WecomPS.Testing/WecomPS.Testing.psd1").CmdletsToExport
    ) {
        $seen.About | Should -Match "\b$([regex]::Escape($_))\b"
    }

    It 'lists every error id the test kit emits' {
        # Every "WecomMock..." string literal in the kit's cmdlets is an error id, except the cmdlet nouns.
        $nouns = @($seen.Commands.Name | ForEach-Object { ($_ -split '-', 2)[1] })
        $ids = Get-ChildItem "$repo/src/WecomPS.Testing" -Filter *.cs -Recurse |
            Where-Object FullName -notmatch '[\\/](obj|bin)[\\/]' |
            Select-String -Pattern '"(WecomMock[A-Z][A-Za-z]*)"' -AllMatches |
            ForEach-Object { $_.Matches } | ForEach-Object { $_.Groups[1].Value } |
            Where-Object { $_ -notin $nouns } | Sort-Object -Unique
        $ids.Count | Should -BeGreaterThan 5
        $about = Get-Content "$repo/docs/en-US/WecomPS.Testing/about_WecomPS.Testing.md" -Raw
        $missing = @($ids | Where-Object { $about -notmatch "\|\s*$_\s*\|" })
        $missing | Should -BeNullOrEmpty -Because 'each id needs a row in the ERRORS table of about_WecomPS.Testing'
    }
}

Describe 'The generator keeps the test kit to its standard' {
    It 'fails the build when a test-kit cmdlet has no page' {
        $docs = Join-Path $TestDrive 'docs/en-US/WecomPS.Testing'
        $null = New-Item -ItemType Directory $docs -Force
        Copy-Item "$repo/docs/en-US/WecomPS.Testing/*.md" $docs
        Remove-Item (Join-Path $docs 'Set-WecomMockFault.md')
        $quote = { param($path) "'" + $path.Replace("'", "''") + "'" }
        $generator = & $quote (Join-Path $repo 'build/New-MamlHelp.ps1')
        $output = & $quote (Join-Path $TestDrive 'en-US')
        $manifest = & $quote (Join-Path $kit 'WecomPS.Testing.psd1')
        $result = Invoke-ChildPwsh @"
& $generator -DocsPath $(& $quote $docs) -OutputPath $output -ModulePath $manifest 6>`$null
"@
        $result.ExitCode | Should -Not -Be 0
        ($result.Output -join "`n") | Should -Match 'Set-WecomMockFault: no help page'
        Test-Path (Join-Path $TestDrive 'en-US/WecomPS.Testing.dll-Help.xml') | Should -BeFalse
    }
}
