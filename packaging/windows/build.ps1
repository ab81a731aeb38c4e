# Build Factor Desk for Windows: the PyInstaller bundle, its self-test, then the installer.
# Run from the repository root in a Python 3.11+ environment with Inno Setup 6 installed.
#
# Code signing, only when a certificate is given (otherwise the build is unsigned):
#   WINDOWS_SIGN_PFX + WINDOWS_SIGN_PASSWORD   a .pfx file and its password, or
#   WINDOWS_SIGN_THUMBPRINT                     a certificate in the user's store;
#   WINDOWS_SIGN_TIMESTAMP_URL                  (optional) the RFC 3161 timestamp server.
$ErrorActionPreference = "Stop"
python -m pip install -e . "pyinstaller>=6.10,<7"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\factor_desk.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$version = python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"

$isccArgs = @("/DAppVersion=$version")
if ($env:WINDOWS_SIGN_PFX -or $env:WINDOWS_SIGN_THUMBPRINT) {
    $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
        Sort-Object FullName -Descending | Select-Object -First 1
    if (-not $signtool) { throw "signtool.exe not found: install the Windows SDK" }
    $timestamp = if ($env:WINDOWS_SIGN_TIMESTAMP_URL) { $env:WINDOWS_SIGN_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
    if ($env:WINDOWS_SIGN_PFX) {
        $certArgs = @("/f", $env:WINDOWS_SIGN_PFX, "/p", $env:WINDOWS_SIGN_PASSWORD)
    } else {
        $certArgs = @("/sha1", $env:WINDOWS_SIGN_THUMBPRINT)
    }
    $signArgs = @("sign", "/fd", "sha256", "/tr", $timestamp, "/td", "sha256") + $certArgs
    # The program's own executables, before the self-test runs them...
    & $signtool.FullName @signArgs "dist\factor-desk\Factor Desk.exe" "dist\factor-desk\factor-desk-console.exe"
    if ($LASTEXITCODE -ne 0) { throw "signing the executables failed" }
    # ...and the installer and its uninstaller, by Inno Setup ($f: the file it signs).
    $quoted = ($signArgs | ForEach-Object { '$q' + $_ + '$q' }) -join " "
    $isccArgs += @("/DSign", ('/Sfactordesk=$q' + $signtool.FullName + '$q ' + $quoted + ' $f'))
}

$env:QT_QPA_PLATFORM = "offscreen"
& "dist\factor-desk\factor-desk-console.exe" --self-test
if ($LASTEXITCODE -ne 0) { throw "the bundle's self-test failed" }
Remove-Item Env:\QT_QPA_PLATFORM

$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc @isccArgs packaging\windows\factor_desk.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
