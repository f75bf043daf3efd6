; Inno Setup 6 script for Casework on Windows (docs/installation.md).
; Build the bundle first on Windows (packaging\windows\build-bundle.ps1 → dist\casework\),
; then: iscc packaging\windows\casework.iss  → dist\Casework-<version>-setup.exe
; Per-machine installation into Program Files (IT deploys it; silent: /VERYSILENT
; /SUPPRESSMSGBOXES /NORESTART). Vaults and settings are never in the program folder:
; settings in the registry (HKCU\Software\Casework), vaults where the user chooses,
; the demo vault under %APPDATA%\Casework (QStandardPaths AppDataLocation).

#define AppName "Casework"
#define AppVersion "0.1.0"
#define AppExe "casework-app.exe"

[Setup]
AppId={{6E0C6F1E-2B1D-4C39-9B1B-CA5E3A0C2D24}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Casework
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=Casework-{#AppVersion}-setup
SetupIconFile=casework.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
ShowLanguageDialog=no

[Languages]
Name: "de"; MessagesFile: "compiler:Languages\German.isl"

[Files]
; the whole PyInstaller folder: casework-app.exe (windowed), casework.exe (console/CLI)
Source: "..\..\dist\casework\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Verschlüsselte Fallakte"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Verknüpfung auf dem Desktop anlegen"; Flags: unchecked

[Registry]
; the CLI on PATH for IT scripts (casework.exe vault check …)
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; \
  ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
  Check: NeedsAddPath(ExpandConstant('{app}')); Flags: preservestringtype

[Run]
Filename: "{app}\{#AppExe}"; Description: "Casework starten"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKLM, 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
