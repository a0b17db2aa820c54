#Requires -Version 7.2
# The help a user sees: Get-Help of every exported cmdlet is complete, about_WecomPS is found and lists every error
# id the code can emit, and the generator (build/New-MamlHelp.ps1) reports what is missing.

BeforeDiscovery {
    $repo = Resolve-Path "$PSScriptRoot/../.."
    # Discovery runs before BeforeAll: read the exported cmdlets from the manifest without importing anything.
    $cmdlets = (Import-PowerShellDataFile "$repo/WecomPS.psd1").CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    $repo = $RepoRoot
    $helpFile = Join-Path $repo 'out/WecomPS/en-US/WecomPS.dll-Help.xml'
    if (-not (Test-Path $helpFile)) { throw "No ${helpFile}: run 'dotnet pwsh ./build.ps1 Build' first (it generates the help)." }
    Import-WecomModule -NoTestKit
    $excluded = [System.Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'The help runs under the pinned PowerShell' {
    It 'is PowerShell <pinned>, the version in .config/dotnet-tools.json' -TestCases @(
        @{ pinned = (Get-Content "$PSScriptRoot/../../.config/dotnet-tools.json" -Raw | ConvertFrom-Json).tools.powershell.version }
    ) {
        param($pinned)
        $PSVersionTable.PSVersion.ToString() | Should -Be $pinned
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'comes from the generated MAML, not from the syntax PowerShell makes up' {
        $help.ModuleName | Should -Be 'WecomPS'
        $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[<]CommonParameters[>]*"   # the made-up synopsis is the syntax
    }

    It 'has a description' {
        ($help.description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            $e.code | Should -Not -BeNullOrEmpty
            ($e.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "example '$($e.title)' needs a sentence"
        }
    }

    It 'describes every parameter' {
        $names = @($command.Parameters.Keys | Where-Object { $_ -notin $excluded })
        $documented = @{}
        foreach ($p in @($help.parameters.parameter)) { $documented[$p.name] = ($p.description.Text -join "`n").Trim() }
        foreach ($n in $names) {
            $documented.Keys | Should -Contain $n -Because "-$n is a parameter of $Name"
            $documented[$n] | Should -Not -BeNullOrEmpty -Because "-$n needs a description"
        }
    }

    It 'shows the parameter metadata of the cmdlet (type, position, pipeline input)' {
        foreach ($p in @($help.parameters.parameter)) {
            $meta = $command.Parameters[$p.name]
            $p.type.name | Should -Not -BeNullOrEmpty
            $byValue = @($meta.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
            $byName = @($meta.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
            ($p.pipelineInput -like '*ByValue*') | Should -Be $byValue -Because "-$($p.name) pipeline input"
            ($p.pipelineInput -like '*ByPropertyName*') | Should -Be $byName -Because "-$($p.name) pipeline input"
        }
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'names its inputs and outputs' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterOrEqual 1
        @($help.returnValues.returnValue).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'about_WecomPS' {
    It 'is found by Get-Help' {
        $about = Get-Help about_WecomPS | Out-String
        $about | Should -Match 'about_WecomPS'
        $about | Should -Match 'SHORT DESCRIPTION'
    }

    It 'lists every error id the module emits' {
        # Every error id is a constant of ErrorIds.cs, the one place they are written.
        $ids = Select-String -LiteralPath "$repo/src/WecomPS/Session/ErrorIds.cs" `
            -Pattern 'public const string \w+ = "(Wecom[A-Z][A-Za-z]*)";' |
            ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object -Unique
        $ids.Count | Should -BeGreaterThan 20
        $about = Get-Content "$repo/docs/en-US/about_WecomPS.md" -Raw
        $missing = @($ids | Where-Object { $about -notmatch "\|\s*$_\s*\|" })
        $missing | Should -BeNullOrEmpty -Because 'every error id the code emits needs a row in the ERRORS table of about_WecomPS.md'
    }

    It 'writes error ids only in ErrorIds.cs' {
        # A "Wecom..." literal elsewhere in the module is an error id that escaped the one place (cmdlet nouns aside).
        $nouns = @(Get-Command -Module WecomPS | ForEach-Object Noun) + 'WecomPS'
        $stray = Get-ChildItem "$repo/src/WecomPS" -Filter *.cs -Recurse |
            Where-Object { $_.FullName -notmatch "[\\/](obj|bin)[\\/]" -and $_.Name -ne 'ErrorIds.cs' } |
            Select-String -Pattern '"(Wecom[A-Z][A-Za-z]*)"' -AllMatches |
            ForEach-Object { foreach ($m in $_.Matches) { if ($m.Groups[1].Value -notin $nouns) { "$($_.Filename):$($_.LineNumber) $($m.Value)" } } }
        $stray | Should -BeNullOrEmpty -Because 'error ids are constants of ErrorIds (src/WecomPS/Session/ErrorIds.cs)'
    }
}

Describe 'build/New-MamlHelp.ps1 on a fixture module' {
    BeforeAll {
        $generator = Join-Path $repo 'build/New-MamlHelp.ps1'
        $fixture = Join-Path $TestDrive 'HelpFixture'
        $docs = Join-Path $fixture 'docs/en-US'
        New-Item -ItemType Directory -Path $docs -Force | Out-Null
        Set-Content (Join-Path $fixture 'HelpFixture.psm1') @'
function Get-FixtureThing {
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'ByName', ValueFromPipeline)] [string[]] $Name,
        [Parameter(Mandatory, ParameterSetName = 'ById')] [int] $Id,
        [ValidateSet('a', 'b')] [string] $Kind
    )
    process { $Name }
}
Export-ModuleMember -Function Get-FixtureThing
'@
        function Write-Page([string] $parameters, [int] $examples = 2) {
            $ex = (1..$examples | ForEach-Object { "### Example ${_}: Thing $_`n``````powershell`nGet-FixtureThing -Name x$_`n```````nGets thing x$_.`n" }) -join "`n"
            Set-Content (Join-Path $docs 'Get-FixtureThing.md') @"
# Get-FixtureThing

## SYNOPSIS
Gets a thing.

## DESCRIPTION
Gets a thing by name or id.

## PARAMETERS

$parameters

## INPUTS

### System.String
Names.

## OUTPUTS

### System.String
The thing.

## EXAMPLES

$ex
"@
        }
        $run = { & $generator -DocsPath $docs -OutputPath (Join-Path $fixture 'en-US') -ModulePath (Join-Path $fixture 'HelpFixture.psm1') -HelpFileName 'HelpFixture-help.xml' 6>$null }
        $allParameters = "### -Name`nThe name.`n`n### -Id`nThe id.`n`nDefault value: 7`n`n### -Kind`nThe kind."
    }
    AfterAll { Remove-Module HelpFixture -ErrorAction SilentlyContinue }

    It 'reports a parameter without a description, naming the page and the parameter' {
        Write-Page "### -Name`nThe name.`n`n### -Kind`nThe kind."
        $run | Should -Throw -ExpectedMessage '*Get-FixtureThing.md: parameter -Id has no description*'
    }

    It 'reports every problem at once: too few examples and a parameter the command does not have' {
        Write-Page "$allParameters`n`n### -Colour`nNot a parameter." 1
        $err = { & $run } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*documents -Colour, which Get-FixtureThing does not have*'
        $err.Exception.Message | Should -BeLike '*1 example(s); at least 2 required*'
    }

    It 'reports a command that has no page' {
        Remove-Item (Join-Path $docs 'Get-FixtureThing.md')
        $run | Should -Throw -ExpectedMessage '*Get-FixtureThing: no help page*'
    }

    It 'writes MAML with the metadata read from the command' {
        Write-Page $allParameters
        & $run
        [xml] $maml = Get-Content (Join-Path $fixture 'en-US/HelpFixture-help.xml') -Raw
        $ns = [System.Xml.XmlNamespaceManager]::new($maml.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
        $maml.SelectSingleNode('//command:details/command:name', $ns).InnerText | Should -Be 'Get-FixtureThing'
        $maml.SelectNodes('//command:syntax/command:syntaxItem', $ns).Count | Should -Be 2
        $name = $maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Name']", $ns)
        $name.position | Should -Be '0'
        $name.pipelineInput | Should -Be 'True (ByValue)'
        $name.SelectSingleNode('dev:type/maml:name', $ns).InnerText | Should -Be 'String[]'
        $id = $maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Id']", $ns)
        $id.SelectSingleNode('dev:defaultValue', $ns).InnerText | Should -Be '7'
        $id.SelectSingleNode('maml:description', $ns).InnerText | Should -BeLike '*Parameter sets: ById (mandatory).*'
        $kind = $maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Kind']", $ns)
        @($kind.SelectNodes('command:parameterValueGroup/command:parameterValue', $ns).InnerText) | Should -Be @('a', 'b')
        $maml.SelectNodes('//command:examples/command:example', $ns).Count | Should -Be 2
    }
}
