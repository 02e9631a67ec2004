# Build Outpost for Windows: a venv, the app and its build tools, the translation catalogs, then the
# one-folder PyInstaller build (packaging/outpost.spec), its self-test, and the installer if Inno Setup
# is installed. Run from any folder in PowerShell on a Windows 10/11 x64 machine:
#     powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# packaging/windows/README.md says what to install first and what comes out.
param(
    [string]$Python = "py -3.13",       # the Python launcher's 3.13; "py -3.12" also works
    [switch]$NoInstaller                # only the folder build, no setup.exe
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

function Invoke-Step([string]$What, [scriptblock]$Command) {
    Write-Host "==> $What"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

# A venv of its own, so the build never uses packages from elsewhere on the machine.
$Venv = Join-Path $Root ".venv-win"
if (-not (Test-Path (Join-Path $Venv "Scripts\python.exe"))) {
    Invoke-Step "create the venv" { Invoke-Expression "$Python -m venv `"$Venv`"" }
}
$Py = Join-Path $Venv "Scripts\python.exe"
Invoke-Step "upgrade pip" { & $Py -m pip install --quiet --upgrade pip }
# Wheels only: the build machine needs no compiler (scripts/check_windows_wheels.py checks they exist).
Invoke-Step "install Outpost and its build tools" { & $Py -m pip install --quiet --only-binary=:all: ".[dev]" }
Invoke-Step "compile the translation catalogs" { & $Py scripts\compile_catalogs.py }
Invoke-Step "check the resources manifest" { & $Py scripts\resource_manifest.py --check }
Invoke-Step "build with PyInstaller" { & $Py -m PyInstaller --noconfirm --clean packaging\outpost.spec }

$Dist = Join-Path $Root "dist\Outpost"
Invoke-Step "self-test the build" { & (Join-Path $Dist "outpost-console.exe") self-test }

if ($NoInstaller) { Write-Host "Built $Dist (no installer asked for)."; exit 0 }

$Iscc = @(
    (Get-Command iscc.exe -ErrorAction SilentlyContinue | ForEach-Object { $_.Source }),
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $Iscc) {
    throw "Inno Setup 6 is not installed (https://jrsoftware.org/isdl.php, or: winget install JRSoftware.InnoSetup); the folder build is in $Dist"
}
$Version = & $Py -c "import app; print(app.__version__)"
Invoke-Step "build the installer" { & $Iscc "/DAppVersion=$Version" "/DSourceDir=$Dist" "packaging\windows\outpost.iss" }
Write-Host "Installer: $(Join-Path $Root "dist\Outpost-$Version-setup.exe")"
