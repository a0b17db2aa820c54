# Every syntax line of every exported cmdlet (WecomPS and WecomPS.Testing), called as its help shows it:
# each parameter set once with its parameters named, and once with its positional parameters by position, against
# the WeCom double; each case checks what reached the double or the pipeline. A guard fails when a parameter set
# has no case. Also: what tab completion of a chat id puts on the command line.
BeforeDiscovery {
    # Cases that fail today because of a bug being fixed elsewhere. Each entry: the case id and why.
    # Remove the entry when the fix lands; the case then runs.
    $knownBroken = @()

    # Id = <Command>/<ParameterSet>/<named|positional>. Run: the call and its checks. Available to Run:
    # $mock (the double), $file (a 12-byte text file), $png (a small "png"), and the helpers in BeforeAll.
    $cases = @(
        @{ Id = 'Connect-WecomBot/Secret/named'; Run = {
                Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -Name syn-named
                (Get-WecomSession syn-named).State | Should -Be 'Connected'
            } }
        @{ Id = 'Connect-WecomBot/Secret/positional'; Run = {
                Connect-WecomBot $mock.BotId $mock.Secret -Endpoint $mock.Endpoint -Name syn-positional
                (Get-WecomSession syn-positional).State | Should -Be 'Connected'
            } }
        @{ Id = 'Connect-WecomBot/Credential/named'; Run = {
                $secret = ConvertTo-SecureString $mock.Secret -AsPlainText -Force
                $credential = [pscredential]::new($mock.BotId, $secret)
                Connect-WecomBot -Credential $credential -Endpoint $mock.Endpoint -Name syn-credential
                (Get-WecomSession syn-credential).State | Should -Be 'Connected'
            } }
        @{ Id = 'Connect-WecomBot/Environment/named'; Run = {
                $env:WECOM_BOT_ID = $mock.BotId
                $env:WECOM_BOT_SECRET = $mock.Secret
                try { Connect-WecomBot -Endpoint $mock.Endpoint -Name syn-environment }
                finally { Remove-Item Env:WECOM_BOT_ID, Env:WECOM_BOT_SECRET }
                (Get-WecomSession syn-environment).State | Should -Be 'Connected'
            } }
        @{ Id = 'Disconnect-WecomBot/__AllParameterSets/named'; Run = {
                $session = Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -PassThru
                Disconnect-WecomBot -Session $session
                $session.State | Should -Be 'Disconnected'
            } }
        @{ Id = 'Disconnect-WecomBot/__AllParameterSets/positional'; Run = {
                $session = Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -PassThru
                Disconnect-WecomBot $session
                $session.State | Should -Be 'Disconnected'
            } }
        @{ Id = 'Get-WecomSession/__AllParameterSets/named'; Run = {
                (Get-WecomSession -Name $main.Name).BotId | Should -Be $mock.BotId
            } }
        @{ Id = 'Get-WecomSession/__AllParameterSets/positional'; Run = {
                (Get-WecomSession $main.Name).BotId | Should -Be $mock.BotId
            } }
        @{ Id = 'Receive-WecomMessage/__AllParameterSets/named'; Run = {
                Send-WecomMockMessage -Text 'named receive' -ChatId wrSyntax | Out-Null
                $m = Receive-WecomMessage -Wait -Count 1 -Timeout 10 -MsgType text -ChatId wrSyntax
                $m.Content | Should -Be 'named receive'
            } }
        @{ Id = 'Save-WecomMedia/__AllParameterSets/named'; Run = {
                $m = Get-Inbound @{ Image = $png }
                $saved = Save-WecomMedia -Message $m -Destination TestDrive:/named
                [IO.File]::ReadAllBytes($saved.FullName) | Should -Be ([IO.File]::ReadAllBytes($png))
            } }
        @{ Id = 'Save-WecomMedia/__AllParameterSets/positional'; Run = {
                $m = Get-Inbound @{ Image = $png }
                $saved = Save-WecomMedia $m TestDrive:/positional
                [IO.File]::ReadAllBytes($saved.FullName) | Should -Be ([IO.File]::ReadAllBytes($png))
            } }
        @{ Id = 'Send-WecomCard/Reply/named'; Run = {
                $m = Get-Inbound @{ Text = 'card please' }
                Send-WecomCard -ReplyTo $m -Card (New-Card)
                (Get-WecomMockFrame aibot_respond_msg -Last 1).ReqId | Should -Be $m.ReqId
            } }
        @{ Id = 'Send-WecomCard/Reply/positional'; Run = {
                $m = Get-Inbound @{ Text = 'card please' }
                Send-WecomCard -ReplyTo $m (New-Card)
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.template_card.card_type | Should -Be 'text_notice'
            } }
        @{ Id = 'Send-WecomCard/Chat/named'; Run = {
                Send-WecomCard -ChatId wrCards -Card (New-Card)
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.chatid | Should -Be 'wrCards'
            } }
        @{ Id = 'Send-WecomCard/Chat/positional'; Run = {
                Send-WecomCard wrCards (New-Card)
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.template_card.card_type | Should -Be 'text_notice'
            } }
        @{ Id = 'Send-WecomCard/Update/named'; Run = {
                $click = Get-Click
                Send-WecomCard -UpdateFor $click -Card (New-Card)
                (Get-WecomMockFrame aibot_respond_update_msg -Last 1).ReqId | Should -Be $click.ReqId
            } }
        @{ Id = 'Send-WecomCard/Update/positional'; Run = {
                $click = Get-Click
                Send-WecomCard -UpdateFor $click (New-Card)
                (Get-WecomMockFrame aibot_respond_update_msg -Last 1).ReqId | Should -Be $click.ReqId
            } }
        @{ Id = 'Send-WecomFile/Reply/named'; Run = {
                $m = Get-Inbound @{ Text = 'the file please' }
                Send-WecomFile -ReplyTo $m -Path $file
                $sent = (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.file.media_id
                $sent | Should -Be (Get-WecomMockUpload -Last 1).MediaId
            } }
        @{ Id = 'Send-WecomFile/Reply/positional'; Run = {
                $m = Get-Inbound @{ Text = 'the file please' }
                Send-WecomFile $file -ReplyTo $m
                (Get-WecomMockFrame aibot_respond_msg -Last 1).ReqId | Should -Be $m.ReqId
            } }
        @{ Id = 'Send-WecomFile/MediaChat/named'; Run = {
                $media = Publish-WecomMedia -Path $file
                Send-WecomFile -ChatId wrFiles -Media $media
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.file.media_id | Should -Be $media.MediaId
            } }
        @{ Id = 'Send-WecomFile/MediaReply/named'; Run = {
                $media = Publish-WecomMedia -Path $file
                $m = Get-Inbound @{ Text = 'the file please' }
                Send-WecomFile -ReplyTo $m -Media $media
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.file.media_id | Should -Be $media.MediaId
            } }
        @{ Id = 'Send-WecomFile/MediaIdChat/named'; Run = {
                $media = Publish-WecomMedia -Path $file
                Send-WecomFile -ChatId wrFiles -MediaId $media.MediaId -MediaType file
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.file.media_id | Should -Be $media.MediaId
            } }
        @{ Id = 'Send-WecomFile/MediaIdReply/named'; Run = {
                $media = Publish-WecomMedia -Path $file
                $m = Get-Inbound @{ Text = 'the file please' }
                Send-WecomFile -ReplyTo $m -MediaId $media.MediaId -MediaType file
                (Get-WecomMockFrame aibot_respond_msg -Last 1).ReqId | Should -Be $m.ReqId
            } }
        @{ Id = 'Publish-WecomMedia/__AllParameterSets/named'; Run = {
                $sends = @(Get-WecomMockFrame aibot_send_msg).Count
                $media = Publish-WecomMedia -Path $file -MediaType file
                $media.MediaId | Should -Be (Get-WecomMockUpload -Last 1).MediaId
                @(Get-WecomMockFrame aibot_send_msg).Count | Should -Be $sends -Because 'publishing sends nothing' 
            } }
        @{ Id = 'Publish-WecomMedia/__AllParameterSets/positional'; Run = {
                $media = Publish-WecomMedia $file
                $media.Size | Should -Be (Get-Item $file).Length
            } }
        @{ Id = 'Send-WecomFile/Chat/named'; Run = {
                Send-WecomFile -ChatId wrFiles -Path $file
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.chatid | Should -Be 'wrFiles'
            } }
        @{ Id = 'Send-WecomFile/Chat/positional'; Run = {
                Send-WecomFile wrFiles $file -ErrorAction Stop
                $sent = (Get-WecomMockFrame aibot_send_msg -Last 1).Body.file.media_id
                $sent | Should -Be (Get-WecomMockUpload -Last 1).MediaId
            } }
        @{ Id = 'Send-WecomMessage/Reply/named'; Run = {
                $m = Get-Inbound @{ Text = 'ping' }
                Send-WecomMessage -ReplyTo $m -Content 'pong'
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.stream.content | Should -Be 'pong'
            } }
        @{ Id = 'Send-WecomMessage/Reply/positional'; Run = {
                $m = Get-Inbound @{ Text = 'ping' }
                Send-WecomMessage $m 'pong'
                (Get-WecomMockFrame aibot_respond_msg -Last 1).ReqId | Should -Be $m.ReqId
            } }
        @{ Id = 'Start-WecomReply/__AllParameterSets/named'; Run = {
                $m = Get-Inbound @{ Text = 'deploy' }
                $r = Start-WecomReply -ReplyTo $m -Content 'Working'
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.stream.content | Should -Be 'Working'
                Complete-WecomReply -Reply $r -Content 'Done'
            } }
        @{ Id = 'Start-WecomReply/__AllParameterSets/positional'; Run = {
                $m = Get-Inbound @{ Text = 'deploy' }
                $r = Start-WecomReply $m 'Working'
                (Get-WecomMockFrame aibot_respond_msg -Last 1).ReqId | Should -Be $m.ReqId
                Complete-WecomReply $r 'Done'
            } }
        @{ Id = 'Update-WecomReply/__AllParameterSets/named'; Run = {
                $r = Start-WecomReply (Get-Inbound @{ Text = 'deploy' }) 'Working'
                Update-WecomReply -Reply $r -Content 'Step 2'
                Complete-WecomReply $r
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.stream.content | Should -Be 'Step 2'
            } }
        @{ Id = 'Update-WecomReply/__AllParameterSets/positional'; Run = {
                $r = Start-WecomReply (Get-Inbound @{ Text = 'deploy' }) 'Working'
                Update-WecomReply $r 'Step 3'
                Complete-WecomReply $r
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.stream.content | Should -Be 'Step 3'
            } }
        @{ Id = 'Complete-WecomReply/__AllParameterSets/named'; Run = {
                $r = Start-WecomReply (Get-Inbound @{ Text = 'deploy' }) 'Working'
                Complete-WecomReply -Reply $r -Content 'Finished'
                $last = Get-WecomMockFrame aibot_respond_msg -Last 1
                $last.Body.stream.content | Should -Be 'Finished'
                $last.Body.stream.finish | Should -BeTrue
            } }
        @{ Id = 'Complete-WecomReply/__AllParameterSets/positional'; Run = {
                $r = Start-WecomReply (Get-Inbound @{ Text = 'deploy' }) 'Working'
                Complete-WecomReply $r 'Finished'
                (Get-WecomMockFrame aibot_respond_msg -Last 1).Body.stream.finish | Should -BeTrue
            } }
        @{ Id = 'Send-WecomMessage/Chat/named'; Run = {
                Send-WecomMessage -ChatId wrSyntax -Content 'named'
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.markdown.content | Should -Be 'named'
            } }
        @{ Id = 'Send-WecomMessage/Chat/positional'; Run = {
                Send-WecomMessage wrSyntax 'positional'
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.chatid | Should -Be 'wrSyntax'
            } }
        @{ Id = 'Request-WecomApproval/Reply/named'; Run = {
                $m = Get-Inbound @{ Text = 'may I?' }
                Send-WecomMockMessage -CardClick -OnNextCard -Key Approve -UserId lisi
                $a = Request-WecomApproval -ReplyTo $m -Title 'Syntax?' -Option Approve, Reject -TimeoutSec 30
                $a.Decision | Should -Be 'Approve'
                (Get-WecomMockFrame aibot_respond_msg -Last 1).ReqId | Should -Be $m.ReqId
            } }
        @{ Id = 'Request-WecomApproval/Reply/positional'; Run = {
                $m = Get-Inbound @{ Text = 'may I?' }
                Send-WecomMockMessage -CardClick -OnNextCard -Key Reject -UserId lisi
                (Request-WecomApproval $m 'Syntax?' -TimeoutSec 30).Decision | Should -Be 'Reject'
            } }
        @{ Id = 'Request-WecomApproval/Chat/named'; Run = {
                Send-WecomMockMessage -CardClick -OnNextCard -UserId zhangsan -ChatId wrSyntax
                $a = Request-WecomApproval -ChatId wrSyntax -Title 'Syntax?' -Approver zhangsan -TimeoutSec 30
                $a.DecidedBy | Should -Be 'zhangsan'
                (Get-WecomMockFrame aibot_send_msg -Last 1).Body.chatid | Should -Be 'wrSyntax'
            } }
        @{ Id = 'Request-WecomApproval/Chat/positional'; Run = {
                Send-WecomMockMessage -CardClick -OnNextCard -UserId zhangsan -ChatId wrSyntax
                (Request-WecomApproval wrSyntax 'Syntax?' -TimeoutSec 30).ChatId | Should -Be 'wrSyntax'
            } }
        @{ Id = 'Send-WecomMockMessage/CardClick/named'; Run = {
                $task = 'syntax_click_' + [guid]::NewGuid().ToString('N')
                Send-WecomCard -ChatId wrCards -Card @{ card_type = 'button_interaction'; task_id = $task
                    main_title = @{ title = 'Syntax' }; button_list = @(@{ text = 'Yes'; key = 'yes' }) }
                Send-WecomMockMessage -CardClick -TaskId $task -Key Yes -UserId lisi -ChatId wrCards | Out-Null
                $click = Receive-WecomMessage -Wait -Count 1 -Timeout 10
                $click.TaskId, $click.EventKey, $click.UserId | Should -Be @($task, 'yes', 'lisi')
            } }
        @{ Id = 'Get-WecomMockFrame/__AllParameterSets/named'; Run = {
                (Get-WecomMockFrame -Cmd aibot_subscribe -Last 1).Body.bot_id | Should -Be $mock.BotId
            } }
        @{ Id = 'Get-WecomMockFrame/__AllParameterSets/positional'; Run = {
                (Get-WecomMockFrame aibot_subscribe -Last 1).Cmd | Should -Be 'aibot_subscribe'
            } }
        @{ Id = 'Get-WecomMockUpload/__AllParameterSets/named'; Run = {
                Send-WecomFile -ChatId wrFiles -Path $file
                (Get-WecomMockUpload -FileName notes.txt -Last 1).Bytes.Length | Should -Be 12
            } }
        @{ Id = 'Get-WecomMockUpload/__AllParameterSets/positional'; Run = {
                Send-WecomFile -ChatId wrFiles -Path $file
                (Get-WecomMockUpload 'notes.*' -Last 1).FileName | Should -Be 'notes.txt'
            } }
        @{ Id = 'Send-WecomMockMessage/Text/named'; Run = { Test-Push @{ Text = 'typed' } 'typed' } }
        @{ Id = 'Send-WecomMockMessage/Text/positional'; Run = {
                Send-WecomMockMessage 'by position' | Out-Null
                (Receive-WecomMessage -Wait -Count 1 -Timeout 10).Content | Should -Be 'by position'
            } }
        @{ Id = 'Send-WecomMockMessage/Image/named'; Run = {
                (Get-Inbound @{ Image = $png }).MsgType | Should -Be 'image'
            } }
        @{ Id = 'Send-WecomMockMessage/File/named'; Run = {
                (Get-Inbound @{ File = $file; FileName = 'n.txt' }).MsgType | Should -Be 'file'
            } }
        @{ Id = 'Send-WecomMockMessage/Video/named'; Run = {
                (Get-Inbound @{ Video = [byte[]](1..32) }).MsgType | Should -Be 'video'
            } }
        @{ Id = 'Send-WecomMockMessage/Voice/named'; Run = { Test-Push @{ Voice = 'spoken' } 'spoken' } }
        @{ Id = 'Send-WecomMockMessage/Mixed/named'; Run = {
                Test-Push @{ Mixed = @('look', [byte[]](1..16)) } 'look'
            } }
        @{ Id = 'Send-WecomMockMessage/Message/named'; Run = {
                Test-Push @{ MsgType = 'text'; Content = 'any' } 'any'
            } }
        @{ Id = 'Send-WecomMockMessage/Event/named'; Run = {
                (Get-Inbound @{ Event = 'enter_chat' }).EventType | Should -Be 'enter_chat'
            } }
        @{ Id = 'Send-WecomMockMessage/Raw/named'; Run = {
                Send-WecomMockMessage -Raw '{"cmd":"unknown_cmd"}' | Out-Null
                Test-Push @{ Text = 'after raw' } 'after raw'
            } }
        @{ Id = 'Send-WecomMockMessage/Repeat/named'; Run = {
                $first = Send-WecomMockMessage -Text 'once'
                Send-WecomMockMessage -Repeat $first | Out-Null
                Send-WecomMockMessage -Text 'marker' | Out-Null
                (Receive-WecomMessage -Wait -Count 2 -Timeout 10).Content | Should -Be @('once', 'marker')
            } }
        @{ Id = 'Set-WecomMockFault/__AllParameterSets/named'; Run = {
                Set-WecomMockFault -FailCommand aibot_send_msg -ErrCode 40008 -Count 1
                Send-WecomMessage -ChatId wrSyntax -Content 'refused' -ErrorAction SilentlyContinue -ErrorVariable err
                (Get-WecomMockFrame aibot_send_msg -Last 1).AckErrcode | Should -Be 40008
                $err[0].Exception.Message | Should -Match '40008'
                $Error.RemoveAt(0)   # the refusal the fault asked for
            } }
        @{ Id = 'Start-WecomMockServer/__AllParameterSets/named'; Run = {
                $other = Start-WecomMockServer -BotId aib-syntax -RateLimitPerMinute 5
                try { $other.Options.RateLimitPerMinute | Should -Be 5 }
                finally { Stop-WecomMockServer -Server $other }
            } }
        @{ Id = 'Stop-WecomMockServer/__AllParameterSets/named'; Run = {
                $other = Start-WecomMockServer
                Stop-WecomMockServer -Server $other
                $other.IsDisposed | Should -BeTrue
            } }
        @{ Id = 'Stop-WecomMockServer/__AllParameterSets/positional'; Run = {
                $other = Start-WecomMockServer
                Stop-WecomMockServer $other
                $other.IsDisposed | Should -BeTrue
            } }
    )
    $caseIds = @($cases.Id)
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule

    # Pushes a message or event, returns what the client received.
    function Get-Inbound([hashtable] $Push) {
        Send-WecomMockMessage @Push | Out-Null
        Receive-WecomMessage -Wait -Count 1 -Timeout 10
    }
    function Test-Push([hashtable] $Push, [string] $Content) { (Get-Inbound $Push).Content | Should -Be $Content }
    function Get-Click {
        Get-Inbound @{ Event = 'template_card_event'; EventPayload = @{
                card_type = 'button_interaction'; event_key = 'approve'; task_id = 'syntax_task' } }
    }
    function New-Card {
        @{ card_type = 'text_notice'; main_title = @{ title = 'Syntax' }; card_action = @{ type = 0 } }
    }
}

Describe 'Every syntax line, named and positional' {
    BeforeAll {
        $mock = Start-WecomMockServer
        $file = (New-Item TestDrive:/notes.txt -Value 'twelve bytes' -Force).FullName
        $png = (New-Item TestDrive:/photo.png -Value 'not really a png' -Force).FullName
    }
    BeforeEach {
        # Every case starts with one connected default session and an empty inbox.
        $main = Get-WecomSession -Default
        if (-not $main -or $main.State -ne 'Connected') {
            $main = Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -PassThru
        }
        $null = Receive-WecomMessage
    }
    AfterEach { Set-WecomMockFault -Clear -Server $mock }
    AfterAll {
        Get-WecomSession | Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
    }

    foreach ($case in $cases) {
        It $case.Id -Skip:($knownBroken -contains $case.Id) -ForEach @($case) {
            $errorsBefore = $Error.Count
            & $Run
            $Error.Count | Should -Be $errorsBefore -Because 'a syntax line that works writes no error'
        }
    }
}

Describe 'The syntax cases cover every parameter set' {
    It '<Command> [<Set>] has a <Form> case' -ForEach @(
        . $PSScriptRoot/common.ps1
        $modules = Import-Module -PassThru $WecomPSManifest, $TestKitManifest
        foreach ($command in Get-Command -Module $modules) {
            foreach ($set in $command.ParameterSets) {
                @{ Command = $command.Name; Set = $set.Name; Form = 'named'; CaseIds = $caseIds }
                if ($set.Parameters | Where-Object Position -GE 0) {
                    @{ Command = $command.Name; Set = $set.Name; Form = 'positional'; CaseIds = $caseIds }
                }
            }
        }
    ) {
        $CaseIds | Should -Contain "$Command/$Set/$Form"
    }
}

BeforeDiscovery {
    $U = [char]0x2018; $V = [char]0x2019; $W = [char]0x201A; $X = [char]0x201B
    $L = [char]0x201C; $R = [char]0x201D; $B = [char]0x201E
    $hit = 'Set-Variable -Scope Global wecomInjected 1'
    $ids = @(
        "wr|$hit", "wr<in", "wr>out", "wr;$hit", "wr&$hit", "wr($hit)", "wr{$hit}", 'wr$(Set-Variable x 1)',
        'wr`$x', "wr'; $hit; '", "wr""; $hit; """, "wr`n$hit", "wr`r`n$hit", 'wr spaced', 'wr#comment',
        'wr,comma', '@splat', "wr$U; $hit; $U", "wr$V; $hit; $V", "wr$W; $hit; $W", "wr$X; $hit; $X",
        "wr$L; $hit; $L", "wr$R; $hit; $R", "wr$B; $hit; $B", "$V$V", '-Session', '--%', '007', '1e5', '0x10',
        'wr-plain.id_1'
    )
    $completionCases = foreach ($id in $ids) {
        @{ Id = $id; Shown = ($id -replace "`r", '\r' -replace "`n", '\n') }
    }
}

Describe 'Tab completion of chat ids' -ForEach @(@{ AllIds = $ids }) {
    BeforeAll {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint -Name completion
        foreach ($id in $AllIds) { Send-WecomMockMessage -Text 'hi' -ChatId $id | Out-Null }
        $null = Receive-WecomMessage -Wait -Count $AllIds.Count -Timeout 20
    }
    AfterAll {
        Get-WecomSession | Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
        Remove-Variable -Scope Global wecomInjected -ErrorAction SilentlyContinue
    }

    It 'completes [<Shown>] so that the line passes exactly that chat id to one command' -ForEach $completionCases {
        $prefix = 'Send-WecomMessage -ChatId '
        $completion = (TabExpansion2 -inputScript $prefix -cursorColumn $prefix.Length).CompletionMatches |
            Where-Object ListItemText -CEQ $Id
        $completion | Should -HaveCount 1
        $line = $prefix + $completion.CompletionText + ' -Content ok'

        $tokens = $null; $parseErrors = $null
        $ast = [Management.Automation.Language.Parser]::ParseInput($line, [ref] $tokens, [ref] $parseErrors)
        $parseErrors | Should -BeNullOrEmpty
        $commands = $ast.FindAll({ $args[0] -is [Management.Automation.Language.CommandAst] }, $true)
        $commands | Should -HaveCount 1
        $bound = [Management.Automation.Language.StaticParameterBinder]::BindCommand($commands[0], $true)
        $bound.BoundParameters['ChatId'].ConstantValue | Should -BeExactly $Id

        # And run it, with a recording stand-in for the cmdlet: it receives the id, nothing else runs.
        $global:wecomInjected = $null
        $recorded = & {
            function Send-WecomMessage([string[]] $ChatId, [string] $Content) { , $ChatId }
            . ([scriptblock]::Create($line))
        }
        $recorded | Should -HaveCount 1
        $recorded[0] | Should -BeExactly $Id
        $global:wecomInjected | Should -BeNullOrEmpty
    }

    It 'completes a quoted prefix' {
        $line = "Send-WecomMessage -ChatId 'wr$([char]0x2019)$([char]0x2019)"   # typed: 'wr, then a doubled quote
        $found = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $q = [char]0x2019
        $found.ListItemText | Should -Contain "wr$q; Set-Variable -Scope Global wecomInjected 1; $q"
        $found.ListItemText | Should -Not -Contain 'wr spaced'
    }
}
