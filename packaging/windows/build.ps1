# Build Factor Desk for Windows: the PyInstaller bundle, its self-test, then the installer.
# Run from the repository root in a Python 3.11+ environment with Inno Setup 6 installed.
$ErrorActionPreference = "Stop"
python -m pip install -e . "pyinstaller>=6.10,<7"
python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\factor_desk.spec
$env:QT_QPA_PLATFORM = "offscreen"
& "dist\factor-desk\factor-desk-console.exe" --self-test
if ($LASTEXITCODE -ne 0) { throw "the bundle's self-test failed" }
Remove-Item Env:\QT_QPA_PLATFORM
$version = python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
& "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" "/DAppVersion=$version" packaging\windows\factor_desk.iss
