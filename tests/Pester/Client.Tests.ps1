# The client cmdlets used the way a script or runbook uses them, against the WeCom double from the test kit.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
}

Describe 'WecomPS cmdlets against the WeCom double' {
    BeforeAll {
        $mock = Start-WecomMockServer
        function Connect-Mock { Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint @args }
    }
    AfterAll {
        Get-WecomSession | Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
    }
    BeforeEach { $mock.ClearFrames() }
    AfterEach {
        Set-WecomMockFault -Server $mock -Clear
        Get-WecomSession | Disconnect-WecomBot
        $mock.Violations | Should -BeNullOrEmpty -Because 'a correct client breaks no protocol rule'
    }

    Describe 'Connect-WecomBot' {
        It 'subscribes with -BotId and -Secret and becomes the default session' {
            $session = Connect-Mock -PassThru
            $session.State | Should -Be 'Connected'
            $session.BotId | Should -Be $mock.BotId
            $subscribe = Get-WecomMockFrame -Server $mock -Cmd aibot_subscribe
            $subscribe.Body.bot_id | Should -Be $mock.BotId
            $subscribe.Body.secret | Should -Be $mock.Secret
            (Get-WecomSession -Default).Name | Should -Be $session.Name
        }

        It 'takes a PSCredential' {
            $credential = [pscredential]::new($mock.BotId, (ConvertTo-SecureString $mock.Secret -AsPlainText -Force))
            Connect-WecomBot -Credential $credential -Endpoint $mock.Endpoint -Name cred
            (Get-WecomSession cred).State | Should -Be 'Connected'
            $subscribe = Get-WecomMockFrame -Server $mock -Cmd aibot_subscribe
            $subscribe | Should -HaveCount 1
            $subscribe.Body.bot_id | Should -Be $mock.BotId
            $subscribe.Body.secret | Should -Be $mock.Secret
        }

        It 'reads WECOM_BOT_ID and WECOM_BOT_SECRET when no credentials are passed' {
            $saved = $env:WECOM_BOT_ID, $env:WECOM_BOT_SECRET
            try {
                $env:WECOM_BOT_ID = $mock.BotId
                $env:WECOM_BOT_SECRET = $mock.Secret
                Connect-WecomBot -Endpoint $mock.Endpoint -Name fromenv
            }
            finally { $env:WECOM_BOT_ID, $env:WECOM_BOT_SECRET = $saved }
            (Get-WecomSession fromenv).State | Should -Be 'Connected'
            $subscribe = Get-WecomMockFrame -Server $mock -Cmd aibot_subscribe
            $subscribe | Should -HaveCount 1
            $subscribe.Body.bot_id | Should -Be $mock.BotId
            $subscribe.Body.secret | Should -Be $mock.Secret
        }

        It 'stops a script on rejected credentials: a terminating AuthenticationError, never retried' {
            $caught = $null
            $verbose = [Collections.Generic.List[string]]::new()
            try {
                Connect-WecomBot -BotId $mock.BotId -Secret 'not-the-secret' -Endpoint $mock.Endpoint -Verbose 4>&1 |
                    ForEach-Object { $verbose.Add("$_") }
                $reached = $true
            }
            catch { $caught = $_ }
            $reached | Should -BeNullOrEmpty -Because 'the statement after a failed connect must not run'
            $caught.FullyQualifiedErrorId | Should -Be 'WecomAuthFailed,WecomPS.Cmdlets.ConnectWecomBotCommand'
            $caught.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $caught.Exception.Message | Should -Match '853000'
            $caught.Exception.Message | Should -Match 'invalid bot_id or secret'
            $caught.Exception.Message | Should -Not -Match 'not-the-secret'
            ($verbose -join "`n") | Should -Match 'plain text' -Because '-Secret as a string is worth a Verbose line'
            ($verbose + ($caught | Out-String)) -join "`n" | Should -Not -Match 'not-the-secret'
            # A retry would come after a backoff: this sleep checks that none comes (it waits for nothing to happen).
            Start-Sleep -Milliseconds 300
            Get-WecomMockFrame -Server $mock -Cmd aibot_subscribe | Should -HaveCount 1 -Because 'a refusal is final'
            Get-WecomSession | Should -BeNullOrEmpty -Because 'no session, so no default session either'
        }

        It 'fails fast when the server refuses the subscribe' {
            Set-WecomMockFault -Server $mock -RejectAuth
            { Connect-Mock } | Should -Throw -ErrorId 'WecomAuthFailed,*'
        }

        It 'connects nothing with -WhatIf' {
            Connect-Mock -WhatIf
            Get-WecomMockFrame -Server $mock | Should -BeNullOrEmpty
            Get-WecomSession | Should -BeNullOrEmpty
        }
    }

    Describe 'Get-WecomSession' {
        It 'lists sessions by name, wildcard and -Default' {
            Connect-Mock -Name alpha
            Connect-Mock -Name beta
            (Get-WecomSession).Name | Sort-Object | Should -Be @('alpha', 'beta')
            (Get-WecomSession 'al*').Name | Should -Be 'alpha'
            (Get-WecomSession -Default).Name | Should -Be 'beta'
        }

        It 'writes ObjectNotFound for an unknown name' {
            Get-WecomSession nosuch -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be 'WecomSessionNotFound,WecomPS.Cmdlets.GetWecomSessionCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].TargetObject | Should -Be 'nosuch'
        }
    }

    Describe 'Receive-WecomMessage' {
        BeforeEach { Connect-Mock }

        It 'returns queued messages in order with their fields' {
            Send-WecomMockMessage -Server $mock -Text 'first' -UserId lisi | Out-Null
            Send-WecomMockMessage -Server $mock -Text 'in the group' -UserId wangwu -ChatId wrGroup | Out-Null
            $messages = Receive-WecomMessage -Wait -Count 2 -Timeout 10
            $messages.Content | Should -Be @('first', 'in the group')
            $messages[0].ChatType | Should -Be 'single'
            $messages[0].ChatId | Should -Be 'lisi'
            $messages[1].ChatType | Should -Be 'group'
            $messages[1].ChatId | Should -Be 'wrGroup'
            $messages[1].UserId | Should -Be 'wangwu'
        }

        It 'names the sender (Sender) and tells how long ago the message came (Age)' {
            Send-WecomMockMessage -Server $mock -Text 'hi' -UserId lisi | Out-Null
            $m = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            $m.Sender | Should -Be 'lisi'
            $age = $m.Age
            $sinceReceived = [DateTimeOffset]::Now - $m.ReceivedAt
            $age | Should -BeOfType [TimeSpan]
            $age | Should -BeGreaterOrEqual ([TimeSpan]::Zero)
            $age | Should -BeLessOrEqual $sinceReceived
        }

        It 'takes only what -<Filter> <Value> names and leaves the rest queued' -TestCases @(
            @{ Filter = 'EventType'; Value = 'enter_chat'; Property = 'EventType'; Expected = 'enter_chat' }
            @{ Filter = 'ChatId'; Value = 'wrOps'; Property = 'Content'; Expected = 'spoken' }
            @{ Filter = 'MsgType'; Value = 'text'; Property = 'Content'; Expected = 'hello' }
        ) {
            Send-WecomMockMessage -Server $mock -Text 'hello' | Out-Null
            Send-WecomMockMessage -Server $mock -Event enter_chat | Out-Null
            Send-WecomMockMessage -Server $mock -Voice 'spoken' -ChatId wrOps | Out-Null
            $filter = @{ $Filter = $Value }
            $taken = Receive-WecomMessage -Wait -Count 1 -Timeout 10 @filter
            $taken.$Property | Should -Be $Expected
            Wait-Until { (Get-WecomSession).InboxCount -eq 2 } | Should -BeTrue -Because 'the other two stay queued'
        }

        It 'returns nothing when -Timeout passes on an empty inbox' {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Receive-WecomMessage -Wait -Timeout 0.5 | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        }

        It 'shows a message delivered twice once' {
            $pushed = Send-WecomMockMessage -Server $mock -Text 'only once'
            $pushed | Send-WecomMockMessage -Server $mock | Out-Null
            Send-WecomMockMessage -Server $mock -Text 'end' | Out-Null
            (Receive-WecomMessage -Wait -Count 2 -Timeout 10).Content | Should -Be @('only once', 'end')
        }
    }

    Describe 'Send-WecomMessage' {
        BeforeEach { Connect-Mock }

        It 'sends markdown to a chat and outputs the result with -PassThru' {
            $result = Send-WecomMessage -ChatId wrOps -Content 'Deploy **done**' -PassThru
            $frame = Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg
            $frame.Body.chatid | Should -Be 'wrOps'
            $frame.Body.msgtype | Should -Be 'markdown'
            $frame.Body.markdown.content | Should -Be 'Deploy **done**'
            $result.ReqId | Should -Be $frame.ReqId
        }

        It 'replies to a received message: Receive-WecomMessage -Wait -Count 1 | Send-WecomMessage -Content hi' {
            $pushed = Send-WecomMockMessage -Server $mock -Text 'ping?'
            Receive-WecomMessage -Wait -Count 1 -Timeout 10 | Send-WecomMessage -Content hi
            $reply = Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg
            $reply.ReqId | Should -Be $pushed.ReqId
            $reply.Body.stream.content | Should -Be 'hi'
            $reply.Body.stream.finish | Should -BeTrue
            Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg | Should -BeNullOrEmpty
        }

        It 'takes -ChatId by property name and -Content from the pipeline' {
            [pscustomobject]@{ ChatId = 'a1' }, [pscustomobject]@{ ChatId = 'a2' } | Send-WecomMessage -Content 'to each'
            'line 1', 'line 2' | Send-WecomMessage -ChatId wrOps
            (Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg).Body.chatid | Should -Be @('a1', 'a2', 'wrOps', 'wrOps')
            (Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg -Last 2).Body.markdown.content | Should -Be @('line 1', 'line 2')
        }

        It 'reports errcode <ErrCode> as a non-terminating <ErrorId> (<Category>) with the chat as target' -TestCases @(
            @{ ErrCode = 40008; ErrorId = 'WecomCommandFailed'; Category = 'InvalidResult'; Chat = 'wrOps' }
            @{ ErrCode = 93006; ErrorId = 'WecomInvalidChatId'; Category = 'InvalidArgument'; Chat = 'LiSi' }
            @{ ErrCode = 846607; ErrorId = 'WecomRateLimited'; Category = 'LimitsExceeded'; Chat = 'wrOps' }
            @{ ErrCode = 846606; ErrorId = 'WecomAlreadyResponded'; Category = 'InvalidOperation'; Chat = 'wrOps' }
            @{ ErrCode = 846605; ErrorId = 'WecomInvalidReqId'; Category = 'InvalidArgument'; Chat = 'wrOps' }
        ) {
            Set-WecomMockFault -Server $mock -FailCommand aibot_send_msg -ErrCode $ErrCode
            Send-WecomMessage -ChatId $Chat -Content 'refused' -ErrorVariable err -ErrorAction SilentlyContinue
            $next = 'the script went on'
            $next | Should -Be 'the script went on'
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,WecomPS.Cmdlets.SendWecomMessageCommand"
            $err[0].CategoryInfo.Category | Should -Be $Category
            $err[0].TargetObject | Should -BeExactly $Chat
            $err[0].Exception.Message | Should -Match "$ErrCode"
        }

        It 'stops the script with -ErrorAction Stop' {
            Set-WecomMockFault -Server $mock -FailCommand aibot_send_msg -ErrCode 40008
            { Send-WecomMessage -ChatId wrOps -Content 'refused' -ErrorAction Stop } | Should -Throw -ErrorId 'WecomCommandFailed,*'
        }

        It 'falls back to a new message with -FallbackToSend when the reply window has passed' {
            Send-WecomMockMessage -Server $mock -Text 'old question' -UserId lisi | Out-Null
            $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            $mock.AdvanceClock([timespan]::FromHours(25))
            Send-WecomMessage -ReplyTo $message -Content 'late answer' -FallbackToSend -WarningVariable warn -WarningAction SilentlyContinue
            $warn | Should -Not -BeNullOrEmpty
            ($warn -join "`n") | Should -Match 'WecomReplyExpired'
            (Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg).AckErrcode | Should -Be 846604
            $sent = Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg
            $sent.Body.chatid | Should -Be 'lisi'
            $sent.Body.markdown.content | Should -Be 'late answer'
        }

        It 'is a terminating error without a session' {
            Disconnect-WecomBot
            { Send-WecomMessage -ChatId wrOps -Content 'x' } | Should -Throw -ErrorId 'WecomNoSession,*'
        }
    }

    Describe 'Send-WecomFile' {
        BeforeAll {
            $dir = New-Item TestDrive:/reports -ItemType Directory -Force
            'alpha report' | Set-Content (Join-Path $dir a.txt)
            'beta report' | Set-Content (Join-Path $dir b.txt)
            [byte[]](137, 80, 78, 71, 13, 10, 26, 10) + [byte[]](1..32) | Set-Content (Join-Path $dir chart.png) -AsByteStream
        }
        BeforeEach { Connect-Mock }

        It 'uploads and sends every file piped from Get-ChildItem' {
            Get-ChildItem "$dir/*.txt" | Send-WecomFile -ChatId wrOps
            $sends = Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg
            $sends | Should -HaveCount 2
            $sends.Body.msgtype | Should -Be @('file', 'file')
            $uploads = Get-WecomMockUpload -Server $mock -Last 2
            $uploads.FileName | Should -Be @('a.txt', 'b.txt')
            $sends.Body.file.media_id | Should -Be $uploads.MediaId
            [Text.Encoding]::UTF8.GetString($uploads[0].Bytes).Trim() | Should -Be 'alpha report'
        }

        It 'sends a .png as an image' {
            Send-WecomFile -ChatId wrOps -Path (Join-Path $dir chart.png)
            (Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg).Body.msgtype | Should -Be 'image'
            (Get-WecomMockUpload -Server $mock -Last 1).Type | Should -Be 'image'
        }

        It 'replies with a file to a received message' {
            $pushed = Send-WecomMockMessage -Server $mock -Text 'send me the report'
            $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            Send-WecomFile -ReplyTo $message -Path (Join-Path $dir a.txt)
            $reply = Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg
            $reply.ReqId | Should -Be $pushed.ReqId
            $reply.Body.msgtype | Should -Be 'file'
        }

        It 'reports a missing file as ObjectNotFound and still sends the others' {
            Send-WecomFile -ChatId wrOps -Path (Join-Path $dir missing.txt), (Join-Path $dir a.txt) -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomFileNotFound,*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg | Should -HaveCount 1
        }
    }

    Describe 'Send-WecomCard' {
        BeforeAll {
            $notice = @{ card_type = 'text_notice'; main_title = @{ title = 'Deploy done' }
                card_action = @{ type = 1; url = 'https://example.com' } }
        }
        BeforeEach { Connect-Mock }

        It 'sends a card written as a hashtable to a chat and outputs the result with -PassThru' {
            $result = Send-WecomCard -ChatId wrOps -Card $notice -PassThru
            $frame = Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg
            $frame | Should -HaveCount 1
            $frame.Body.chatid | Should -Be 'wrOps'
            $frame.Body.msgtype | Should -Be 'template_card'
            $frame.Body.template_card.card_type | Should -Be 'text_notice'
            $frame.Body.template_card.main_title.title | Should -Be 'Deploy done'
            $result.ReqId | Should -Be $frame.ReqId
        }

        It 'answers a received message with a card: Receive-WecomMessage | Send-WecomCard -Card $card' {
            $pushed = Send-WecomMockMessage -Server $mock -Text 'status?'
            Receive-WecomMessage -Wait -Count 1 -Timeout 10 | Send-WecomCard -Card $notice
            $reply = Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg
            $reply.ReqId | Should -Be $pushed.ReqId
            $reply.Body.msgtype | Should -Be 'template_card'
            Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg | Should -BeNullOrEmpty
        }

        It 'updates the card a user clicked, with its task_id, when the click is piped in' {
            $click = Send-WecomMockMessage -Server $mock -Event template_card_event -UserId lisi -EventPayload @{
                card_type = 'button_interaction'; event_key = 'approve'; task_id = 'task_42' }
            Receive-WecomMessage -Wait -Count 1 -Timeout 10 -EventType template_card_event |
                Send-WecomCard -UserId lisi -Card @{ card_type = 'text_notice'; main_title = @{ title = 'Approved' }
                    card_action = @{ type = 1; url = 'https://example.com' } }
            $update = Get-WecomMockFrame -Server $mock -Cmd aibot_respond_update_msg
            $update.ReqId | Should -Be $click.ReqId
            $update.Body.response_type | Should -Be 'update_template_card'
            $update.Body.template_card.task_id | Should -Be 'task_42'
            $update.Body.template_card.main_title.title | Should -Be 'Approved'
            $update.Body.userids | Should -Be @('lisi')
        }

        It 'refuses a card without a required field: a terminating InvalidArgument naming it, nothing sent' {
            $mock.ClearFrames()
            $card = [pscustomobject]@{ card_type = 'button_interaction'; main_title = @{ title = 'Deploy?' }
                button_list = @(@{ text = 'Yes'; key = 'yes' }) }
            $caught = $null
            try { Send-WecomCard -ChatId wrOps -Card $card; $reached = $true } catch { $caught = $_ }
            $reached | Should -BeNullOrEmpty
            $caught.FullyQualifiedErrorId | Should -Be 'WecomInvalidCard,WecomPS.Cmdlets.SendWecomCardCommand'
            $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $caught.Exception.Message | Should -Match 'task_id'
            Get-WecomMockFrame -Server $mock | Where-Object Cmd -NE ping | Should -BeNullOrEmpty
        }

        It 'reports a second card for the same message as WecomAlreadyResponded and goes on' {
            Send-WecomMockMessage -Server $mock -Text 'q' | Out-Null
            $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            $message, $message | Send-WecomCard -Card $notice -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomAlreadyResponded,*'
            $err[0].Exception.Message | Should -Match 'already answered'
            @(Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg).AckErrcode | Should -Be @(0, 846606)
        }
    }

    Describe 'Send-WecomMessage -Stream' {
        BeforeEach {
            Connect-Mock
            $pushed = Send-WecomMockMessage -Server $mock -Text 'deploy' -UserId lisi
            $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        }

        It 'shows the lines piped in as one reply that grows, then finishes' {
            'step 1', 'step 2', 'step 3' | Send-WecomMessage -ReplyTo $message -Stream
            $frames = @(Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg)
            $frames.ReqId | Select-Object -Unique | Should -Be $pushed.ReqId
            @($frames.Body.stream.id | Select-Object -Unique) | Should -HaveCount 1
            @($frames | Where-Object { $_.Body.stream.finish }) | Should -HaveCount 1
            $frames[-1].Body.stream.finish | Should -BeTrue
            $frames[-1].Body.stream.content | Should -Be "step 1`nstep 2`nstep 3"
            Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg | Should -BeNullOrEmpty
        }

        It 'takes the message from the pipeline and the lines from -Content' {
            $message | Send-WecomMessage -Content "one`ntwo" -Stream
            $last = Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg -Last 1
            $last.ReqId | Should -Be $pushed.ReqId
            $last.Body.stream.content | Should -Be "one`ntwo"
            $last.Body.stream.finish | Should -BeTrue
        }

        It 'delivers a stream that outlived its lifetime as a markdown message, with a warning' {
            & {
                'first'
                # The stream has begun on the server once its first frame is there; then its lifetime passes.
                Wait-Until { Get-WecomMockFrame -Server $mock -Cmd aibot_respond_msg } | Should -BeTrue
                $mock.AdvanceClock([timespan]::FromMinutes(11))
                'second'
            } | Send-WecomMessage -ReplyTo $message -Stream -WarningVariable warn -WarningAction SilentlyContinue `
                -ErrorVariable err
            $err | Should -BeNullOrEmpty
            ($warn -join "`n") | Should -Match '846608'
            $sent = Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg
            $sent | Should -HaveCount 1
            $sent.Body.chatid | Should -Be 'lisi'
            $sent.Body.chat_type | Should -Be 1
            $sent.Body.markdown.content | Should -Be "first`nsecond"
        }
    }

    Describe 'Save-WecomMedia' {
        BeforeAll {
            $image = [byte[]](137, 80, 78, 71, 13, 10, 26, 10) + [byte[]](1..200)
            $document = [Text.Encoding]::UTF8.GetBytes('the quarterly report')
        }
        BeforeEach {
            Connect-Mock
            $dest = (New-Item "TestDrive:/saved-$([guid]::NewGuid().ToString('n'))" -ItemType Directory).FullName
        }

        It 'saves the image and the file piped from Receive-WecomMessage, decrypted, under their names' {
            Send-WecomMockMessage -Server $mock -Image $image | Out-Null
            Send-WecomMockMessage -Server $mock -File $document -FileName 'report 2026.pdf' | Out-Null
            $saved = Receive-WecomMessage -Wait -Count 2 -Timeout 10 | Save-WecomMedia -Destination $dest
            $saved | Should -HaveCount 2
            $saved | ForEach-Object { $_ | Should -BeOfType [IO.FileInfo] }
            [IO.File]::ReadAllBytes($saved[0].FullName) | Should -Be $image
            $saved[1].Name | Should -Be 'report 2026.pdf'
            [IO.File]::ReadAllBytes($saved[1].FullName) | Should -Be $document
            (Get-ChildItem -LiteralPath $dest -Force).Name | Sort-Object |
                Should -Be (@($saved.Name) | Sort-Object) -Because 'no temporary file is left'
        }

        It 'numbers a name that exists, and -Force overwrites it' {
            1..2 | ForEach-Object {
                Send-WecomMockMessage -Server $mock -File ([byte[]](1..(10 * $_))) -FileName same.txt | Out-Null }
            $messages = Receive-WecomMessage -Wait -Count 2 -Timeout 10
            ($messages | Save-WecomMedia -Destination $dest).Name | Should -Be @('same.txt', 'same (1).txt')
            ($messages[1] | Save-WecomMedia -Destination $dest -Force).Name | Should -Be 'same.txt'
            (Get-Item -LiteralPath (Join-Path $dest same.txt)).Length | Should -Be 20
        }

        It 'reports an expired download URL as an error record naming the message, and leaves no file' {
            Send-WecomMockMessage -Server $mock -Image $image | Out-Null
            $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            $mock.AdvanceClock([timespan]::FromMinutes(6))
            $message | Save-WecomMedia -Destination $dest -ErrorVariable err -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomMediaExpired,*'
            $err[0].Exception.Message | Should -Match '5 minutes'
            $err[0].TargetObject.MsgId | Should -Be $message.MsgId
            Get-ChildItem -LiteralPath $dest -Force | Should -BeNullOrEmpty
        }
    }

    Describe '-WhatIf' {
        BeforeAll {
            $whatIfFile = (New-Item TestDrive:/whatif/a.txt -Value 'what if' -Force).FullName
            $whatIfCard = @{ card_type = 'text_notice'; main_title = @{ title = 'x' }; card_action = @{ type = 0 } }
        }
        BeforeEach {
            Connect-Mock
            Send-WecomMockMessage -Server $mock -Image ([byte[]](1..64)) | Out-Null
            $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
            $out = (New-Item "TestDrive:/whatif-$([guid]::NewGuid().ToString('n'))" -ItemType Directory).FullName
            $mock.ClearFrames()
            $uploadsBefore = @(Get-WecomMockUpload -Server $mock).Count
        }

        It '<Command> -WhatIf sends nothing and writes nothing' -TestCases @(
            @{ Command = 'Send-WecomMessage'; Run = { Send-WecomMessage -ChatId wrOps -Content 'not really' -WhatIf } }
            @{ Command = 'Send-WecomMessage -Stream'; Run = { 'a', 'b' | Send-WecomMessage $message -Stream -WhatIf } }
            @{ Command = 'Send-WecomFile'; Run = { Get-Item $whatIfFile | Send-WecomFile -ChatId wrOps -WhatIf } }
            @{ Command = 'Send-WecomCard'; Run = { Send-WecomCard -ChatId wrOps -Card $whatIfCard -WhatIf } }
            @{ Command = 'Save-WecomMedia'; Run = { $message | Save-WecomMedia -Destination $out -WhatIf } }
        ) {
            & $Run | Should -BeNullOrEmpty
            Get-WecomMockFrame -Server $mock | Where-Object Cmd -NE ping | Should -BeNullOrEmpty
            @(Get-WecomMockUpload -Server $mock).Count | Should -Be $uploadsBefore
            Get-ChildItem -LiteralPath $out -Force | Should -BeNullOrEmpty
        }
    }

    Describe 'Disconnect-WecomBot' {
        It 'closes the session and forgets it' {
            $session = Connect-Mock -PassThru
            Disconnect-WecomBot
            $session.State | Should -Be 'Disconnected'
            Get-WecomSession | Should -BeNullOrEmpty
            $mock.WaitForConnectionCount(0, [timespan]::FromSeconds(10)) | Should -BeTrue
        }

        It 'disconnects every session piped from Get-WecomSession' {
            Connect-Mock -Name one
            Connect-Mock -Name two
            Get-WecomSession | Disconnect-WecomBot
            Get-WecomSession | Should -BeNullOrEmpty
        }

        It 'is a terminating InvalidOperation error when there is nothing to disconnect' {
            { Disconnect-WecomBot } | Should -Throw -ErrorId 'WecomNoSession,*'
        }
    }
}
