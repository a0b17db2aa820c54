@{
    RootModule           = 'WecomPS.Testing.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'b5e0c7a2-8d4f-4b1e-9f63-0a7c2e51d9b4'
    Author               = 'WecomPS contributors'
    CompanyName          = 'WecomPS'
    Copyright            = '(c) WecomPS contributors. MIT License.'
    Description          = 'Test kit for WecomPS: an in-process WeCom AI-bot WebSocket server double on loopback, to test bots and runbooks without credentials or network. PowerShell 7.4+ only (not Windows PowerShell 5.1): the double needs .NET APIs that .NET Framework lacks. Run the tests of a 5.1 runbook under pwsh 7.'
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
        # Why Core only: the double is a WebSocket *server* built on WebSocket.CreateFromStream, Memory-based socket
        # reads and IAsyncDisposable (netstandard2.1), and makes its TLS certificates with CertificateRequest; .NET
        # Framework 4.x (Windows PowerShell 5.1) has none of these. WecomPS itself (the client) loads in 5.1.
        # Verified: pwsh 7.6 on Linux.
        CompatibilityNote = 'PowerShell 7.4+ (Core) only; WecomPS itself also loads in Windows PowerShell 5.1.'
        PSData = @{
            Tags       = @('WeCom', 'WecomPS', 'Pester', 'Mock', 'Testing', 'WebSocket', 'Windows', 'Linux', 'MacOS')
            ProjectUri = 'https://github.com/wecomps/WecomPS'
            LicenseUri = 'https://github.com/wecomps/WecomPS/blob/main/LICENSE'
        }
    }
}
