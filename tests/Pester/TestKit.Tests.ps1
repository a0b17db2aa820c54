# The test kit itself: starting and stopping the double, pushing every kind of message, reading frames, faults.
BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-WecomModule
}

Describe 'Start-WecomMockServer and Stop-WecomMockServer' {
    It 'starts on a free loopback port with a bot id and a secret' {
        $mock = Start-WecomMockServer
        try {
            $mock.Endpoint.AbsoluteUri | Should -Match '^ws://127\.0\.0\.1:\d+/$'
            $mock.BotId | Should -Not -BeNullOrEmpty
            $mock.Secret | Should -Match '^[0-9a-f]{32}$'
            $mock.IsDisposed | Should -BeFalse
        }
        finally { Stop-WecomMockServer -Server $mock }
        $mock.IsDisposed | Should -BeTrue
    }

    It 'takes its options as parameters' {
        $mock = Start-WecomMockServer -BotId 'aib-test' -Secret 's3cr3t' -AckDelayMs 50 -MaxChunksInFlight 2 -RateLimitPerMinute 7 -ReplyWindowSec 60
        try {
            $mock.BotId | Should -Be 'aib-test'
            $mock.Secret | Should -Be 's3cr3t'
            $mock.Options.AckDelay | Should -Be ([timespan]::FromMilliseconds(50))
            $mock.Options.MaxChunksInFlightPerUpload | Should -Be 2
            $mock.Options.RateLimitPerMinute | Should -Be 7
            $mock.Options.ReplyWindow | Should -Be ([timespan]::FromSeconds(60))
        }
        finally { $mock | Stop-WecomMockServer }
    }

    It 'stops every server it started when called without -Server' {
        $a = Start-WecomMockServer
        $b = Start-WecomMockServer
        Stop-WecomMockServer
        $a.IsDisposed | Should -BeTrue
        $b.IsDisposed | Should -BeTrue
    }

    It 'says so when no server is running' {
        Stop-WecomMockServer
        { Get-WecomMockFrame } | Should -Throw -ErrorId 'WecomMockNoServer,*'
    }
}

Describe 'Send-WecomMockMessage' {
    BeforeAll {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
        $image = New-Item TestDrive:/photo.png -Value 'not really a png' -Force
    }
    AfterAll {
        Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
    }
    AfterEach {
        $null = Receive-WecomMessage
        $mock.Violations | Should -BeNullOrEmpty
    }

    It 'pushes <Kind> and the client receives it as <TypeName>' -ForEach @(
        @{ Kind = 'text';                Push = @{ Text = 'hello' };                                     TypeName = 'WecomPS.Message.Text' }
        @{ Kind = 'an image path';       Push = @{ Image = 'TestDrive:/photo.png' };                      TypeName = 'WecomPS.Message.Image' }
        @{ Kind = 'file bytes';          Push = @{ File = [byte[]](1..64); FileName = 'r.pdf' };          TypeName = 'WecomPS.Message.File' }
        @{ Kind = 'video bytes';         Push = @{ Video = [byte[]](1..64) };                            TypeName = 'WecomPS.Message.Video' }
        @{ Kind = 'voice';               Push = @{ Voice = 'call me' };                                  TypeName = 'WecomPS.Message.Voice' }
        @{ Kind = 'mixed';               Push = @{ Mixed = @('look', [byte[]](1..16)) };                 TypeName = 'WecomPS.Message.Mixed' }
        @{ Kind = 'enter_chat';          Push = @{ Event = 'enter_chat' };                               TypeName = 'WecomPS.Event.EnterChat' }
        @{ Kind = 'template_card_event'; Push = @{ Event = 'template_card_event'; EventPayload = @{ card_type = 'button_interaction'; event_key = 'approve'; task_id = 't1' } }; TypeName = 'WecomPS.Event.TemplateCard' }
        @{ Kind = 'feedback_event';      Push = @{ Event = 'feedback_event'; EventPayload = @{ id = 'fb1'; type = 1 } }; TypeName = 'WecomPS.Event.Feedback' }
        @{ Kind = 'any msgtype';         Push = @{ MsgType = 'location'; Content = @{ latitude = 1.5 } }; TypeName = 'WecomPS.Message.Unknown' }
    ) {
        $pushed = Send-WecomMockMessage @Push -UserId lisi
        $pushed.ConnectionCount | Should -Be 1
        $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        $message.PSTypeNames[0] | Should -Be $TypeName
        $message.ReqId | Should -Be $pushed.ReqId
        $message.MsgId | Should -Be $pushed.MsgId
        $message.UserId | Should -Be 'lisi'
    }

    It 'pushes from a group chat with -ChatId and quotes with -Quote' {
        Send-WecomMockMessage -Text '@bot status?' -ChatId 'wrOps' -Quote @{ msgtype = 'text'; text = @{ content = 'earlier' } } | Out-Null
        $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        $message.ChatType | Should -Be 'group'
        $message.ChatId | Should -Be 'wrOps'
        $message.Quote | Should -Not -BeNullOrEmpty
    }

    It 'takes texts from the pipeline' {
        'one', 'two' | Send-WecomMockMessage | Should -HaveCount 2
        (Receive-WecomMessage -Wait -Count 2 -Timeout 10).Content | Should -Be @('one', 'two')
    }

    It 'pushes duplicates with -MsgId and -Repeat that the client shows once' {
        $first = Send-WecomMockMessage -Text 'once'
        Send-WecomMockMessage -Text 'once' -MsgId $first.MsgId | Out-Null
        $again = $first | Send-WecomMockMessage
        $again.ReqId | Should -Be $first.ReqId
        Send-WecomMockMessage -Text 'marker' | Out-Null
        (Receive-WecomMessage -Wait -Count 2 -Timeout 10).Content | Should -Be @('once', 'marker')
    }

    It 'pushes raw text that a client must survive' {
        Send-WecomMockMessage -Raw '{"cmd": "not json' | Out-Null
        Send-WecomMockMessage -Text 'after garbage' | Out-Null
        (Receive-WecomMessage -Wait -Count 1 -Timeout 10).Content | Should -Be 'after garbage'
    }

    It '-Content alone pushes a text message with that content' {
        $pushed = Send-WecomMockMessage -Content 'disk'
        (ConvertFrom-Json $pushed.RawJson).body.text.content | Should -Be 'disk'
        (Receive-WecomMessage -Wait -Count 1 -Timeout 10).Content | Should -Be 'disk'
    }

    It '-MsgType <MsgType> -Content <Shown> arrives with its content' -ForEach @(
        @{ MsgType = 'text';  Shown = "'hello'";            Content = 'hello';                     Expected = 'hello' }
        @{ MsgType = 'text';  Shown = 'a hashtable';      Content = @{ content = 'as object' }; Expected = 'as object' }
        @{ MsgType = 'voice'; Shown = "'call me'";        Content = 'call me';                   Expected = 'call me' }
        @{ MsgType = 'voice'; Shown = 'a PSCustomObject';   Content = [pscustomobject]@{ content = 'spoken' }
            Expected = 'spoken' }
        @{ MsgType = 'mixed'; Shown = 'a msg_item list';    Expected = 'look'
            Content = @{ msg_item = @(@{ msgtype = 'text'; text = @{ content = 'look' } }) } }
    ) {
        $pushed = Send-WecomMockMessage -MsgType $MsgType -Content $Content
        (ConvertFrom-Json $pushed.RawJson).body.msgtype | Should -Be $MsgType
        $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        $message.MsgType | Should -Be $MsgType
        $message.Content | Should -Be $Expected
    }

    It '-MsgType <MsgType> -Content @{ url; aeskey } puts that object under body.<MsgType>' -ForEach @(
        @{ MsgType = 'image' }, @{ MsgType = 'file' }, @{ MsgType = 'video' }
    ) {
        $raw = @{ url = 'https://example.invalid/m'; aeskey = 'k' }
        $pushed = Send-WecomMockMessage -MsgType $MsgType -Content $raw
        (ConvertFrom-Json $pushed.RawJson).body.$MsgType.url | Should -Be 'https://example.invalid/m'
        $message = Receive-WecomMessage -Wait -Count 1 -Timeout 10
        $message.MsgType | Should -Be $MsgType
    }

    It 'refuses a string -Content for msgtype <MsgType> and points at <Own>' -ForEach @(
        @{ MsgType = 'image'; Own = '-Image' }, @{ MsgType = 'file'; Own = '-File' }
        @{ MsgType = 'video'; Own = '-Video' }, @{ MsgType = 'mixed'; Own = '-Mixed' }
        @{ MsgType = 'event'; Own = '-Event' }
    ) {
        $before = $mock.Pushes.Count
        Send-WecomMockMessage -MsgType $MsgType -Content 'x.png' -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomMockInvalidPush,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be 'x.png'
        $err[0].Exception.Message | Should -BeLike "*$Own*"
        $mock.Pushes.Count | Should -Be $before
    }

    It '-Quote as a string quotes a text message' {
        Send-WecomMockMessage -Text 'and this?' -Quote 'earlier' | Out-Null
        (Receive-WecomMessage -Wait -Count 1 -Timeout 10).Quote.Content | Should -Be 'earlier'
    }

    It 'reports an unreadable media path as a non-terminating error' {
        Send-WecomMockMessage -Image 'TestDrive:/missing.png' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomMockMediaUnreadable,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Send-WecomMockMessage without a client' {
    It 'is a ConnectionError naming the server' {
        $mock = Start-WecomMockServer
        try {
            Send-WecomMockMessage -Text 'nobody' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomMockNoConnection,*'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].TargetObject | Should -Be $mock
        }
        finally { Stop-WecomMockServer -Server $mock }
    }
}

Describe 'Get-WecomMockFrame and Get-WecomMockUpload' {
    BeforeAll {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
        Send-WecomMessage -ChatId a -Content 'first'
        Send-WecomMessage -ChatId b -Content 'second'
        $null = New-Item TestDrive:/notes.txt -Value 'twelve bytes' -Force
        Send-WecomFile -ChatId a -Path TestDrive:/notes.txt
    }
    AfterAll {
        Disconnect-WecomBot
        Stop-WecomMockServer -Server $mock
    }

    It 'returns every frame, oldest first, with the body parsed' {
        $frames = Get-WecomMockFrame
        $frames[0].Cmd | Should -Be 'aibot_subscribe'
        $frames[0].Body.bot_id | Should -Be $mock.BotId
        $frames[0].Body.secret | Should -Be $mock.Secret
        $frames[0].AckErrcode | Should -Be 0
        $frames[0].PSTypeNames[0] | Should -Be 'WecomPS.Testing.Frame'
        $frames.Cmd | Should -Contain 'aibot_upload_media_chunk'
    }

    It 'filters by -Cmd (wildcards), -ReqId and -Last' {
        $sends = Get-WecomMockFrame -Cmd aibot_send_msg
        $sends | Should -HaveCount 3
        $sends[0].Body.markdown.content | Should -Be 'first'
        (Get-WecomMockFrame aibot_send_msg -Last 1).Body.msgtype | Should -Be 'file'
        (Get-WecomMockFrame -Cmd 'aibot_upload_media_*').Cmd | Should -Be @('aibot_upload_media_init', 'aibot_upload_media_chunk', 'aibot_upload_media_finish')
        (Get-WecomMockFrame -ReqId $sends[1].ReqId).Body.chatid | Should -Be 'b'
    }

    It 'waits with -Wait and reports a timeout as OperationTimeout' {
        Get-WecomMockFrame -Cmd aibot_respond_welcome_msg -Wait -TimeoutSec 0.3 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomMockFrameTimeout,*'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It 'returns uploads as the mock reassembled them' {
        $upload = Get-WecomMockUpload -FileName '*.txt' -Type file
        $upload.FileName | Should -Be 'notes.txt'
        [Text.Encoding]::UTF8.GetString($upload.Bytes) | Should -Be 'twelve bytes'
        (Get-WecomMockFrame aibot_send_msg -Last 1).Body.file.media_id | Should -Be $upload.MediaId
        Get-WecomMockUpload -Type image | Should -BeNullOrEmpty
    }
}

Describe 'Set-WecomMockFault' {
    BeforeAll {
        $mock = Start-WecomMockServer
        function Connect-Mock { Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint @args }
    }
    AfterEach {
        Set-WecomMockFault -Clear -AckDelayMs 0
        Get-WecomSession | Disconnect-WecomBot
    }
    AfterAll { Stop-WecomMockServer -Server $mock }

    It '-RejectAuth refuses the right credentials once' {
        Set-WecomMockFault -RejectAuth
        { Connect-Mock } | Should -Throw -ErrorId 'WecomAuthFailed,*'
        Connect-Mock
        (Get-WecomSession).State | Should -Be 'Connected'
    }

    It '-FailCommand answers the next command with -ErrCode' {
        Connect-Mock
        Set-WecomMockFault -FailCommand aibot_send_msg -ErrCode 40008 -Count 2
        1..3 | ForEach-Object { Send-WecomMessage -ChatId ops -Content "try $_" -ErrorAction SilentlyContinue }
        (Get-WecomMockFrame aibot_send_msg -Last 3).AckErrcode | Should -Be @(40008, 40008, 0)
    }

    It '-FailCommand without -ErrCode is a terminating InvalidArgument error' {
        { Set-WecomMockFault -FailCommand aibot_send_msg } | Should -Throw -ErrorId 'WecomMockErrCodeRequired,*'
    }

    It '-DropConnection resets the connection and the client reconnects' {
        Connect-Mock
        $before = $mock.SuccessfulSubscribes
        Set-WecomMockFault -DropConnection
        $mock.WaitForSubscribeCount($before + 1, [timespan]::FromSeconds(20)) | Should -BeTrue
        Send-WecomMockMessage -Text 'after the drop' | Out-Null
        (Receive-WecomMessage -Wait -Count 1 -Timeout 10).Content | Should -Be 'after the drop'
    }

    It '-Silent $true leaves commands unanswered' {
        Connect-Mock
        Set-WecomMockFault -Silent $true
        Send-WecomMessage -ChatId ops -Content 'into the void' -TimeoutSec 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomAckTimeout*'
    }

    It 'disconnected_event supersedes the session' {
        Connect-Mock
        Send-WecomMockMessage -Event disconnected_event | Out-Null
        Receive-WecomMessage -Wait -Timeout 10 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        (Get-WecomSession).State | Should -Be 'Superseded'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WecomSessionSuperseded*'
    }
}
