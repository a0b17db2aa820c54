#Requires -Version 7.2
<#
.SYNOPSIS
    Makes the publishable module folder out/WecomPS/ and the package out/WecomPS.<version>.nupkg, and the test kit
    module folder out/WecomPS.Testing/ beside them.
.DESCRIPTION
    Input: the module staged by the build under <Root>/module (Release), the help generated under <Root>/en-US, the
    repository-root WecomPS.psd1 and LICENSE. Output layout (what Publish-Module and Install-Module expect):

        WecomPS/
          WecomPS.psd1            the root manifest with its module/ paths removed
          WecomPS.dll
          WecomPS.Format.ps1xml
          WecomPS.Types.ps1xml
          LICENSE
          desktop/*.dll           System.Text.Json and its dependencies, loaded only on Windows PowerShell 5.1
          en-US/WecomPS.dll-Help.xml, en-US/about_WecomPS.help.txt

    In the package the dll sits at the module root, so the help (ModuleBase/en-US) and desktop/ (beside the dll)
    are found the same way as in the repository. No .pdb, test or debug files are copied.

    The .nupkg is a zip holding WecomPS.nuspec, the module files at the package root and the OPC parts
    ([Content_Types].xml, _rels/.rels) -- the shape PowerShellGet produces -- so it can be put in a local
    repository (Register-PSRepository / Register-PSResourceRepository on a folder) and installed from there.
.PARAMETER Root
    The repository root.
.PARAMETER OutputPath
    Where WecomPS/ and the .nupkg are written (out/). Existing output is replaced.
.PARAMETER AllowDebugBuild
    Package a Debug build (tests only). By default a dll built without optimizations is refused.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $OutputPath,
    [switch] $AllowDebugBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = (Resolve-Path -LiteralPath $Root).ProviderPath
$name = 'WecomPS'
$staged = Join-Path $Root 'module'
$manifestPath = Join-Path $Root "$name.psd1"
$helpPath = Join-Path $Root 'en-US'

function Fail([string] $message) { throw "Packaging failed: $message" }

# ------------------------------------------------------------------------------------------------ check the input

foreach ($required in "$staged/$name.dll", "$staged/$name.Format.ps1xml", "$staged/$name.Types.ps1xml", "$staged/desktop/System.Text.Json.dll") {
    if (-not (Test-Path -LiteralPath $required)) { Fail "$required is missing: run 'dotnet pwsh ./build.ps1 Package' (it builds Release first)." }
}
foreach ($required in "$helpPath/$name.dll-Help.xml", "$helpPath/about_$name.help.txt") {
    if (-not (Test-Path -LiteralPath $required)) { Fail "$required is missing: the build generates it from docs/en-US (build/New-MamlHelp.ps1)." }
}
if (-not (Test-Path -LiteralPath (Join-Path $Root 'LICENSE'))) { Fail "$Root/LICENSE is missing." }

# A Debug build carries a DebuggableAttribute that disables the JIT optimizer; read it without loading the dll.
$isDebug = & {
    $stream = [System.IO.File]::OpenRead("$staged/$name.dll")
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
if ($isDebug -and -not $AllowDebugBuild) { Fail "$staged/$name.dll is a Debug build. Run 'dotnet pwsh ./build.ps1 Package', which builds Release." }

# ------------------------------------------------------------------------------------------------ the folder

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
$target = Join-Path $OutputPath $name
if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
New-Item -ItemType Directory -Path "$target/desktop", "$target/en-US" -Force | Out-Null

Copy-Item -LiteralPath "$staged/$name.dll", "$staged/$name.Format.ps1xml", "$staged/$name.Types.ps1xml" -Destination $target
Copy-Item -LiteralPath (Join-Path $Root 'LICENSE') -Destination $target
Get-ChildItem -LiteralPath "$staged/desktop" -Filter *.dll -File | Copy-Item -Destination "$target/desktop"
Copy-Item -LiteralPath "$helpPath/$name.dll-Help.xml", "$helpPath/about_$name.help.txt" -Destination "$target/en-US"

# The manifest: the repository's, with the module/ prefix removed from its paths (the dll is at the root here).
$text = Get-Content -LiteralPath $manifestPath -Raw
$text = [regex]::Replace($text, "(['""])module[/\\]", '$1')
if ($text -match "['""]module[/\\]") { Fail 'the manifest still refers to module/ after rewriting.' }
[System.IO.File]::WriteAllText("$target/$name.psd1", $text, [System.Text.UTF8Encoding]::new($false))

$manifest = Test-ModuleManifest -Path "$target/$name.psd1" -ErrorAction Stop -WarningAction SilentlyContinue
$version = $manifest.Version.ToString()
$psData = $manifest.PrivateData.PSData

$unwanted = @(Get-ChildItem -LiteralPath $target -Recurse -File | Where-Object { $_.Extension -in '.pdb', '.deps.json' -or $_.Name -match 'Test' })
if ($unwanted) { Fail ('unwanted files in the package: ' + ($unwanted.Name -join ', ')) }

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

# WecomPS.Testing (the WeCom double for runbook tests) is a module of its own; it goes next to WecomPS so both can be
# copied into a PSModulePath folder together. PowerShell 7.4+ only, so no desktop/ dependencies.
$kitSource = Join-Path $staged 'WecomPS.Testing'
$kitTarget = Join-Path $OutputPath 'WecomPS.Testing'
if (Test-Path -LiteralPath $kitTarget) { Remove-Item -LiteralPath $kitTarget -Recurse -Force }
New-Item -ItemType Directory -Path $kitTarget -Force | Out-Null
foreach ($file in 'WecomPS.Testing.psd1', 'WecomPS.Testing.dll', 'WecomPS.Testing.Format.ps1xml') {
    if (-not (Test-Path -LiteralPath "$kitSource/$file")) { Fail "$kitSource/$file is missing: the build stages the test kit there." }
    Copy-Item -LiteralPath "$kitSource/$file" -Destination $kitTarget
}
Copy-Item -LiteralPath (Join-Path $Root 'LICENSE') -Destination $kitTarget
$null = Test-ModuleManifest -Path "$kitTarget/WecomPS.Testing.psd1" -ErrorAction Stop -WarningAction SilentlyContinue

$files = @(Get-ChildItem -LiteralPath $target -Recurse -File)
Write-Host "==> Package $name $version" -ForegroundColor Cyan
Write-Host "    $target ($($files.Count) files, $([math]::Round(($files | Measure-Object Length -Sum).Sum / 1KB)) KB)"
Write-Host "    $nupkg ($([math]::Round((Get-Item -LiteralPath $nupkg).Length / 1KB)) KB)"
Write-Host "    $kitTarget (the test kit, PowerShell 7.4+)"
