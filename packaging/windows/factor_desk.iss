; Inno Setup script for Factor Desk (Windows). Build the bundle first
; (packaging\build.ps1 or: python -m PyInstaller packaging\factor_desk.spec), then:
;
;   iscc /DAppVersion=0.1.0 packaging\windows\factor_desk.iss
;
; build.ps1 adds /DSign and /Sfactordesk=<signtool command> when a certificate is given.
; The version comes from the command line (packaging\build.ps1 reads pyproject.toml).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Factor Desk"
#define BundleDir "..\..\dist\factor-desk"

[Setup]
; A fixed AppId: every version upgrades the same installation.
AppId={{6E1F5C1A-3B7D-4C2E-9A57-2D8F0B4E6C91}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Factor Desk
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=FactorDesk-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\factor_desk.ico
UninstallDisplayIcon={app}\{#AppName}.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 22H2 (build 19045) or later, Windows 11.
MinVersion=10.0.19045
; For the current user by default (no administrator; {autopf} is then
; %LOCALAPPDATA%\Programs); the first page offers to install for all users instead.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; Factor Desk holds this mutex while it runs (factor_desk/app_mutex.py): setup and the
; uninstaller ask the clerk to close it instead of replacing files it has open.
AppMutex=FactorDeskRunning,Global\FactorDeskRunning
#ifdef Sign
SignTool=factordesk
SignedUninstaller=yes
#endif
; Factor Desk keeps its data in the user's own folder (%LOCALAPPDATA%\Factor Desk), never
; under {app}: the uninstaller removes the program and leaves the clerk's data alone.

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A clean upgrade of the one-folder program: files of the old version go first.
Type: filesandordirs; Name: "{app}\_internal"
Type: files; Name: "{app}\{#AppName}.exe"
Type: files; Name: "{app}\factor-desk-console.exe"

[Files]
Source: "{#BundleDir}\{#AppName}.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\factor-desk-console.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppName}.exe"
; cmd /k keeps the console open, so the clerk (or support) can read the result.
Name: "{group}\{#AppName} self-test"; Filename: "{cmd}"; Parameters: "/k """"{app}\factor-desk-console.exe"" --self-test"""; WorkingDir: "{app}"; IconFilename: "{app}\factor-desk-console.exe"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppName}.exe"; Tasks: desktopicon

; No [Registry] entries: .csv and .xlsx keep whatever program opens them ("Open with" is
; left alone).

[Run]
Filename: "{app}\{#AppName}.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
