# How to test a gated runbook: queue the click with the test kit (Send-WecomMockMessage -CardClick -OnNextCard), run
# the runbook, and check what it decided and what it sent.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    Import-WecomModule
    $runbook = "$PSScriptRoot/../../samples/Deploy-WithApproval.ps1"
}

Describe 'Deploy-WithApproval.ps1' {
    BeforeEach {
        $mock = Start-WecomMockServer
        $env:WECOM_BOT_ID = $mock.BotId
        $env:WECOM_BOT_SECRET = $mock.Secret
        $deploys = [System.Collections.ArrayList]::new()
        $script:deploys = $deploys
        $run = @{
            ChatId = 'wrOps'; Version = 'v2.3'; Approver = 'zhangsan', 'lisi'; Endpoint = $mock.Endpoint
            Deploy = { [void]$deploys.Add('deployed') }.GetNewClosure()
        }
    }
    AfterEach {
        Stop-WecomMockServer $mock
        Remove-Item Env:WECOM_BOT_ID, Env:WECOM_BOT_SECRET
    }

    It 'deploys when an approver approves, and says so in the chat' {
        Send-WecomMockMessage -CardClick -OnNextCard -Key Approve -UserId zhangsan -ChatId wrOps
        $result = & $runbook @run
        $result.Deployed | Should -BeTrue
        $result.Approval.Decision | Should -Be 'Approve'
        $result.Approval.DecidedBy | Should -Be 'zhangsan'
        $script:deploys.Count | Should -Be 1
        $card = Get-WecomMockFrame aibot_send_msg | Where-Object { $_.Body.msgtype -eq 'template_card' }
        $card.Body.template_card.main_title.title | Should -Be 'Deploy v2.3 to production?'
        $card.Body.template_card.task_id | Should -Be $result.Approval.TaskId
        (Get-WecomMockFrame aibot_respond_update_msg).Body.template_card.replace_text | Should -Be 'Approve by zhangsan'
        $said = (Get-WecomMockFrame aibot_send_msg -Last 1).Body.markdown.content
        $said | Should -Match 'Deployed \*\*v2.3\*\*.*zhangsan'
        $mock.Violations | Should -BeNullOrEmpty
    }

    It 'deploys nothing when an approver rejects' {
        Send-WecomMockMessage -CardClick -OnNextCard -Key Reject -UserId lisi -ChatId wrOps
        $result = & $runbook @run
        $result.Deployed | Should -BeFalse
        $result.Approval.Decision | Should -Be 'Reject'
        $script:deploys.Count | Should -Be 0
        (Get-WecomMockFrame aibot_send_msg -Last 1).Body.markdown.content | Should -Match 'stopped: rejected by lisi'
    }

    It 'does not count a click by someone who is not an approver' {
        Send-WecomMockMessage -CardClick -OnNextCard -Key Approve -UserId wangwu -ChatId wrOps
        Send-WecomMockMessage -CardClick -OnNextCard -Key Reject -UserId lisi -ChatId wrOps
        $result = & $runbook @run
        $result.Approval.DecidedBy | Should -Be 'lisi'
        $result.Approval.RefusedClicks | Should -Be 1
        $script:deploys.Count | Should -Be 0
        $updates = @(Get-WecomMockFrame aibot_respond_update_msg)
        $updates.Count | Should -Be 2
        $updates[0].Body.userids | Should -Be @('wangwu')
        $updates[0].Body.template_card.replace_text | Should -Be 'Not an approver'
        $updates[1].Body.PSObject.Properties.Name | Should -Not -Contain 'userids'
    }

    It 'fails with WecomApprovalTimeout and tells the chat when nobody decides' {
        $run.TimeoutSec = 1
        $err = { & $runbook @run } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomApprovalTimeout,*'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $script:deploys.Count | Should -Be 0
        (Get-WecomMockFrame aibot_send_msg -Last 1).Body.markdown.content | Should -Match 'expired'
        Get-WecomSession | Should -BeNullOrEmpty
    }
}

Describe 'Request-WecomApproval' {
    BeforeAll {
        $mock = Start-WecomMockServer
        Connect-WecomBot -BotId $mock.BotId -Secret $mock.Secret -Endpoint $mock.Endpoint
    }
    AfterAll {
        Disconnect-WecomBot
        Stop-WecomMockServer $mock
    }

    It 'shows an approval as a table with the decision, the decider and the wait' {
        Send-WecomMockMessage -CardClick -OnNextCard -UserId lisi
        $a = Request-WecomApproval -ChatId lisi -Title 'Go?' -Option Go, Stop
        $a.PSObject.TypeNames | Should -Contain 'WecomPS.Approval'
        $text = $a | Out-String
        $text | Should -Match 'Decision\s+DecidedBy'
        $text | Should -Match 'Go\s+lisi'
    }

    It 'leaves other messages in the inbox' {
        $null = Send-WecomMockMessage -Text 'unrelated' -UserId wangwu
        Send-WecomMockMessage -CardClick -OnNextCard -UserId lisi
        $null = Request-WecomApproval -ChatId lisi -Title 'Go?'
        (Receive-WecomMessage).Content | Should -Be 'unrelated'
    }

    It 'refuses seven options before anything is sent' {
        $before = @(Get-WecomMockFrame).Count
        $err = { Request-WecomApproval -ChatId lisi -Title 'Go?' -Option (1..7) } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WecomInvalidApproval,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        @(Get-WecomMockFrame).Count | Should -Be $before
    }

    It 'the test kit refuses a click on a button the card does not have' {
        Send-WecomMockMessage -CardClick -OnNextCard -UserId lisi
        $null = Request-WecomApproval -ChatId lisi -Title 'Go?'
        Send-WecomMockMessage -CardClick -Key Maybe -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WecomMockInvalidPush,*'
    }
}
