#Requires -Version 7.2
# The module as it is shipped: the folders the build stages (out/WecomPS, out/WecomPS.Testing), their one manifest
# source, the .nupkg build/New-ModulePackage.ps1 zips from out/WecomPS (here into TestDrive), sources and output apart.

BeforeAll {
    . $PSScriptRoot/common.ps1
    $repo = $RepoRoot
    $package = Join-Path $repo 'out/WecomPS'
    $kit = Join-Path $repo 'out/WecomPS.Testing'
    $rootManifest = Import-PowerShellDataFile (Join-Path $repo 'WecomPS.psd1')

    function Get-FolderState([string] $path) {
        # Every file of a folder with its content hash: to show that something left it unchanged.
        Get-ChildItem -LiteralPath $path -Recurse -File | Sort-Object FullName |
            ForEach-Object { [IO.Path]::GetRelativePath($path, $_.FullName) + ' ' + (Get-FileHash $_.FullName).Hash }
    }

    $out = Join-Path $TestDrive 'out'
    $before = @(Get-FolderState $package)
    # The Test task builds Debug; -AllowDebugBuild lets the same script package it (Package itself builds Release).
    & (Join-Path $repo 'build/New-ModulePackage.ps1') -ModulePath $package -TestKitPath $kit -OutputPath $out `
        -AllowDebugBuild 6>$null
    $after = @(Get-FolderState $package)
}

Describe 'The manifest: one source, WecomPS.psd1 at the repository root' {
    It 'is staged verbatim as out/WecomPS/WecomPS.psd1, and packaging leaves the staged folder as it is' {
        (Get-FileHash (Join-Path $package 'WecomPS.psd1')).Hash |
            Should -Be (Get-FileHash (Join-Path $repo 'WecomPS.psd1')).Hash
        $after | Should -Be $before
    }

    It 'passes Test-ModuleManifest where it is staged' {
        { Test-ModuleManifest (Join-Path $package 'WecomPS.psd1') -ErrorAction Stop } | Should -Not -Throw
    }

    It 'exports cmdlets by name (no wildcards) and no functions, aliases or variables' {
        $rootManifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $rootManifest.CmdletsToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        @($rootManifest.FunctionsToExport).Count | Should -Be 0
        @($rootManifest.AliasesToExport).Count | Should -Be 0
        @($rootManifest.VariablesToExport).Count | Should -Be 0
    }

    It 'exports exactly the cmdlets the assembly defines' {
        Import-WecomModule -NoTestKit
        @((Get-Module WecomPS).ExportedCmdlets.Keys | Sort-Object) |
            Should -Be @($rootManifest.CmdletsToExport | Sort-Object)
    }

    It 'declares Desktop and Core, PowerShell 5.1, formats, types and the gallery metadata' {
        $rootManifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $rootManifest.PowerShellVersion | Should -Be '5.1'
        $rootManifest.FormatsToProcess | Should -Not -BeNullOrEmpty
        $rootManifest.TypesToProcess | Should -Not -BeNullOrEmpty
        $psData = $rootManifest.PrivateData.PSData
        $psData.Tags | Should -Contain 'WeCom'
        $psData.Tags | Should -Contain 'PSEdition_Desktop'
        $psData.Tags | Should -Contain 'PSEdition_Core'
        $psData.ProjectUri | Should -Match '^https://'
        $psData.LicenseUri | Should -Match '^https://'
        $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $repo 'LICENSE') | Should -BeTrue
    }
}

Describe 'The module folder out/WecomPS, as the build stages it' {
    It 'holds the module files, the desktop dependencies and the help, and nothing else' {
        $files = @(Get-ChildItem $package -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($package, $_.FullName).Replace('\', '/') } | Sort-Object)
        # desktop/: the dependencies in the build output the staged dll came from.
        $dllHash = (Get-FileHash (Join-Path $package 'WecomPS.dll')).Hash
        $buildOutput = Get-ChildItem (Join-Path $repo 'src/WecomPS/bin/*/netstandard2.0/WecomPS.dll') |
            Where-Object { (Get-FileHash $_.FullName).Hash -eq $dllHash } | Select-Object -First 1
        $buildOutput | Should -Not -BeNullOrEmpty -Because 'the staged WecomPS.dll comes from src/WecomPS/bin'
        $expected = @(
            'LICENSE', 'WecomPS.dll', 'WecomPS.Format.ps1xml', 'WecomPS.psd1', 'WecomPS.Types.ps1xml',
            'en-US/about_WecomPS.help.txt', 'en-US/WecomPS.dll-Help.xml'
        ) + @(Get-ChildItem $buildOutput.DirectoryName -Filter *.dll | Where-Object Name -ne 'WecomPS.dll' |
            ForEach-Object { "desktop/$($_.Name)" })
        $files | Should -Be @($expected | Sort-Object)
    }

    It 'ships System.Text.Json for Windows PowerShell 5.1 in desktop/' {
        Test-Path (Join-Path $package 'desktop/System.Text.Json.dll') | Should -BeTrue
        [Reflection.AssemblyName]::GetAssemblyName((Join-Path $package 'desktop/System.Text.Json.dll')).Version.Major | Should -Be 8
    }

    It 'has no debug symbols, test assemblies or dependency manifests' {
        Get-ChildItem $package -Recurse -File | Where-Object { $_.Extension -in '.pdb', '.json' -or $_.Name -like '*Test*' } | Should -BeNullOrEmpty
    }

    It 'has a manifest that passes Test-ModuleManifest, with the dll at the root' {
        $m = Test-ModuleManifest (Join-Path $package 'WecomPS.psd1') -ErrorAction Stop
        $m.RootModule | Should -Be 'WecomPS.dll'
        $m.Version | Should -Be ([version]$rootManifest.ModuleVersion)
        @($m.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($rootManifest.CmdletsToExport | Sort-Object)
        (Get-Content (Join-Path $package 'WecomPS.psd1') -Raw) | Should -Not -Match 'module/'
    }

    It 'imports by its folder in a new PowerShell process: all the cmdlets, formats and help with examples' {
        $folder = $package.Replace("'", "''")
        $result = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
`$m = Import-Module '$folder' -PassThru
'base=' + `$m.ModuleBase
'cmdlets=' + ((Get-Command -Module WecomPS).Name -join ',')
'synopsis=' + (Get-Help Connect-WecomBot).Synopsis
'examples=' + @((Get-Help Connect-WecomBot -Examples).examples.example).Count
'about=' + ((Get-Help about_WecomPS | Out-String) -match 'SHORT DESCRIPTION')
'format=' + [bool](Get-FormatData -TypeName WecomPS.Session.WecomSession)
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain ('base=' + $package)
        $rootManifest.CmdletsToExport.Count | Should -BeGreaterOrEqual 8
        $result.Output | Should -Contain ('cmdlets=' + (($rootManifest.CmdletsToExport | Sort-Object) -join ','))
        $result.Output | Should -Contain 'synopsis=Opens a WeCom AI-bot long connection and makes it the default session.'
        $examples = ($result.Output | Where-Object { $_ -like 'examples=*' }) -replace '^examples='
        [int]$examples | Should -BeGreaterOrEqual 2
        $result.Output | Should -Contain 'about=True'
        $result.Output | Should -Contain 'format=True'
    }
}

Describe 'The package out/WecomPS.(version).nupkg' {
    BeforeAll {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $nupkg = Join-Path $out "WecomPS.$($rootManifest.ModuleVersion).nupkg"
    }

    It 'is a zip with a nuspec naming the module, its version and license' {
        Test-Path $nupkg | Should -BeTrue
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry('WecomPS.nuspec').Open())
            [xml] $nuspec = $reader.ReadToEnd(); $reader.Dispose()
            $nuspec.package.metadata.id | Should -Be 'WecomPS'
            $nuspec.package.metadata.version | Should -Be $rootManifest.ModuleVersion
            $nuspec.package.metadata.license.'#text' | Should -Be 'MIT'
            $nuspec.package.metadata.tags -split ' ' | Should -Contain 'PSModule'
            $nuspec.package.metadata.tags -split ' ' | Should -Contain 'PSCmdlet_Connect-WecomBot'
        }
        finally { $zip.Dispose() }
    }

    It 'holds the same files as the folder, at the package root' {
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        $folder = @(Get-ChildItem $package -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($package, $_.FullName).Replace('\', '/') })
        foreach ($f in $folder) { $entries | Should -Contain $f }
        $entries | Where-Object { $_ -like '*.pdb' } | Should -BeNullOrEmpty
        $entries | Should -Contain '[Content_Types].xml'
    }
}

Describe 'The test kit folder out/WecomPS.Testing' {
    It 'holds the test kit module, its format, its help and the license, and its manifest passes' {
        @(Get-ChildItem $kit -Recurse -File |
            ForEach-Object { [IO.Path]::GetRelativePath($kit, $_.FullName).Replace('\', '/') } | Sort-Object) |
            Should -Be @(@('LICENSE', 'WecomPS.Testing.dll', 'WecomPS.Testing.Format.ps1xml', 'WecomPS.Testing.psd1',
                    'en-US/about_WecomPS.Testing.help.txt', 'en-US/WecomPS.Testing.dll-Help.xml') | Sort-Object)
        (Test-ModuleManifest (Join-Path $kit 'WecomPS.Testing.psd1')).ExportedCmdlets.Keys | Should -Contain 'Start-WecomMockServer'
    }

    It 'has its manifest from module/WecomPS.Testing, copied verbatim' {
        (Get-FileHash (Join-Path $kit 'WecomPS.Testing.psd1')).Hash |
            Should -Be (Get-FileHash (Join-Path $repo 'module/WecomPS.Testing/WecomPS.Testing.psd1')).Hash
    }
}

Describe 'Sources and output apart' {
    It 'module/ holds only the tracked non-code sources of the modules: no build output' {
        $files = @(Get-ChildItem (Join-Path $repo 'module') -Recurse -File |
            ForEach-Object { [IO.Path]::GetRelativePath($repo, $_.FullName).Replace('\', '/') })
        $files | Should -Not -BeNullOrEmpty
        $files | Where-Object { $_ -notmatch '^module/[^/]+/[^/]+\.(ps1xml|psd1)$' } | Should -BeNullOrEmpty
    }

    It 'no help folder at the repository root: the help is generated into out/WecomPS/en-US only' {
        Test-Path (Join-Path $repo 'en-US') | Should -BeFalse
        Test-Path (Join-Path $package 'en-US/WecomPS.dll-Help.xml') | Should -BeTrue
    }

    $noGit = -not (Get-Command git -ErrorAction SilentlyContinue) -or -not (Test-Path "$PSScriptRoot/../../.git")
    It 'git ignores out/ and tracks everything in module/' -Skip:$noGit {
        git -C $repo check-ignore -q out/WecomPS/WecomPS.dll
        $LASTEXITCODE | Should -Be 0
        @(git -C $repo ls-files --others --exclude-standard -- module) | Should -BeNullOrEmpty
    }
}

Describe 'One place for the pins' {
    It 'runs under the Pester version pinned in build/Pins.props' {
        $pins = ([xml](Get-Content (Join-Path $repo 'build/Pins.props') -Raw)).Project.PropertyGroup
        (Get-Module Pester).Version.ToString() | Should -Be $pins.PesterVersion
    }

    It 'names the Pester version nowhere else in the build' {
        $pins = ([xml](Get-Content (Join-Path $repo 'build/Pins.props') -Raw)).Project.PropertyGroup
        $files = @(Get-ChildItem (Join-Path $repo 'build') -File | Where-Object Name -ne 'Pins.props') +
            @(Get-Item (Join-Path $repo 'build.ps1'), (Join-Path $repo 'README.md'))
        $files | Select-String -SimpleMatch $pins.PesterVersion | Should -BeNullOrEmpty
    }
}

Describe 'build.ps1 Docs' {
    It 'makes the help in a child pwsh: the dll is never loaded into the pwsh that runs build.ps1' {
        $script = (Join-Path $repo 'build.ps1').Replace("'", "''")
        $result = Invoke-ChildPwsh @"
& '$script' Docs 6>`$null
'loaded=' + ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -contains 'WecomPS')
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain 'loaded=False'
        Test-Path (Join-Path $package 'en-US/WecomPS.dll-Help.xml') | Should -BeTrue
    }

    It 'makes the test kit help as well, also in a child pwsh' {
        $script = (Join-Path $repo 'build.ps1').Replace("'", "''")
        $help = Join-Path $kit 'en-US'
        $stamp = (Get-Item (Join-Path $help 'WecomPS.Testing.dll-Help.xml')).LastWriteTimeUtc
        Remove-Item (Join-Path $help 'about_WecomPS.Testing.help.txt')
        $result = Invoke-ChildPwsh @"
& '$script' Docs 6>`$null
'loaded=' + ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -contains 'WecomPS.Testing')
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain 'loaded=False'
        Test-Path (Join-Path $help 'about_WecomPS.Testing.help.txt') | Should -BeTrue
        (Get-Item (Join-Path $help 'WecomPS.Testing.dll-Help.xml')).LastWriteTimeUtc | Should -BeGreaterThan $stamp
    }
}

Describe 'dotnet build alone' {
    It 'stages out/WecomPS again and deletes what an earlier build left there' {
        # The configuration the staged dll was built with, so that this build changes nothing else.
        $dllHash = (Get-FileHash (Join-Path $package 'WecomPS.dll')).Hash
        $configuration = Get-ChildItem (Join-Path $repo 'src/WecomPS/bin/*/netstandard2.0/WecomPS.dll') |
            Where-Object { (Get-FileHash $_.FullName).Hash -eq $dllHash } |
            ForEach-Object { $_.Directory.Parent.Name } | Select-Object -First 1
        $configuration | Should -Not -BeNullOrEmpty
        $staged = @(Get-FolderState $package)
        Set-Content (Join-Path $package 'left-over.pdb') 'stale'
        Set-Content (Join-Path $package 'desktop/Removed.Dependency.dll') 'stale'

        $output = dotnet build (Join-Path $repo 'src/WecomPS/WecomPS.csproj') -c $configuration --nologo -v:q `
            -clp:ErrorsOnly -p:GenerateModuleHelp=false 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        Test-Path (Join-Path $package 'left-over.pdb') | Should -BeFalse
        Test-Path (Join-Path $package 'desktop/Removed.Dependency.dll') | Should -BeFalse
        @(Get-FolderState $package) | Should -Be $staged
    }
}
