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
        }

        It 'stops a script on rejected credentials: a terminating AuthenticationError' {
            $caught = $null
            try {
                Connect-WecomBot -BotId $mock.BotId -Secret 'not-the-secret' -Endpoint $mock.Endpoint
                $reached = $true
            }
            catch { $caught = $_ }
            $reached | Should -BeNullOrEmpty -Because 'the statement after a failed connect must not run'
            $caught.FullyQualifiedErrorId | Should -Be 'WecomAuthFailed,WecomPS.Cmdlets.ConnectWecomBotCommand'
            $caught.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $caught.Exception.Message | Should -Match '853000'
            $caught.Exception.Message | Should -Not -Match 'not-the-secret'
            Get-WecomSession | Should -BeNullOrEmpty
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

        It 'filters by -MsgType, -ChatId and -EventType' {
            Send-WecomMockMessage -Server $mock -Text 'hello' | Out-Null
            Send-WecomMockMessage -Server $mock -Event enter_chat | Out-Null
            Send-WecomMockMessage -Server $mock -Voice 'spoken' -ChatId wrOps | Out-Null
            (Receive-WecomMessage -Wait -Count 1 -Timeout 10 -EventType enter_chat).EventType | Should -Be 'enter_chat'
            (Receive-WecomMessage -Wait -Count 1 -Timeout 10 -ChatId wrOps).Content | Should -Be 'spoken'
            (Receive-WecomMessage -Wait -Count 1 -Timeout 10 -MsgType text).Content | Should -Be 'hello'
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

        It 'sends nothing with -WhatIf' {
            Send-WecomMessage -ChatId wrOps -Content 'not really' -WhatIf
            Get-WecomMockFrame -Server $mock -Cmd aibot_send_msg | Should -BeNullOrEmpty
        }

        It 'reports a refused send as a non-terminating error with the errcode and the chat as target' {
            Set-WecomMockFault -Server $mock -FailCommand aibot_send_msg -ErrCode 40008
            Send-WecomMessage -ChatId wrOps -Content 'refused' -ErrorVariable err -ErrorAction SilentlyContinue
            $next = 'the script went on'
            $next | Should -Be 'the script went on'
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'WecomCommandFailed,WecomPS.Cmdlets.SendWecomMessageCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidResult'
            $err[0].TargetObject | Should -Be 'wrOps'
            $err[0].Exception.Message | Should -Match '40008'
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

        It 'uploads nothing with -WhatIf' {
            Get-ChildItem "$dir/*.txt" | Send-WecomFile -ChatId wrOps -WhatIf
            Get-WecomMockFrame -Server $mock -Cmd 'aibot_upload_media_*', aibot_send_msg | Should -BeNullOrEmpty
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
