@{
    RootModule           = 'WecomPS.Testing.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'b5e0c7a2-8d4f-4b1e-9f63-0a7c2e51d9b4'
    Author               = 'WecomPS contributors'
    CompanyName          = 'WecomPS'
    Copyright            = '(c) WecomPS contributors. MIT License.'
    Description          = 'Test kit for WecomPS: an in-process WeCom AI-bot WebSocket server double on loopback, to test bots and runbooks without credentials or network.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('WecomPS.Testing.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-WecomMockFrame'
        'Get-WecomMockUpload'
        'Send-WecomMockMessage'
        'Set-WecomMockFault'
        'Start-WecomMockServer'
        'Stop-WecomMockServer'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('WeCom', 'WecomPS', 'Pester', 'Mock', 'Testing', 'WebSocket', 'Windows', 'Linux', 'MacOS')
            ProjectUri = 'https://github.com/wecomps/WecomPS'
            LicenseUri = 'https://github.com/wecomps/WecomPS/blob/main/LICENSE'
        }
    }
}
