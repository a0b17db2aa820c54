#Requires -Version 7.2
# The protocol reference lives in the repository: every "§n" that code, tests, bench, build, docs and samples cite
# next to docs/protocol.md is a heading there, and no tracked file names a path on somebody's machine (a shared
# folder outside the repository, a home directory). Needs no module: it reads files only.

BeforeAll {
    $repo = (Resolve-Path "$PSScriptRoot/../..").ProviderPath
    $scanned = 'src', 'tests', 'bench', 'build', 'docs', 'samples', 'README.md'
    $textExtensions = '.cs', '.ps1', '.psm1', '.psd1', '.ps1xml', '.md', '.json', '.js', '.csproj', '.props',
        '.targets', '.proj', '.sln', '.xml', '.yml', '.yaml', '.txt', ''

    # Written in pieces so that this file does not match its own patterns.
    $docName = 'protocol' + '.md'
    $machinePaths = @(
        [regex] ('(?<![\w.~-])/' + 'work/'),
        [regex] ('\.\./' + 'shared\b'),
        [regex] ('(?<![\w.~-])/' + 'home/[\w.-]+'),
        [regex] ('(?<![\w.~-])/' + 'Users/[\w.-]+'),
        [regex] ('(?<![\w.~-])/' + 'root/'),
        [regex] ('\b[A-Za-z]:\\' + 'Users\\')
    )

    function Get-RepoFiles([string] $root, [string[]] $under) {
        # Files on disk under the given folders, without build output; relative paths with '/'.
        foreach ($u in $under) {
            $path = Join-Path $root $u
            if (Test-Path $path -PathType Leaf) { $u; continue }
            if (-not (Test-Path $path)) { continue }
            Get-ChildItem $path -Recurse -File | ForEach-Object {
                [IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/')
            } | Where-Object { $_ -notmatch '(^|/)(bin|obj|node_modules|TestResults)/' }
        }
    }

    function Get-TrackedFiles([string] $root) {
        # git's list when the root is a work tree; otherwise every file but build output and .git.
        if (Get-Command git -ErrorAction SilentlyContinue) {
            $inside = git -C $root rev-parse --show-toplevel 2>$null
            if ($LASTEXITCODE -eq 0 -and $inside -and
                [IO.Path]::GetFullPath($inside).TrimEnd('/\') -eq [IO.Path]::GetFullPath($root).TrimEnd('/\')) {
                return @(git -C $root ls-files)
            }
        }
        Get-ChildItem $root -Recurse -File -Force | ForEach-Object {
            [IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/')
        } | Where-Object { $_ -notmatch '(^|/)(\.git|bin|obj|node_modules|TestResults)(/|$)' }
    }

    function Read-TextLines([string] $path) {
        $bytes = [IO.File]::ReadAllBytes($path)
        if ([Array]::IndexOf($bytes, [byte]0, 0, [Math]::Min($bytes.Length, 8000)) -ge 0) { return @() }   # binary
        [Text.Encoding]::UTF8.GetString($bytes) -split '\r?\n'
    }

    function Get-ProtocolSections([string] $docPath) {
        # "## 4. Inbound" gives "4", "### 4.1 ..." gives "4.1"; each maps to the text up to the next heading.
        $sections = @{}
        $current = $null
        foreach ($line in Read-TextLines $docPath) {
            if ($line -match '^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s') {
                $current = $Matches[1]
                $sections[$current] = [Collections.Generic.List[string]]::new()
            }
            elseif ($null -ne $current) { $sections[$current].Add($line) }
        }
        $sections
    }

    function Get-ProtocolReferences([string] $root) {
        # Every §n on a line that mentions the document; "§5.1a" also names item (a) of §5.1.
        foreach ($file in Get-RepoFiles $root $scanned) {
            if ($file -eq 'docs/protocol.md') { continue }
            if ([IO.Path]::GetExtension($file) -notin $textExtensions) { continue }
            $n = 0
            foreach ($line in Read-TextLines (Join-Path $root $file)) {
                $n++
                $at = $line.IndexOf($docName, [StringComparison]::Ordinal)
                if ($at -lt 0) { continue }
                $bare = $line -match '(?<!docs/)protocol\.md'
                $cites = [regex]::Matches($line.Substring($at), '§\s*(\d+(?:\.\d+)*)([a-z])?(?![\w])')
                [pscustomobject]@{
                    Where    = "${file}:$n"
                    Bare     = $bare
                    Sections = @($cites | ForEach-Object {
                        [pscustomobject]@{ Number = $_.Groups[1].Value; Item = $_.Groups[2].Value }
                    })
                }
            }
        }
    }

    function Find-BrokenReferences([string] $root) {
        # What does not resolve: a § without a heading, an item without its "(x)" entry, a name without docs/.
        $sections = Get-ProtocolSections (Join-Path $root 'docs/protocol.md')
        foreach ($ref in Get-ProtocolReferences $root) {
            if ($ref.Bare) { "$($ref.Where): names $docName without docs/ (not a path in the repository)" }
            foreach ($s in $ref.Sections) {
                if (-not $sections.ContainsKey($s.Number)) {
                    "$($ref.Where): §$($s.Number) is not a heading"
                    continue
                }
                $itemPattern = "^\s*(?:[-*]\s+)?\**\($($s.Item)\)"
                if ($s.Item -and -not ($sections[$s.Number] -match $itemPattern)) {
                    "$($ref.Where): §$($s.Number) has no item ($($s.Item))"
                }
            }
        }
        # The document's own cross-references resolve too.
        $n = 0
        foreach ($line in Read-TextLines (Join-Path $root 'docs/protocol.md')) {
            $n++
            foreach ($m in [regex]::Matches($line, '§(\d+(?:\.\d+)*)')) {
                $number = $m.Groups[1].Value
                if (-not $sections.ContainsKey($number)) { "docs/${docName}:${n}: §$number is not a heading" }
            }
        }
    }

    function Find-MachinePaths([string] $root) {
        foreach ($file in Get-TrackedFiles $root) {
            $full = Join-Path $root $file
            if (-not (Test-Path $full -PathType Leaf)) { continue }
            $n = 0
            foreach ($line in Read-TextLines $full) {
                $n++
                foreach ($p in $machinePaths) {
                    $m = $p.Match($line)
                    if ($m.Success) { "${file}:${n}: $($m.Value)" }
                }
            }
        }
    }
}

Describe 'docs/protocol.md' {
    It 'exists and numbers its sections as "N." and "N.M" headings' {
        $sections = Get-ProtocolSections (Join-Path $repo 'docs/protocol.md')
        $sections.Keys | Should -Contain '1'
        $sections.Keys | Should -Contain '10.4'
    }

    It 'is cited from the code (the scan finds the references)' {
        $refs = @(Get-ProtocolReferences $repo | Where-Object { $_.Sections.Count -gt 0 })
        $refs.Count | Should -BeGreaterThan 20
    }

    It 'holds every section that src, tests, bench, build, docs, samples and README.md cite' {
        $broken = @(Find-BrokenReferences $repo)
        $broken | Should -BeNullOrEmpty -Because ($broken -join '; ')
    }
}

Describe 'Tracked files' {
    It 'name no path outside the repository (a shared folder, a home directory)' {
        $found = @(Find-MachinePaths $repo)
        $found | Should -BeNullOrEmpty -Because ($found -join '; ')
    }
}

Describe 'The checks themselves, on a made-up tree' {
    BeforeAll {
        $tree = Join-Path $TestDrive 'tree'
        New-Item -ItemType Directory "$tree/docs", "$tree/src", "$tree/tests" -Force | Out-Null
        $doc = 'docs/' + $docName
        Set-Content "$tree/$doc" "# Title`n## 1. One`n### 1.2 Two`n**(a) first**`nSee §1.2 and §7."
        Set-Content "$tree/src/Good.cs" "// $doc §1 and §1.2a`n// ($doc §1–§1.2)"
        Set-Content "$tree/src/Bad.cs" "// $doc §1.3`n// $doc §1.2b`n// $docName §1"
        Set-Content "$tree/tests/Paths.md" ('data in /' + 'work/shared, or /' + 'home/alice/x, ' +
            'https://example.com/work/ is fine')
    }

    It 'report a missing section, a missing item, a bare reference and a broken cross-reference' {
        $broken = @(Find-BrokenReferences $tree)
        $broken | Should -HaveCount 4
        $broken | Should -Contain 'src/Bad.cs:1: §1.3 is not a heading'
        $broken | Should -Contain 'src/Bad.cs:2: §1.2 has no item (b)'
        $broken | Should -Contain "src/Bad.cs:3: names $docName without docs/ (not a path in the repository)"
        $broken | Should -Contain "${doc}:5: §7 is not a heading"
    }

    It 'report each machine path and not a URL that merely contains one' {
        $found = @(Find-MachinePaths $tree)
        $found | Should -HaveCount 2
        $found | Should -Contain ('tests/Paths.md:1: /' + 'work/')
        $found | Should -Contain ('tests/Paths.md:1: /' + 'home/alice')
    }
}
