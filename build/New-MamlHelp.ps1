#Requires -Version 7.2
<#
.SYNOPSIS
    Turns the help Markdown under docs/<culture>/ into MAML (<Module>.dll-Help.xml) and about_*.help.txt files.
.DESCRIPTION
    The Markdown carries only what a person must write: synopsis, description, one description per parameter,
    inputs, outputs, notes, examples and related links (format: docs/README.md). Everything the code already
    knows -- syntax, parameter sets, types, mandatory, position, pipeline binding, aliases, wildcards, valid
    values -- is read from the loaded commands (Get-Command), so the help cannot drift from the cmdlets.

    The generator fails (one error listing every problem) when an exported command has no page, a page has no
    synopsis or description, a parameter has no description, a page documents a parameter the command does not
    have, a command has fewer than -MinimumExamples examples, or an about_ page lacks its SHORT/LONG DESCRIPTION.
    No external modules are used.
.PARAMETER DocsPath
    The folder of the Markdown pages (docs/en-US).
.PARAMETER OutputPath
    The folder the help is written to (created when missing).
.PARAMETER ModulePath
    What Import-Module loads to read the command metadata. Default: the staged module out/WecomPS/WecomPS.psd1 of
    the repository two folders above DocsPath. Run the generator in a pwsh of its own (build.ps1 and the build
    start a child pwsh): a binary module stays loaded until its process ends.
.PARAMETER HelpFileName
    The MAML file name. Default: <module name>.dll-Help.xml.
.PARAMETER MinimumExamples
    The fewest examples a command may have. Default: 2.
.EXAMPLE
    pwsh -NoProfile -File ./build/New-MamlHelp.ps1 -DocsPath docs/en-US -OutputPath out/WecomPS/en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $ModulePath,
    [string] $HelpFileName,
    [ValidateRange(0, 100)] [int] $MinimumExamples = 2
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath
if (-not $ModulePath) { $ModulePath = Join-Path (Split-Path (Split-Path $DocsPath)) 'out/WecomPS/WecomPS.psd1' }

# Parameters every advanced command has; the generator writes the standard text for WhatIf/Confirm itself.
$CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
$StandardParameterText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

# ------------------------------------------------------------------------------------------------ Markdown reading

function Split-MarkdownSection {
    <# Splits lines into [ordered]@{ heading = lines } at headings of the given level, ignoring code fences. #>
    param([string[]] $Lines, [int] $Level)
    $prefix = ('#' * $Level) + ' '
    $sections = [ordered]@{}
    $current = $null; $buffer = [System.Collections.Generic.List[string]]::new(); $inFence = $false
    $preamble = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($prefix)) {
            if ($null -ne $current) { $sections[$current] = $buffer.ToArray() }
            $current = $line.Substring($prefix.Length).Trim()
            if ($sections.Contains($current)) { throw "duplicate heading '$prefix$current'" }
            $buffer = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($null -eq $current) { $preamble.Add($line) } else { $buffer.Add($line) }
    }
    if ($null -ne $current) { $sections[$current] = $buffer.ToArray() }
    [pscustomobject]@{ Preamble = $preamble.ToArray(); Sections = $sections }
}

function ConvertTo-PlainText([string] $text) {
    # Inline Markdown to what a console shows: links keep their address, emphasis and code marks go.
    $text = [regex]::Replace($text, '\[([^\]]+)\]\((https?://[^)]+)\)', '$1 ($2)')
    $text = [regex]::Replace($text, '\[([^\]]+)\]\([^)]*\)', '$1')
    $text = $text -replace '\*\*([^*]+)\*\*', '$1' -replace '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1' -replace '`([^`]*)`', '$1'
    $text
}

function Get-Paragraph {
    <# Blank-line separated blocks of prose; list items become one paragraph each ("- item"); code stays verbatim. #>
    param([string[]] $Lines)
    $paras = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    $flush = {
        if ($buffer.Count) {
            $paras.Add((ConvertTo-PlainText (($buffer | ForEach-Object { $_.Trim() }) -join ' ')))
            $buffer.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') {
            & $flush
            if ($inFence) { $paras.Add(($fence -join "`n")); $inFence = $false }
            else { $inFence = $true; $fence = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        if ($inFence) { $fence.Add('    ' + $line); continue }
        if ($line -match '^\s*$') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flush }
        $buffer.Add($line)
    }
    & $flush
    , $paras.ToArray()
}

function Read-CommandPage([string] $path) {
    $lines = Get-Content -LiteralPath $path -Encoding utf8
    $top = Split-MarkdownSection $lines 1
    $name = @($top.Sections.Keys)[0]
    $body = Split-MarkdownSection $top.Sections[$name] 2
    $page = [ordered]@{
        Name = $name; Path = $path; Synopsis = @(); Description = @(); Parameters = [ordered]@{}; Inputs = @(); Outputs = @()
        Notes = @(); Examples = @(); Links = @(); Unknown = @()
    }
    foreach ($heading in $body.Sections.Keys) {
        $content = $body.Sections[$heading]
        switch ($heading) {
            'SYNOPSIS' { $page.Synopsis = Get-Paragraph $content }
            'DESCRIPTION' { $page.Description = Get-Paragraph $content }
            'PARAMETERS' {
                foreach ($p in (Split-MarkdownSection $content 3).Sections.GetEnumerator()) {
                    $text = @($p.Value)
                    $default = $null
                    $kept = foreach ($l in $text) { if ($l -match '^\s*Default value:\s*(.+?)\s*$') { $default = ConvertTo-PlainText $Matches[1] } else { $l } }
                    $page.Parameters[$p.Key.TrimStart('-')] = [pscustomobject]@{ Text = @(Get-Paragraph @($kept)); Default = $default }
                }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                $items = foreach ($t in (Split-MarkdownSection $content 3).Sections.GetEnumerator()) {
                    [pscustomobject]@{ Type = (ConvertTo-PlainText $t.Key); Text = @(Get-Paragraph $t.Value) }
                }
                if ($heading -eq 'INPUTS') { $page.Inputs = @($items) } else { $page.Outputs = @($items) }
            }
            'NOTES' { $page.Notes = Get-Paragraph $content }
            'EXAMPLES' {
                $page.Examples = @(foreach ($e in (Split-MarkdownSection $content 3).Sections.GetEnumerator()) {
                    $code = [System.Collections.Generic.List[string]]::new(); $remarks = [System.Collections.Generic.List[string]]::new()
                    $inFence = $false; $fences = 0
                    foreach ($l in $e.Value) {
                        if ($l -match '^\s*```') { $inFence = -not $inFence; if ($inFence) { $fences++ }; continue }
                        if ($inFence -and $fences -eq 1) { $code.Add($l) } elseif (-not $inFence) { $remarks.Add($l) }
                    }
                    [pscustomobject]@{ Title = $e.Key; Code = ($code -join "`n").Trim(); Remarks = @(Get-Paragraph $remarks.ToArray()) }
                })
            }
            'RELATED LINKS' {
                $page.Links = @(foreach ($l in $content) {
                    if ($l -match '^\s*[-*]\s*\[([^\]]+)\]\(([^)]*)\)') {
                        $text = $Matches[1]; $target = $Matches[2]
                        [pscustomobject]@{ Text = $text; Uri = $(if ($target -like 'http*://*') { $target } else { '' }) }
                    }
                })
            }
            default { $page.Unknown += $heading }
        }
    }
    [pscustomobject]$page
}

# ------------------------------------------------------------------------------------------------ metadata

function Get-TypeName([type] $type) {
    if ($type.IsArray) { return (Get-TypeName $type.GetElementType()) + '[]' }
    if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { return (Get-TypeName $type.GetGenericArguments()[0]) }
    $type.Name
}

function Get-ParameterInfo($command, [string] $name) {
    $p = $command.Parameters[$name]
    $sets = @(foreach ($s in $p.ParameterSets.GetEnumerator()) {
        [pscustomobject]@{
            Name = $s.Key; Mandatory = $s.Value.IsMandatory
            Position = if ($s.Value.Position -ge 0) { [string]$s.Value.Position } else { 'named' }
            ByValue = $s.Value.ValueFromPipeline; ByPropertyName = $s.Value.ValueFromPipelineByPropertyName
        }
    })
    $validSet = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    $range = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] } | Select-Object -First 1
    $length = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateLengthAttribute] } | Select-Object -First 1
    $pipe = @()
    if ($sets | Where-Object ByValue) { $pipe += 'ByValue' }
    if ($sets | Where-Object ByPropertyName) { $pipe += 'ByPropertyName' }
    [pscustomobject]@{
        Name = $name
        Type = $p.ParameterType
        TypeName = Get-TypeName $p.ParameterType
        IsSwitch = $p.SwitchParameter
        Sets = $sets
        Aliases = @($p.Aliases)
        Globbing = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        ValidValues = if ($validSet) { @($validSet.ValidValues) } else { @() }
        Range = if ($range) { "$($range.MinRange) to $($range.MaxRange)" } else { $null }
        Length = if ($length) { "$($length.MinLength) to $($length.MaxLength) characters" } else { $null }
        Pipeline = if ($pipe) { 'True (' + ($pipe -join ', ') + ')' } else { 'False' }
    }
}

function Get-SetSummary($info, $allSetNames) {
    # 'Required?' and 'Position?' hold one value when every set agrees, else the value per set.
    $required = @($info.Sets | ForEach-Object { $_.Mandatory } | Select-Object -Unique)
    $positions = @($info.Sets | ForEach-Object { $_.Position } | Select-Object -Unique)
    [pscustomobject]@{
        Required = if ($required.Count -eq 1) { ([string]$required[0]).ToLowerInvariant() } else { ($info.Sets | ForEach-Object { "$(([string]$_.Mandatory).ToLowerInvariant()) ($($_.Name))" }) -join ', ' }
        Position = if ($positions.Count -eq 1) { $positions[0] } else { ($info.Sets | ForEach-Object { "$($_.Position) ($($_.Name))" }) -join ', ' }
        InAllSets = ($info.Sets.Name -contains '__AllParameterSets') -or (@($allSetNames | Where-Object { $_ -notin $info.Sets.Name }).Count -eq 0)
    }
}

# ------------------------------------------------------------------------------------------------ MAML writing

$ns = @{
    maml = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp = 'http://msdn.microsoft.com/mshelp'
}

function Write-Paragraphs([System.Xml.XmlWriter] $w, [string[]] $paras) {
    $w.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($p in $paras) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
    if (-not $paras) { $w.WriteStartElement('maml', 'para', $ns.maml); $w.WriteEndElement() }
    $w.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $w, $info, [string[]] $text, [string] $default, [string] $required, [string] $position, [bool] $inSyntax) {
    $w.WriteStartElement('command', 'parameter', $ns.command)
    $w.WriteAttributeString('required', $required)
    $w.WriteAttributeString('variableLength', ([string]$info.Type.IsArray).ToLowerInvariant())
    $w.WriteAttributeString('globbing', ([string]$info.Globbing).ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $info.Pipeline)
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($info.Aliases) { $info.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $ns.maml, $info.Name)
    Write-Paragraphs $w $text
    if ($info.ValidValues) {
        $w.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $info.ValidValues) {
            $w.WriteStartElement('command', 'parameterValue', $ns.command)
            $w.WriteAttributeString('required', 'false'); $w.WriteAttributeString('command', 'variableLength', $ns.command, 'false')
            $w.WriteString($v); $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    if (-not ($inSyntax -and $info.IsSwitch)) {
        $w.WriteStartElement('command', 'parameterValue', $ns.command)
        $w.WriteAttributeString('required', $(if ($info.IsSwitch) { 'false' } else { 'true' }))
        $w.WriteAttributeString('variableLength', ([string]$info.Type.IsArray).ToLowerInvariant())
        $w.WriteString($info.TypeName); $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $ns.dev)
    $w.WriteElementString('maml', 'name', $ns.maml, $info.TypeName)
    $w.WriteElementString('maml', 'uri', $ns.maml, '')
    $w.WriteEndElement()
    $w.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($default) { $default } elseif ($info.IsSwitch) { 'False' } else { 'None' }))
    $w.WriteEndElement()
}

function Get-ParameterText($page, $info, $command) {
    $doc = $page.Parameters[$info.Name]
    $text = if ($doc) { @($doc.Text) } elseif ($StandardParameterText.ContainsKey($info.Name)) { , $StandardParameterText[$info.Name] } else { @() }
    $extra = @()
    if ($info.ValidValues) { $extra += 'Valid values: ' + ($info.ValidValues -join ', ') + '.' }
    if ($info.Range) { $extra += "Valid range: $($info.Range)." }
    if ($info.Length) { $extra += "Length: $($info.Length)." }
    $allSets = @($command.ParameterSets.Name)
    if ($allSets.Count -gt 1 -and -not (Get-SetSummary $info $allSets).InAllSets) {
        $extra += 'Parameter sets: ' + (($info.Sets | ForEach-Object { $_.Name + $(if ($_.Mandatory) { ' (mandatory)' } else { '' }) }) -join ', ') + '.'
    }
    @($text) + $extra
}

function Write-Command([System.Xml.XmlWriter] $w, $command, $page) {
    $w.WriteStartElement('command', 'command', $ns.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') { $w.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix]) }

    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $command.Name)
    Write-Paragraphs $w $page.Synopsis
    $w.WriteElementString('command', 'verb', $ns.command, $command.Verb)
    $w.WriteElementString('command', 'noun', $ns.command, $command.Noun)
    $w.WriteEndElement()

    Write-Paragraphs $w $page.Description

    $names = @($command.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters })
    $infos = @{}; foreach ($n in $names) { $infos[$n] = Get-ParameterInfo $command $n }

    # Syntax: one item per parameter set, positional first, then mandatory, then the rest (as Get-Command shows).
    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $command.Name)
        $inSet = foreach ($sp in $set.Parameters) {
            if ($sp.Name -in [System.Management.Automation.PSCmdlet]::CommonParameters) { continue }
            [pscustomobject]@{ P = $sp; Order = $(if ($sp.Position -ge 0) { $sp.Position } elseif ($sp.IsMandatory) { 1000 } else { 2000 }) }
        }
        foreach ($item in ($inSet | Sort-Object Order)) {
            $sp = $item.P; $info = $infos[$sp.Name]
            Write-Parameter $w $info (Get-ParameterText $page $info $command) $null ([string]$sp.IsMandatory).ToLowerInvariant() `
                $(if ($sp.Position -ge 0) { [string]$sp.Position } else { 'named' }) $true
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # Parameters: in the order the page documents them, then any the page leaves to the standard text.
    $ordered = @($page.Parameters.Keys | Where-Object { $_ -in $names }) + @($names | Where-Object { $_ -notin $page.Parameters.Keys } | Sort-Object)
    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($n in $ordered) {
        $info = $infos[$n]
        $summary = Get-SetSummary $info @($command.ParameterSets.Name)
        $default = if ($page.Parameters[$n]) { $page.Parameters[$n].Default } else { $null }
        Write-Parameter $w $info (Get-ParameterText $page $info $command) $default $summary.Required $summary.Position $false
    }
    $w.WriteEndElement()

    foreach ($kind in @(@{ Outer = 'inputTypes'; Inner = 'inputType'; Items = $page.Inputs }, @{ Outer = 'returnValues'; Inner = 'returnValue'; Items = $page.Outputs })) {
        $w.WriteStartElement('command', $kind.Outer, $ns.command)
        foreach ($item in $kind.Items) {
            $w.WriteStartElement('command', $kind.Inner, $ns.command)
            $w.WriteStartElement('dev', 'type', $ns.dev)
            $w.WriteElementString('maml', 'name', $ns.maml, $item.Type)
            $w.WriteEndElement()
            Write-Paragraphs $w $item.Text
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $ns.maml)
    $w.WriteStartElement('maml', 'alert', $ns.maml)
    foreach ($p in $page.Notes) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
    $w.WriteEndElement(); $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $ns.command)
    $i = 0
    foreach ($e in $page.Examples) {
        $i++
        $title = $e.Title -replace '^Example\s+\d+\s*[:.-]?\s*', ''
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('maml', 'title', $ns.maml, "--------- Example ${i}: $title ---------")
        $w.WriteElementString('dev', 'code', $ns.dev, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($p in $e.Remarks) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
        $w.WriteElementString('maml', 'para', $ns.maml, '')   # a blank line before the next example
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($l in $page.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $w.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
        $w.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}

# ------------------------------------------------------------------------------------------------ about_ topics

function ConvertTo-AboutText([string[]] $lines) {
    <# Markdown to the plain text layout of about_*.help.txt: headings flush left in capitals, text indented 4
       and wrapped at 80 columns, code and tables kept verbatim (indented). #>
    $out = [System.Collections.Generic.List[string]]::new()
    $para = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    $wrap = {
        param([string] $text, [string] $indent, [string] $hanging)
        $line = $indent
        foreach ($word in ($text -split '\s+' | Where-Object { $_ })) {
            if ($line.Trim().Length -gt 0 -and ($line.Length + 1 + $word.Length) -gt 80) { $out.Add($line.TrimEnd()); $line = $hanging }
            $line += $(if ($line.Trim().Length) { ' ' } else { '' }) + $word
        }
        if ($line.Trim().Length) { $out.Add($line.TrimEnd()) }
    }
    $flush = {
        if ($para.Count) {
            $text = ConvertTo-PlainText (($para | ForEach-Object { $_.Trim() }) -join ' ')
            if ($text -match '^([-*]|\d+\.)\s+(.*)$') {
                $bullet = if ($Matches[1] -in '-', '*') { '-' } else { $Matches[1] }
                & $wrap "$bullet $($Matches[2])" '    ' (' ' * (5 + $bullet.Length))
            }
            else { & $wrap $text '    ' '    ' }
            $para.Clear()
        }
    }
    $table = [System.Collections.Generic.List[object]]::new()
    $flushTable = {
        # A table that fits in 80 columns stays a table (aligned, no pipes); a wider one becomes one block per row:
        # the first cells on a line, the last cell wrapped under it. The header row is dropped in block form.
        if (-not $table.Count) { return }
        $columns = ($table | ForEach-Object { $_.Count } | Measure-Object -Maximum).Maximum
        $widths = foreach ($c in 0..($columns - 1)) { ($table | ForEach-Object { if ($c -lt $_.Count) { $_[$c].Length } else { 0 } } | Measure-Object -Maximum).Maximum }
        if ((($widths | Measure-Object -Sum).Sum + 2 * ($columns - 1) + 4) -le 80) {
            $first = $true
            foreach ($row in $table) {
                $out.Add(('    ' + ((0..($columns - 1) | ForEach-Object { $cell = if ($_ -lt $row.Count) { $row[$_] } else { '' }; $cell.PadRight($widths[$_]) }) -join '  ')).TrimEnd())
                if ($first) { $out.Add('    ' + (($widths | ForEach-Object { '-' * $_ }) -join '  ')); $first = $false }
            }
        }
        else {
            foreach ($row in ($table | Select-Object -Skip 1)) {
                $head = $row[0] + $(if ($row.Count -gt 2) { ' (' + (($row[1..($row.Count - 2)]) -join ', ') + ')' } else { '' })
                $out.Add("    $head")
                & $wrap $row[$row.Count - 1] '        ' '        '
            }
        }
        $table.Clear()
    }
    foreach ($line in $lines) {
        if ($line -notmatch '^\s*\|') { & $flushTable }
        if ($line -match '^\s*```') { & $flush; $inFence = -not $inFence; continue }
        if ($inFence) { $out.Add(('        ' + $line).TrimEnd()); continue }
        if ($line -match '^(#{1,4})\s+(.*)$') {
            & $flush
            $level = $Matches[1].Length; $title = ConvertTo-PlainText $Matches[2]
            if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') }
            if ($level -eq 1) { $out.Add('TOPIC'); $out.Add("    $title") }
            elseif ($level -eq 2) { $out.Add($title.ToUpperInvariant()) }
            else { $out.Add("  $title") }
            continue
        }
        if ($line -match '^\s*\|') {
            & $flush
            if ($line -notmatch '^\s*\|[\s:|-]+\|\s*$') { $table.Add(@($line.Trim().Trim('|') -split '\|' | ForEach-Object { ConvertTo-PlainText $_.Trim() })) }
            continue
        }
        if ($line -match '^\s*$') { & $flush; if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') }; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flush }
        $para.Add($line)
    }
    & $flush
    & $flushTable
    ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

# ------------------------------------------------------------------------------------------------ main

$problems = [System.Collections.Generic.List[string]]::new()

$module = Import-Module $ModulePath -PassThru -Force -DisableNameChecking -ErrorAction Stop -Verbose:$false
if (-not $HelpFileName) { $HelpFileName = "$($module.Name).dll-Help.xml" }
$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet, Function | Sort-Object Name)

$pages = @{}
foreach ($file in Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File) {
    if ($file.Name -like 'about_*') { continue }
    try { $page = Read-CommandPage $file.FullName }
    catch { $problems.Add("$($file.Name): cannot be read: $_"); continue }
    if ($page.Name -ne $file.BaseName) { $problems.Add("$($file.Name): the title '# $($page.Name)' does not match the file name.") }
    $pages[$file.BaseName] = $page
}

foreach ($command in $commands) {
    $page = $pages[$command.Name]
    if (-not $page) { $problems.Add("$($command.Name): no help page; write docs/$(Split-Path $DocsPath -Leaf)/$($command.Name).md (format: docs/README.md)."); continue }
    $where = "$($command.Name).md"
    if (-not $page.Synopsis) { $problems.Add("${where}: no SYNOPSIS.") }
    if (-not $page.Description) { $problems.Add("${where}: no DESCRIPTION.") }
    foreach ($u in $page.Unknown) { $problems.Add("${where}: unknown section '## $u' (allowed: SYNOPSIS, DESCRIPTION, PARAMETERS, INPUTS, OUTPUTS, NOTES, EXAMPLES, RELATED LINKS).") }
    $names = @($command.Parameters.Keys | Where-Object { $_ -notin $CommonParameters })
    foreach ($n in $names) {
        $doc = $page.Parameters[$n]
        if (-not $doc -or -not $doc.Text) { $problems.Add("${where}: parameter -$n has no description (add '### -$n' under '## PARAMETERS').") }
    }
    foreach ($n in $page.Parameters.Keys) {
        if ($n -notin $command.Parameters.Keys) { $problems.Add("${where}: documents -$n, which $($command.Name) does not have.") }
    }
    if (@($page.Examples).Count -lt $MinimumExamples) {
        $problems.Add("${where}: $(@($page.Examples).Count) example(s); at least $MinimumExamples required (add '### Example N: ...' under '## EXAMPLES').")
    }
    foreach ($e in $page.Examples) {
        if (-not $e.Code) { $problems.Add("${where}: example '$($e.Title)' has no code block.") }
        if (-not $e.Remarks) { $problems.Add("${where}: example '$($e.Title)' has no sentence explaining it.") }
    }
}
foreach ($name in $pages.Keys) {
    if ($name -notin $commands.Name) { $problems.Add("${name}.md: no exported command is named '$name' (stale page?).") }
}

$abouts = @(Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md' -File)
foreach ($about in $abouts) {
    $sections = (Split-MarkdownSection (Split-MarkdownSection (Get-Content -LiteralPath $about.FullName -Encoding utf8) 1).Sections[0] 2).Sections
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if (-not $sections.Contains($required)) { $problems.Add("$($about.Name): no '## $required' section.") }
    }
}

if ($problems.Count) {
    $message = "Help generation failed: $($problems.Count) problem(s) in $DocsPath`n" + (($problems | ForEach-Object { "  - $_" }) -join "`n")
    throw $message
}

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
$target = Join-Path $OutputPath $HelpFileName
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create($target, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in $commands) { Write-Command $writer $command $pages[$command.Name] }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }
Write-Host "    $HelpFileName`: $($commands.Count) command(s), $(@($pages.Values | ForEach-Object { @($_.Examples).Count } | Measure-Object -Sum).Sum) example(s)"

foreach ($about in $abouts) {
    $name = $about.BaseName + '.help.txt'
    $text = ConvertTo-AboutText (Get-Content -LiteralPath $about.FullName -Encoding utf8)
    [System.IO.File]::WriteAllText((Join-Path $OutputPath $name), $text, [System.Text.UTF8Encoding]::new($false))
    Write-Host "    $name"
}
