; Inno Setup script of Outpost's Windows installer (Inno Setup 6). build.ps1 runs it with
;   ISCC /DAppVersion=<version> /DSourceDir=<dist\Outpost> packaging\windows\outpost.iss
; It installs the PyInstaller folder for the current user or for all users, adds Start menu entries,
; and uninstalls the program only: the register lives in the user's data folder
; (%LOCALAPPDATA%\Outpost, app/data_folder.py), which the installer never touches, so an uninstall or
; an update never loses a case. packaging/windows/README.md explains the rest.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\Outpost"
#endif

[Setup]
; A fixed id: an update installs over the earlier version instead of beside it.
AppId={{6E0B1F53-7C1D-4E2A-9B4F-0D5C3A8E2F71}
AppName=Outpost
AppVersion={#AppVersion}
AppVerName=Outpost {#AppVersion}
AppPublisher=Outpost
VersionInfoVersion={#AppVersion}
VersionInfoProductName=Outpost
VersionInfoDescription=Outpost installer
DefaultDirName={autopf}\Outpost
DefaultGroupName=Outpost
DisableProgramGroupPage=yes
; Installs for the current user without administrator rights when the user chooses (posts' laptops
; are often locked down); all users when run as an administrator.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=outpost.ico
UninstallDisplayIcon={app}\Outpost.exe
OutputDir=..\..\dist
OutputBaseFilename=Outpost-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
LicenseFile={#SourceDir}\NOTICES.txt

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Inno Setup 6 ships no Vietnamese messages file; the program itself starts in Vietnamese.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Outpost"; Filename: "{app}\Outpost.exe"
Name: "{group}\Outpost (console, for support)"; Filename: "{cmd}"; Parameters: "/k ""{app}\outpost-console.exe"" --help"; WorkingDir: "{app}"
Name: "{group}\Third-party notices"; Filename: "{app}\NOTICES.txt"
Name: "{group}\{cm:UninstallProgram,Outpost}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Outpost"; Filename: "{app}\Outpost.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Outpost.exe"; Description: "{cm:LaunchProgram,Outpost}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program folder gained at run time (Python's caches). The register, its backups and its
; logs are in %LOCALAPPDATA%\Outpost and are kept. A portable copy is never installed by this setup.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
