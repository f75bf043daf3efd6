# Build the Casework bundle and installer on Windows (docs/installation.md).
# Needs: Python 3.11 (x64) from python.org, Inno Setup 6 (iscc on PATH). Run from the
# repository root in PowerShell:  powershell -ExecutionPolicy Bypass -File packaging\windows\build-bundle.ps1
$ErrorActionPreference = "Stop"
$venv = "build\bundle-venv"
if (-not (Test-Path "$venv\Scripts\python.exe")) { py -3.11 -m venv $venv }
& "$venv\Scripts\python.exe" -m pip install -q --upgrade pip
& "$venv\Scripts\python.exe" -m pip install -q --only-binary=:all: "pyinstaller==6.22.3"
& "$venv\Scripts\python.exe" -m pip install -q --force-reinstall --no-deps .
& "$venv\Scripts\python.exe" -m pip install -q --only-binary=:all: .
if (Test-Path dist\casework) { Remove-Item -Recurse -Force dist\casework }
& "$venv\Scripts\pyinstaller.exe" --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller packaging\casework.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
# quick check of the console executable (no GUI needed)
& dist\casework\casework.exe form einwilligung --blank --out "$env:TEMP\casework-smoke.pdf"
if ($LASTEXITCODE -ne 0) { throw "smoke: form failed" }
iscc packaging\windows\casework.iss
