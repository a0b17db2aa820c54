# Shared by every Pester file (dot-source it in BeforeAll: `. $PSScriptRoot/common.ps1`): where the repository and the
# staged modules are, importing them, and a fresh pwsh to run a script in.

$RepoRoot = (Resolve-Path -LiteralPath "$PSScriptRoot/../..").ProviderPath
# The modules as the build stages them (build/Stage.targets): plain folders that Import-Module takes as is.
$WecomPSManifest = Join-Path $RepoRoot 'out/WecomPS/WecomPS.psd1'
$TestKitManifest = Join-Path $RepoRoot 'out/WecomPS.Testing/WecomPS.Testing.psd1'

function Import-WecomModule {
    <# Imports the staged WecomPS and, unless -NoTestKit, the WecomPS.Testing test kit. #>
    param([switch] $NoTestKit)
    foreach ($manifest in @($WecomPSManifest) + @(if (-not $NoTestKit) { $TestKitManifest })) {
        if (-not (Test-Path -LiteralPath $manifest)) {
            throw "$manifest is missing: build first ('dotnet pwsh ./build.ps1 Build' or 'dotnet build WecomPS.sln')."
        }
        Import-Module $manifest -Global
    }
}

function Get-ChildPwshCommand {
    <# The PowerShell running the tests, for a fresh process: .Exe, and .Arguments that go before the script's own
       (under 'dotnet pwsh' the executable is dotnet and the first argument pwsh.dll). #>
    $exe = [Environment]::ProcessPath
    $arguments = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') }
    [pscustomobject]@{ Exe = $exe; Arguments = $arguments }
}

function Invoke-ChildPwsh([string] $Command) {
    <# Runs $Command in a fresh pwsh (-NoProfile -NonInteractive); returns its exit code and output lines. #>
    $pwsh = Get-ChildPwshCommand
    $arguments = $pwsh.Arguments
    $output = & $pwsh.Exe @arguments -NoProfile -NonInteractive -Command $Command 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
}

function Wait-Until {
    <# Runs $Condition until it returns a true value or $TimeoutSec passes; returns whether it came true. For what
       happens on another thread (a frame reaching the double, a message reaching the inbox): wait on it, not for a
       fixed time. Use it as: Wait-Until { ... } | Should -BeTrue #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSec = 10, [int] $IntervalMs = 20)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { return $false }
        Start-Sleep -Milliseconds $IntervalMs
    }
    $true
}
