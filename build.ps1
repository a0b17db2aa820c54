#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages WecomPS.
.DESCRIPTION
    Tasks:
      Build    (default) compile and stage the modules as out/WecomPS/ and out/WecomPS.Testing/ (plain module folders
               that Import-Module and Publish-Module take as is), then generate the help from docs/ into
               out/WecomPS/en-US and out/WecomPS.Testing/en-US in child pwsh processes.
      Test     Build, then the xunit suite (dotnet test) and the Pester suite in a child process of this pwsh; fails if either fails.
               Its last line is "N passed, M failed" summed over both suites.
      Demo     Build, then run samples/DemoBot.ps1 against the in-process WeCom double (no credentials needed).
      Docs     Generate out/WecomPS/en-US/WecomPS.dll-Help.xml and about_WecomPS.help.txt from docs/en-US, and the
               test kit's from docs/en-US/WecomPS.Testing (format: docs/README.md), each in a child pwsh that
               imports the staged module.
      Package  Build Release, check the staged out/WecomPS and out/WecomPS.Testing and zip out/WecomPS.<ver>.nupkg.
      Bench    Release build, npm ci in bench/node-peer (if node is present), then the benchmarks under bench/ (one table).
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Docs', 'Package', 'Bench')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Bench only: passed to bench/WecomPS.Bench, e.g. -BenchArgs '--runs','5' or 'profile' (see bench/README.md).
    [string[]] $BenchArgs = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
# Every tool pin is in build/Pins.props (MSBuild reads it too); the pinned pwsh is in .config/dotnet-tools.json.
$Pins = ([xml](Get-Content -LiteralPath (Join-Path $root 'build/Pins.props') -Raw)).Project.PropertyGroup
$PesterVersion = $Pins.PesterVersion
$staged = Join-Path $root 'out/WecomPS'

function Write-Step([string] $text) { Write-Host "==> $text" -ForegroundColor Cyan }

function Invoke-Native([string] $what, [scriptblock] $command) {
    & $command
    if ($LASTEXITCODE -ne 0) { throw "$what failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    Write-Step "Build ($Configuration)"
    # The help is made below, in a child of this pwsh, rather than by the build's own `dotnet pwsh` step.
    Invoke-Native 'dotnet build' {
        dotnet build (Join-Path $root 'WecomPS.sln') -c $Configuration --nologo -v:q -clp:ErrorsOnly `
            -p:GenerateModuleHelp=false
    }
    Invoke-Docs
}

# The help, generated in a child pwsh: the generator imports the staged module to read the cmdlets, and a binary
# module cannot be unloaded, so this session never loads the dll (a later build would otherwise meet a stale copy).
# One child per module: WecomPS from docs/en-US, the test kit WecomPS.Testing from docs/en-US/WecomPS.Testing.
function Invoke-Docs {
    $modules = @(
        @{ Name = 'WecomPS'; Docs = 'docs/en-US' }
        @{ Name = 'WecomPS.Testing'; Docs = 'docs/en-US/WecomPS.Testing' }
    )
    $pwsh = @(Get-PwshCommand)
    foreach ($module in $modules) {
        $folder = Join-Path $root "out/$($module.Name)"
        $manifest = Join-Path $folder "$($module.Name).psd1"
        if (-not (Test-Path -LiteralPath $manifest)) {
            throw "$manifest is missing: run 'dotnet pwsh ./build.ps1 Build'."
        }
        Write-Step "Help of $($module.Name) from $($module.Docs) (child pwsh)"
        $pwshArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive',
            '-File', (Join-Path $root 'build/New-MamlHelp.ps1'), '-DocsPath', (Join-Path $root $module.Docs),
            '-OutputPath', (Join-Path $folder 'en-US'), '-ModulePath', $manifest)
        Invoke-Native "help generation of $($module.Name) (build/New-MamlHelp.ps1)" { & $pwsh[0] @pwshArgs }
    }
}

function Get-PesterModulePath {
    Invoke-Native 'restore of the pinned tools' { dotnet restore (Join-Path $root 'build/tools.proj') --nologo -v:q | Out-Host }
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $path = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $PesterVersion was not restored to $path." }
    $path
}

# The pwsh running this script, as a command line: pwsh itself, or dotnet + pwsh.dll under `dotnet pwsh` (the local tool).
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    $name = [IO.Path]::GetFileNameWithoutExtension($process)
    if ($name -eq 'pwsh') { return $process }
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if ($name -eq 'dotnet' -and (Test-Path $dll)) { return $process, $dll }
    $exe = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    if (Test-Path $exe) { return $exe }
    throw "Cannot find the pwsh executable of this PowerShell ($PSHOME) to start a child process."
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $root 'out/test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null

    Write-Step 'xunit (dotnet test)'
    dotnet test (Join-Path $root 'WecomPS.sln') -c $Configuration --no-build --nologo -v:q --blame-hang-timeout 10m --blame-hang-dump-type none --logger 'trx' --results-directory $results
    $xunitExit = $LASTEXITCODE
    $xPassed = 0; $xFailed = 0
    foreach ($trx in Get-ChildItem $results -Filter *.trx -Recurse) {
        $counters = ([xml](Get-Content -LiteralPath $trx.FullName -Raw)).TestRun.ResultSummary.Counters
        $xPassed += [int]$counters.passed
        $xFailed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
    }
    if ($xunitExit -ne 0 -and $xFailed -eq 0) { $xFailed = 1 }   # the run itself broke

    Write-Step "Pester $PesterVersion (child pwsh)"
    $summaryFile = Join-Path $results 'pester-summary.json'
    $pesterPath = Get-PesterModulePath
    $pwsh = @(Get-PwshCommand)
    $pwshArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'build/Invoke-PesterSuite.ps1'),
        '-PesterPath', $pesterPath, '-TestsPath', (Join-Path $root 'tests/Pester'),
        '-ResultFile', (Join-Path $results 'pester.xml'), '-SummaryFile', $summaryFile)
    & $pwsh[0] @pwshArgs
    $pPassed = 0; $pFailed = 1   # no summary: the run itself broke
    if (Test-Path $summaryFile) {
        $summary = Get-Content $summaryFile -Raw | ConvertFrom-Json
        $pPassed = [int]$summary.Passed
        $pFailed = [int]$summary.Failed
    }
    if ($LASTEXITCODE -ne 0 -and $pFailed -eq 0) { $pFailed = 1 }

    Write-Host ''
    Write-Host "xunit: $xPassed passed, $xFailed failed; Pester: $pPassed passed, $pFailed failed"
    $passed = $xPassed + $pPassed
    $failed = $xFailed + $pFailed
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Write-Step 'Demo: samples/DemoBot.ps1 against the in-process WeCom double'
    & (Join-Path $root 'samples/DemoBot.ps1')
}

function Invoke-Package {
    $script:Configuration = 'Release'
    Invoke-Build
    & (Join-Path $root 'build/New-ModulePackage.ps1') -ModulePath $staged `
        -TestKitPath (Join-Path $root 'out/WecomPS.Testing') -OutputPath (Join-Path $root 'out')
}

function Invoke-Bench {
    # Release build of everything: the module staged as out/WecomPS (the pwsh scripts import it) and
    # src/WecomPS.Testing/bin/Release (the pwsh scripts load the double from there).
    $script:Configuration = 'Release'
    Invoke-Build
    # From a Unix shell `-BenchArgs 'side','--quick'` arrives as one string "side,--quick" (pwsh -File does not
    # parse arrays): split it, so the documented command works from bash as well as from pwsh.
    $benchArgs = @($BenchArgs | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
    if ((Get-Command node -ErrorAction SilentlyContinue) -and (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Step 'npm ci in bench/node-peer (the official Node SDK, pinned by package-lock.json)'
        Push-Location (Join-Path $root 'bench/node-peer')
        try { Invoke-Native 'npm ci' { npm ci --no-audit --no-fund --loglevel=error } }
        finally { Pop-Location }
    }
    else {
        Write-Warning 'node/npm not found: the Node SDK column is skipped.'
        $benchArgs += '--no-node'
    }
    Write-Step 'Benchmarks (Release); see bench/README.md'
    Invoke-Native 'bench' { dotnet run -c Release --project (Join-Path $root 'bench/WecomPS.Bench') -- @benchArgs }
}

switch ($Task) {
    'Build'   { Invoke-Build }
    'Test'    { Invoke-Test }
    'Demo'    { Invoke-Demo }
    'Docs'    { Invoke-Docs }
    'Package' { Invoke-Package }
    'Bench'   { Invoke-Bench }
}
