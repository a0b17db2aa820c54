#Requires -Version 7.2
# The module as it is shipped: the manifest at the repository root, and the folder and .nupkg that
# build/New-ModulePackage.ps1 makes (built here into TestDrive from the module the build staged).

BeforeAll {
    $repo = (Resolve-Path "$PSScriptRoot/../..").ProviderPath
    $out = Join-Path $TestDrive 'out'
    # The Test task builds Debug; -AllowDebugBuild lets the same script package it (Package itself builds Release).
    & (Join-Path $repo 'build/New-ModulePackage.ps1') -Root $repo -OutputPath $out -AllowDebugBuild 6>$null
    $package = Join-Path $out 'WecomPS'
    $rootManifest = Import-PowerShellDataFile (Join-Path $repo 'WecomPS.psd1')

    function Invoke-ChildPwsh([string] $command) {
        # A fresh process of the PowerShell running the tests (under 'dotnet pwsh' that is dotnet + pwsh.dll).
        $exe = [Environment]::ProcessPath
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $exe @prefix -NoProfile -NonInteractive -Command $command 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
    }
}

Describe 'The repository-root manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest (Join-Path $repo 'WecomPS.psd1') -ErrorAction Stop } | Should -Not -Throw
    }

    It 'exports cmdlets by name (no wildcards) and no functions, aliases or variables' {
        $rootManifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $rootManifest.CmdletsToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        @($rootManifest.FunctionsToExport).Count | Should -Be 0
        @($rootManifest.AliasesToExport).Count | Should -Be 0
        @($rootManifest.VariablesToExport).Count | Should -Be 0
    }

    It 'exports exactly the cmdlets the assembly defines' {
        $module = Import-Module (Join-Path $repo 'WecomPS.psd1') -Force -PassThru
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($rootManifest.CmdletsToExport | Sort-Object)
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

Describe 'The package folder out/WecomPS' {
    It 'holds the module files, the desktop dependencies and the help, and nothing else' {
        $files = @(Get-ChildItem $package -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($package, $_.FullName).Replace('\', '/') } | Sort-Object)
        $expected = @(
            'LICENSE', 'WecomPS.dll', 'WecomPS.Format.ps1xml', 'WecomPS.psd1', 'WecomPS.Types.ps1xml',
            'en-US/about_WecomPS.help.txt', 'en-US/WecomPS.dll-Help.xml'
        ) + @(Get-ChildItem (Join-Path $repo 'module/desktop') -Filter *.dll | ForEach-Object { "desktop/$($_.Name)" })
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

    It 'imports in a new PowerShell process, with formats and help' {
        $psd1 = (Join-Path $package 'WecomPS.psd1').Replace("'", "''")
        $result = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
`$m = Import-Module '$psd1' -PassThru
'base=' + `$m.ModuleBase
'cmdlets=' + ((Get-Command -Module WecomPS).Name -join ',')
'synopsis=' + (Get-Help Connect-WecomBot).Synopsis
'about=' + ((Get-Help about_WecomPS | Out-String) -match 'SHORT DESCRIPTION')
'format=' + [bool](Get-FormatData -TypeName WecomPS.Session.WecomSession)
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain ('base=' + $package)
        $result.Output | Should -Contain ('cmdlets=' + (($rootManifest.CmdletsToExport | Sort-Object) -join ','))
        $result.Output | Should -Contain 'synopsis=Opens a WeCom AI-bot long connection and makes it the default session.'
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
    It 'holds the test kit module, its format and the license, and its manifest passes' {
        $kit = Join-Path $out 'WecomPS.Testing'
        @(Get-ChildItem $kit -File).Name | Sort-Object |
            Should -Be @('LICENSE', 'WecomPS.Testing.dll', 'WecomPS.Testing.Format.ps1xml', 'WecomPS.Testing.psd1')
        (Test-ModuleManifest (Join-Path $kit 'WecomPS.Testing.psd1')).ExportedCmdlets.Keys | Should -Contain 'Start-WecomMockServer'
    }
}
