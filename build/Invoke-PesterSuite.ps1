<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) PowerShell process and writes a summary; build.ps1 Test starts it as a child pwsh
    so that the modules it loads (binary modules cannot be unloaded) and their sessions and servers end with it.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestsPath,
    [Parameter(Mandatory)] [string] $ResultFile,
    [Parameter(Mandatory)] [string] $SummaryFile
)

$ErrorActionPreference = 'Stop'
# The staged modules, where a user's installed modules would be: `Import-Module WecomPS` works as it does for them.
$env:PSModulePath = (Join-Path (Resolve-Path "$PSScriptRoot/..").ProviderPath 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module $PesterPath -Force
Write-Host "Pester $((Get-Module Pester).Version) under PowerShell $($PSVersionTable.PSVersion)"
$config = New-PesterConfiguration
$config.Run.Path = $TestsPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = $ResultFile
$result = Invoke-Pester -Configuration $config
[ordered]@{
    Passed   = $result.PassedCount
    Failed   = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped  = $result.SkippedCount
    Duration = $result.Duration.TotalSeconds
} | ConvertTo-Json | Set-Content -Path $SummaryFile
