#Requires -Version 7.2
<#
.SYNOPSIS
    Checks the staged module folder out/WecomPS/ and zips it as out/WecomPS.<version>.nupkg; checks the test kit
    folder out/WecomPS.Testing/ beside it.
.DESCRIPTION
    The build stages both modules as plain folders (build/Stage.targets) that Import-Module and Publish-Module take
    as is; this script changes nothing in them. It checks that out/WecomPS is complete and releasable:

        WecomPS/
          WecomPS.psd1            the repository-root WecomPS.psd1, copied verbatim
          WecomPS.dll
          WecomPS.Format.ps1xml
          WecomPS.Types.ps1xml
          LICENSE
          desktop/*.dll           System.Text.Json and its dependencies, loaded only on Windows PowerShell 5.1
          en-US/WecomPS.dll-Help.xml, en-US/about_WecomPS.help.txt

    and nothing else (no .pdb, test or debug files), then writes the .nupkg: a zip holding WecomPS.nuspec, the
    module files at the package root and the OPC parts ([Content_Types].xml, _rels/.rels) -- the shape
    PowerShellGet produces -- so it can be put in a local repository (Register-PSRepository /
    Register-PSResourceRepository on a folder) and installed from there.
.PARAMETER ModulePath
    The staged module folder (out/WecomPS).
.PARAMETER TestKitPath
    The staged test kit folder (out/WecomPS.Testing). Checked when given.
.PARAMETER OutputPath
    Where the .nupkg is written (out/). An existing one is replaced.
.PARAMETER AllowDebugBuild
    Package a Debug build (tests only). By default a dll built without optimizations is refused.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $TestKitPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [switch] $AllowDebugBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$name = 'WecomPS'
function Fail([string] $message) { throw "Packaging failed: $message" }

# ------------------------------------------------------------------------------------------------ check the folder

if (-not (Test-Path -LiteralPath $ModulePath -PathType Container)) {
    Fail "$ModulePath is missing: run 'dotnet pwsh ./build.ps1 Package' (it builds Release first)."
}
$target = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
foreach ($required in "$name.psd1", "$name.dll", "$name.Format.ps1xml", "$name.Types.ps1xml", 'LICENSE',
        'desktop/System.Text.Json.dll', "en-US/$name.dll-Help.xml", "en-US/about_$name.help.txt") {
    if (-not (Test-Path -LiteralPath (Join-Path $target $required))) {
        Fail "$target/$required is missing: run 'dotnet pwsh ./build.ps1 Package' (it stages the module and its help)."
    }
}

# A Debug build carries a DebuggableAttribute that disables the JIT optimizer; read it without loading the dll.
$isDebug = & {
    $stream = [System.IO.File]::OpenRead("$target/$name.dll")
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        foreach ($handle in $md.GetAssemblyDefinition().GetCustomAttributes()) {
            $attribute = $md.GetCustomAttribute($handle)
            if ($attribute.Constructor.Kind -ne [System.Reflection.Metadata.HandleKind]::MemberReference) { continue }
            $ctor = $md.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor)
            if ($ctor.Parent.Kind -ne [System.Reflection.Metadata.HandleKind]::TypeReference) { continue }
            $type = $md.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$ctor.Parent)
            if ($md.GetString($type.Name) -eq 'DebuggableAttribute') {
                $blob = $md.GetBlobBytes($attribute.Value)
                # prolog (2 bytes) + DebuggingModes (int32); 0x100 = DisableOptimizations
                if ($blob.Length -ge 6) { return ([BitConverter]::ToInt32($blob, 2) -band 0x100) -ne 0 }
            }
        }
        $false
    }
    finally { $stream.Dispose() }
}
if ($isDebug -and -not $AllowDebugBuild) {
    Fail "$target/$name.dll is a Debug build. Run 'dotnet pwsh ./build.ps1 Package', which builds Release."
}

$manifest = Test-ModuleManifest -Path "$target/$name.psd1" -ErrorAction Stop -WarningAction SilentlyContinue
$version = $manifest.Version.ToString()
$psData = $manifest.PrivateData.PSData

$unwanted = @(Get-ChildItem -LiteralPath $target -Recurse -File |
    Where-Object { $_.Extension -in '.pdb', '.json' -or $_.Name -match 'Test' })
if ($unwanted) { Fail ('unwanted files in the module folder: ' + ($unwanted.Name -join ', ')) }

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath

# ------------------------------------------------------------------------------------------------ the nupkg

function ConvertTo-XmlText([string] $s) { [System.Security.SecurityElement]::Escape($s) }

$cmdlets = @($manifest.ExportedCmdlets.Keys | Sort-Object)
$tags = @($psData.Tags) + 'PSModule' + 'PSIncludes_Cmdlet' + 'PSEdition_Desktop' + 'PSEdition_Core' +
    ($cmdlets | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" }) | Select-Object -Unique
$nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$name</id>
    <version>$version</version>
    <authors>$(ConvertTo-XmlText $manifest.Author)</authors>
    <owners>$(ConvertTo-XmlText $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <license type="expression">MIT</license>
    <projectUrl>$(ConvertTo-XmlText $psData.ProjectUri)</projectUrl>
    <description>$(ConvertTo-XmlText $manifest.Description)</description>
    <releaseNotes>$(ConvertTo-XmlText $psData.ReleaseNotes)</releaseNotes>
    <copyright>$(ConvertTo-XmlText $manifest.Copyright)</copyright>
    <tags>$(ConvertTo-XmlText ($tags -join ' '))</tags>
  </metadata>
</package>
"@

$nupkg = Join-Path $OutputPath "$name.$version.nupkg"
if (Test-Path -LiteralPath $nupkg) { Remove-Item -LiteralPath $nupkg -Force }
Add-Type -AssemblyName System.IO.Compression
$zip = [System.IO.Compression.ZipFile]::Open($nupkg, [System.IO.Compression.ZipArchiveMode]::Create)
try {
    function Add-Entry([string] $entryName, [byte[]] $bytes) {
        $entry = $zip.CreateEntry($entryName, [System.IO.Compression.CompressionLevel]::Optimal)
        $entry.LastWriteTime = [DateTimeOffset]::new(2000, 1, 1, 0, 0, 0, [TimeSpan]::Zero)   # reproducible
        $s = $entry.Open(); try { $s.Write($bytes, 0, $bytes.Length) } finally { $s.Dispose() }
    }
    $utf8 = [System.Text.UTF8Encoding]::new($false)
    Add-Entry "$name.nuspec" $utf8.GetBytes($nuspec)
    $extensions = @(Get-ChildItem -LiteralPath $target -Recurse -File | ForEach-Object { $_.Extension.TrimStart('.') } | Where-Object { $_ } | Sort-Object -Unique)
    $types = ($extensions + 'nuspec' + 'rels' | Sort-Object -Unique | ForEach-Object { "<Default Extension=`"$_`" ContentType=`"application/octet-stream`" />" }) -join ''
    Add-Entry '[Content_Types].xml' $utf8.GetBytes("<?xml version=`"1.0`" encoding=`"utf-8`"?><Types xmlns=`"http://schemas.openxmlformats.org/package/2006/content-types`">$types</Types>")
    Add-Entry '_rels/.rels' $utf8.GetBytes("<?xml version=`"1.0`" encoding=`"utf-8`"?><Relationships xmlns=`"http://schemas.openxmlformats.org/package/2006/relationships`"><Relationship Type=`"http://schemas.microsoft.com/packaging/2010/07/manifest`" Target=`"/$name.nuspec`" Id=`"R0`" /></Relationships>")
    foreach ($file in Get-ChildItem -LiteralPath $target -Recurse -File | Sort-Object FullName) {
        $relative = [System.IO.Path]::GetRelativePath($target, $file.FullName).Replace('\', '/')
        Add-Entry $relative ([System.IO.File]::ReadAllBytes($file.FullName))
    }
}
finally { $zip.Dispose() }

# ------------------------------------------------------------------------------------------------ the test kit beside it

# WecomPS.Testing (the WeCom double for runbook tests) is a module of its own, staged next to WecomPS so both can be
# copied into a PSModulePath folder together. PowerShell 7.4+ only, so no desktop/ dependencies.
if ($TestKitPath) {
    foreach ($file in 'WecomPS.Testing.psd1', 'WecomPS.Testing.dll', 'WecomPS.Testing.Format.ps1xml', 'LICENSE') {
        if (-not (Test-Path -LiteralPath (Join-Path $TestKitPath $file))) {
            Fail "$TestKitPath/$file is missing: the build stages the test kit there."
        }
    }
    $kitManifest = Join-Path $TestKitPath 'WecomPS.Testing.psd1'
    $null = Test-ModuleManifest -Path $kitManifest -ErrorAction Stop -WarningAction SilentlyContinue
}

$files = @(Get-ChildItem -LiteralPath $target -Recurse -File)
Write-Host "==> Package $name $version" -ForegroundColor Cyan
Write-Host "    $target ($($files.Count) files, $([math]::Round(($files | Measure-Object Length -Sum).Sum / 1KB)) KB)"
Write-Host "    $nupkg ($([math]::Round((Get-Item -LiteralPath $nupkg).Length / 1KB)) KB)"
if ($TestKitPath) { Write-Host "    $TestKitPath (the test kit, PowerShell 7.4+)" }
