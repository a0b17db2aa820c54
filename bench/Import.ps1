#Requires -Version 7.2
<#
.SYNOPSIS
    Import time of the module in this (fresh) pwsh, measured inside it, and the assemblies the import adds to the
    AppDomain. Run once per fresh process. Prints "RESULT {json}".
#>
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$before = [AppDomain]::CurrentDomain.GetAssemblies()
$time = Measure-Command { Import-Module (Join-Path $root 'out/WecomPS/WecomPS.psd1') }
$after = [AppDomain]::CurrentDomain.GetAssemblies()
$added = $after | Where-Object { $before -notcontains $_ } | ForEach-Object { $_.GetName().Name } | Sort-Object
'RESULT ' + (@{ ms = $time.TotalMilliseconds; before = $before.Count; after = $after.Count; added = ($added -join ', ') } | ConvertTo-Json -Compress)
