@{
    RootModule           = 'WecomPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1d8c1e-3b7a-4c53-9a55-2f3d0e6b9a41'
    Author               = 'WecomPS contributors'
    CompanyName          = 'WecomPS'
    Copyright            = '(c) WecomPS contributors. MIT License.'
    Description          = 'WeCom (Enterprise WeChat) AI-bot long-connection client: connect a bot, receive messages as pipeline objects, reply, stream, send markdown, cards and files.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('WecomPS.Format.ps1xml')
    TypesToProcess       = @('WecomPS.Types.ps1xml')
    CmdletsToExport      = @(
        'Complete-WecomReply'
        'Connect-WecomBot'
        'Disconnect-WecomBot'
        'Get-WecomSession'
        'Publish-WecomMedia'
        'Receive-WecomMessage'
        'Request-WecomApproval'
        'Save-WecomMedia'
        'Send-WecomCard'
        'Send-WecomFile'
        'Send-WecomMessage'
        'Start-WecomReply'
        'Update-WecomReply'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('WeCom', 'WeChat', 'WeWork', 'EnterpriseWeChat', 'Bot', 'Chat', 'WebSocket', 'Windows', 'Linux', 'MacOS', 'PSEdition_Desktop', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/wecomps/WecomPS'
            LicenseUri   = 'https://github.com/wecomps/WecomPS/blob/main/LICENSE'
            ReleaseNotes = 'Connect-WecomBot, Disconnect-WecomBot, Get-WecomSession; Receive-WecomMessage (filters by type, chat, user and age); Send-WecomMessage (markdown, replies, streams), Start-WecomReply, Update-WecomReply and Complete-WecomReply (replies that show progress); Send-WecomCard; Send-WecomFile; Publish-WecomMedia (upload once, send many times); Save-WecomMedia; Request-WecomApproval (approval gates for runbooks). See README.md.'
        }
    }
}
