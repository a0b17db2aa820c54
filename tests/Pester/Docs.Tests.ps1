# Executable documentation: every ```powershell block of docs/en-US/*.md, docs/en-US/WecomPS.Testing/*.md (the test
# kit's help) and README.md runs against the WeCom double.
#
# The convention (what a block may assume, because only a real tenant or the reader's machine would have it):
# - Each block runs in a fresh runspace, in an empty temporary folder as its current location (and as ~), with
#   WecomPS and WecomPS.Testing imported and a WecomPS.Testing double of its own. `Import-Module WecomPS`,
#   `WecomPS.Testing`, a path ending in WecomPS.psd1 and Microsoft.PowerShell.SecretManagement resolve to the built
#   modules and the stand-ins below.
# - The double's bot id is the first literal `-BotId aib...` of the block (else aibDocsExample); $botId and
#   $env:WECOM_BOT_ID hold it, $env:WECOM_BOT_SECRET its secret. Connect-WecomBot's -Endpoint defaults to the double
#   ($PSDefaultParameterValues). Get-Secret <name> and Read-Host -AsSecureString return the secret as a SecureString
#   (Get-Secret returns a PSCredential when the name contains "Credential"); Get-Credential a PSCredential.
# - The double also serves the bots aibDocsSales and aibDocsOps, with the same secret; ./bots.csv lists them
#   (columns Name, BotId).
# - Before the block runs, a session named helpdesk is connected and is the default; $msg is a text message it
#   received, $click a template_card_event (button approve). $approverId = 'zhangsan', $OpsChat = 'wrOps',
#   $JobName, $elapsed. Stand-ins for "your own" commands: Get-Answer, Restart-Cluster, Invoke-Item (records only).
# - After every subscribe (the harness's and the block's own Connect-WecomBot) the double pushes: a text 'yes, a
#   chart please' from zhangsan, an image, a file, an enter_chat event, and, when the block deals with cards (it
#   names template_card_event, -UpdateFor or $click), a template_card_event: a click comes only to a bot that sends
#   cards.
# - Files a block names as ./name.ext or ./folder/*.ext (two of them; and ./reports/*.pdf, ./logs/*.log) exist: a .ps1 is a script that writes
#   -OutFile and two lines; a .json is a card; anything else a few bytes of text.
# - A block that waits like a bot loop (it contains -Wait) is stopped after a few seconds, as with Ctrl+C.
# - A block that calls Describe/It is a Pester test file: it runs with Invoke-Pester in a child pwsh, from
#   out/docs-tests/ (two levels below the repository, like tests/Pester), and passes when all its tests pass.
# - A block that truly cannot run is skipped only by a marker that says why: in the fence's info string,
#   ```powershell not-run: needs SecretManagement's Set-Secret
#   (the form for docs/en-US: the help generator ignores it, while it would copy an HTML comment into the help),
#   or an HTML comment on the line right before the fence: <!-- not-run: needs SecretManagement's Set-Secret -->
# - A block that shows an error on purpose says which, in the info string: ```powershell expect-error: WecomInvalidCard
#   It passes when it writes exactly that one error.
# A block passes when it throws nothing and writes no error. Tests are named <file> block <n> (powershell blocks
# counted from 1 in each file).
BeforeDiscovery {
    $repo = (Resolve-Path "$PSScriptRoot/../..").Path
    # README.md is edited by another engineer: its blocks that cannot run, until it carries not-run markers.
    $files = @(Get-ChildItem "$repo/docs/en-US/*.md") + @(Get-ChildItem "$repo/docs/en-US/WecomPS.Testing/*.md") +
        @(Get-Item "$repo/README.md")
    $blocks = foreach ($file in $files) {
        $lines = Get-Content -LiteralPath $file.FullName
        $n = 0
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $fence = '^```powershell(\s+(?<kind>not-run|expect-error):\s*(?<why>.+?))?\s*$'
            if ($lines[$i] -notmatch $fence) { continue }
            $inline = if ($Matches['kind'] -eq 'not-run') { $Matches['why'] }
            $expectError = if ($Matches['kind'] -eq 'expect-error') { $Matches['why'] }
            $n++
            $start = $i + 1
            $end = $start
            while ($end -lt $lines.Count -and $lines[$end] -notmatch '^```\s*$') { $end++ }
            $code = ($lines[$start..($end - 1)] -join "`n")
            $marker = $inline
            $j = $i - 1
            while ($j -ge 0 -and $lines[$j] -match '^\s*$') { $j-- }
            if ($j -ge 0 -and $lines[$j] -match '^<!--\s*not-run:\s*(.+?)\s*-->\s*$') { $marker ??= $Matches[1] }
            $page = [IO.Path]::GetRelativePath("$repo/docs/en-US", $file.FullName).Replace('\', '/')
            if ($page.StartsWith('..')) { $page = $file.Name }
            @{ Name = "$page block $n"; File = $file.Name; Code = $code; NotRun = $marker
                ExpectError = $expectError
                IsPester = $code -match '(?m)^\s*(Describe|It|BeforeAll)\s'; Repo = $repo }
            $i = $end
        }
    }
    $runnable = @($blocks | Where-Object { -not $_.NotRun })

    # Blocks that fail today because of a bug in the example or the code that someone else is fixing: name, reason.
    # The block is skipped (and shown as skipped) until the entry is removed.
    $knownBroken = @{}
    $skipped = @($blocks | Where-Object { $_.NotRun })
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
    $repo = $RepoRoot
    $manifest = $WecomPSManifest
    $kit = $TestKitManifest

    # What every block's runspace gets before the block (the convention above).
    $prelude = {
        param($manifest, $kit, $botIdWanted, $folder, $pushClick)
        Import-Module $manifest
        Import-Module $kit
        function global:Import-Module {
            param([Parameter(Position = 0)] [object[]] $Name, [switch] $Force, [switch] $PassThru)
            foreach ($n in $Name) {
                $path = switch -Regex ([string] $n) {
                    '^(WecomPS|.*[\\/]WecomPS\.psd1|(.*[\\/])?out[\\/]WecomPS[\\/]?)$' { $manifest }
                    '^(WecomPS\.Testing|.*WecomPS\.Testing\.psd1|(.*[\\/])?out[\\/]WecomPS\.Testing[\\/]?)$' { $kit }
                    '^Microsoft\.PowerShell\.SecretManagement$' { $null }
                    default { $n }
                }
                if ($path) { Microsoft.PowerShell.Core\Import-Module $path -Force:$Force -PassThru:$PassThru -Global }
            }
        }
        Set-Location $folder
        (Get-PSProvider FileSystem).Home = $folder
        $global:mock = Start-WecomMockServer -BotId $botIdWanted
        $global:botId = $mock.BotId
        $mock.Options.AdditionalBots['aibDocsSales'] = $mock.Secret
        $mock.Options.AdditionalBots['aibDocsOps'] = $mock.Secret
        $env:WECOM_BOT_ID = $mock.BotId
        $env:WECOM_BOT_SECRET = $mock.Secret
        $global:PSDefaultParameterValues['Connect-WecomBot:Endpoint'] = $mock.Endpoint
        $global:DocsSecret = ConvertTo-SecureString $mock.Secret -AsPlainText -Force
        function global:Get-Secret([Parameter(Position = 0)] [string] $Name) {
            if ($Name -like '*Credential*') { [pscredential]::new($botId, $DocsSecret) } else { $DocsSecret.Copy() }
        }
        function global:Read-Host([Parameter(Position = 0)] $Prompt, [switch] $AsSecureString) {
            if ($AsSecureString) { $DocsSecret.Copy() } else { 'yes' }
        }
        function global:Get-Credential {
            [pscredential]::new('docs-user', (ConvertTo-SecureString 'docs-password' -AsPlainText -Force))
        }
        function global:Get-Answer { "The answer to: $args" }
        function global:Restart-Cluster { 'cluster restarted' }
        function global:Invoke-Item { $global:InvokedItems += @($args) }
        $global:approverId = 'zhangsan'; $global:OpsChat = 'wrOps'; $global:JobName = 'nightly'
        $global:elapsed = [timespan]::FromMinutes(4)

        # The inbound messages of the convention, pushed after each subscribe by a watcher in its own runspace.
        $watcher = [powershell]::Create()
        $null = $watcher.AddScript({
                param($mock, $pushClick)
                $seen = 0
                while (-not $mock.IsDisposed) {
                    if (-not $mock.WaitForSubscribeCount($seen + 1, [timespan]::FromMilliseconds(200))) { continue }
                    $seen = $mock.SuccessfulSubscribes
                    Start-Sleep -Milliseconds 100
                    try {
                        $null = $mock.PushText('yes, a chart please', 'zhangsan')
                        $null = $mock.PushImage([byte[]](1..64), 'zhangsan')
                        $null = $mock.PushMedia('file', [byte[]](1..64), 'report.pdf', 'zhangsan')
                        $null = $mock.PushEvent('enter_chat', $null, 'zhangsan')
                        if ($pushClick) {
                            $payload = @{
                                card_type = 'button_interaction'; event_key = 'approve'; task_id = 'docs_task' }
                            $null = $mock.PushEvent('template_card_event', $payload, 'zhangsan')
                        }
                    }
                    catch { }
                }
            }).AddArgument($mock).AddArgument($pushClick)
        $global:DocsWatcher = $watcher
        $global:DocsWatcherRun = $watcher.BeginInvoke()

        $null = Connect-WecomBot -BotId $mock.BotId -Secret $DocsSecret -Name helpdesk
        $global:msg = Receive-WecomMessage -Wait -Count 1 -MsgType text -Timeout 20
        $null = $mock.PushEvent('template_card_event',
            @{ card_type = 'button_interaction'; event_key = 'approve'; task_id = 'docs_task' }, 'zhangsan')
        $global:click = Receive-WecomMessage -Wait -Count 1 -EventType template_card_event -Timeout 20
        $null = $mock.PushText('yes, a chart please', 'zhangsan')
        $null = $mock.PushEvent('enter_chat', $null, 'lisi')
        if (-not $msg -or -not $click) { throw 'The docs harness did not receive its $msg and $click.' }
    }
    $cleanup = {
        Get-WecomSession | Disconnect-WecomBot -ErrorAction SilentlyContinue
        Stop-WecomMockServer -Server $mock -ErrorAction SilentlyContinue
        $DocsWatcher.Stop(); $DocsWatcher.Dispose()
    }

    function New-Fixtures([string] $folder, [string] $code) {
        $null = New-Item -ItemType Directory "$folder/reports", "$folder/logs" -Force
        # ./name.ext, and ./folder/*.ext (two files in that folder).
        $wild = @([regex]::Matches($code, '\./([\w-]+)/\*\.(\w+)') | ForEach-Object {
                $null = New-Item -ItemType Directory "$folder/$($_.Groups[1].Value)" -Force
                "$($_.Groups[1].Value)/sample1.$($_.Groups[2].Value)", "$($_.Groups[1].Value)/sample2.$($_.Groups[2].Value)" })
        $names = @('reports/summary.pdf', 'logs/app.log') + $wild +
            @([regex]::Matches($code, '\./([\w.-]+\.\w+)') | ForEach-Object { $_.Groups[1].Value })
        foreach ($name in $names) {
            $content = switch -Regex ($name) {
                '\.ps1$' {
                    "param(`$OutFile) if (`$OutFile) { Set-Content `$OutFile 'chart bytes' }; 'line 1'; 'line 2'"
                }
                '^bots\.csv$' { "Name,BotId`nsales,aibDocsSales`nops,aibDocsOps" }
                '\.json$' { '{"card_type":"text_notice","main_title":{"title":"Welcome"},"card_action":{"type":0}}' }
                default { 'sample data for the docs test' }
            }
            Set-Content -LiteralPath (Join-Path $folder $name) -Value $content
        }
    }

    # Runs one block as the convention says; returns the errors it wrote or threw, and whether it was stopped.
    function Invoke-DocBlock([string] $code, [string] $folder) {
        $wanted = if ($code -match "-BotId\s+'?(aib\w+)") { $Matches[1] } else { 'aibDocsExample' }
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $errors = [Collections.Generic.List[object]]::new()
        $stopped = $false
        try {
            $ps = [powershell]::Create($runspace)
            $pushClick = $code -match 'template_card_event|-UpdateFor|\$click'
            $null = $ps.AddScript($prelude).AddArgument($manifest).AddArgument($kit).AddArgument($wanted).
                AddArgument($folder).AddArgument($pushClick)
            $null = $ps.Invoke()
            if ($ps.Streams.Error.Count) { throw "The docs harness failed: $($ps.Streams.Error[0])" }
            $ps.Dispose()

            $ps = [powershell]::Create($runspace)
            $null = $ps.AddScript($code)
            $run = $ps.BeginInvoke()
            $limit = if ($code -match '-Wait\b') { 5000 } else { 60000 }
            if (-not $run.AsyncWaitHandle.WaitOne($limit)) { $stopped = $true; $ps.Stop() }
            try { $null = $ps.EndInvoke($run) }
            catch {
                $thrown = $_.Exception.InnerException ?? $_.Exception
                $asked = $stopped -and $thrown -is [Management.Automation.PipelineStoppedException]
                if (-not $asked) { $errors.Add($thrown) }
            }
            foreach ($e in $ps.Streams.Error) { $errors.Add($e) }
            $ps.Dispose()
        }
        finally {
            $ps = [powershell]::Create($runspace)
            $null = $ps.AddScript($cleanup).Invoke()
            $ps.Dispose()
            $runspace.Dispose()
        }
        [pscustomobject]@{ Errors = $errors; Stopped = $stopped }
    }

    function Get-PwshCommand {
        $process = [Environment]::ProcessPath
        if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'pwsh') { return , @($process) }
        return , @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
}

Describe 'Executable documentation' {
    foreach ($block in $runnable) {
    It $block.Name -Skip:($knownBroken.ContainsKey($block.Name)) -ForEach @($block) {
        if ($IsPester) {
            $dir = Join-Path $Repo 'out/docs-tests'
            $null = New-Item -ItemType Directory $dir -Force
            $testFile = Join-Path $dir (($Name -replace '[^\w]+', '-') + '.Tests.ps1')
            Set-Content -LiteralPath $testFile -Value $Code
            $pester = (Get-Module Pester).Path
            $child = @"
`$ErrorActionPreference = 'Stop'
function global:Import-Module {
    param([Parameter(Position = 0)] [object[]] `$Name, [switch] `$Force, [switch] `$PassThru)
    foreach (`$n in `$Name) {
        `$path = switch -Regex ([string] `$n) {
            '^WecomPS$' { '$manifest' }
            '^WecomPS\.Testing$' { '$kit' }
            default { `$n }
        }
        Microsoft.PowerShell.Core\Import-Module `$path -Force:`$Force -PassThru:`$PassThru -Global
    }
}
Microsoft.PowerShell.Core\Import-Module '$pester'
`$r = Invoke-Pester -Path '$testFile' -PassThru -Output None
"`$(`$r.PassedCount) passed, `$(`$r.FailedCount) failed"
`$r.Failed | ForEach-Object { "`$(`$_.ExpandedPath): `$(`$_.ErrorRecord)" }
exit ([int](`$r.FailedCount -gt 0 -or `$r.PassedCount -eq 0))
"@
            $pwsh = Get-PwshCommand
            $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $child 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
            return
        }
        $folder = Join-Path ([IO.Path]::GetTempPath()) ("wecom-docs-" + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $folder
        try {
            New-Fixtures $folder $Code
            $result = Invoke-DocBlock $Code $folder
            if ($ExpectError) {
                $ids = @(foreach ($e in $result.Errors) {
                        if ($e -is [Management.Automation.ErrorRecord]) { $e.FullyQualifiedErrorId } else { "$e" }
                    })
                $ids | Should -HaveCount 1 -Because "$Name shows one error, $ExpectError"
                $ids[0] | Should -BeLike "$ExpectError,*"
            }
            else {
                $result.Errors | ForEach-Object { "$_" } |
                    Should -BeNullOrEmpty -Because "$Name must run without errors"
            }
            if ($result.Stopped -and $Code -notmatch '-Wait\b') { throw "$Name did not finish within 60 s." }
        }
        finally { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
    }
    }

    It 'lists the blocks that do not run, with the reason: <Name> (<NotRun>)' -ForEach $skipped {
        $NotRun | Should -Not -BeNullOrEmpty
        Write-Host "  not run: $Name ($NotRun)"
    }
}

Describe 'The command lists name every exported cmdlet' {
    BeforeAll {
        $exported = (Get-Command -Module WecomPS).Name
        $about = Get-Content -Raw (Join-Path $repo 'docs/en-US/about_WecomPS.md')
        $notes = (Import-PowerShellDataFile $manifest).PrivateData.PSData.ReleaseNotes
    }
    It 'about_WecomPS names <_>' -ForEach @(
        (Import-PowerShellDataFile "$PSScriptRoot/../../WecomPS.psd1").CmdletsToExport
    ) {
        $exported | Should -Contain $_
        $about | Should -Match "(?m)^- $([regex]::Escape($_)) " -Because 'the command list of about_WecomPS names it'
    }
    It 'the manifest ReleaseNotes name <_>' -ForEach @(
        (Import-PowerShellDataFile "$PSScriptRoot/../../WecomPS.psd1").CmdletsToExport
    ) {
        $notes | Should -Match "\b$([regex]::Escape($_))\b"
    }
}
