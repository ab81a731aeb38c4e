"""What this machine can check of the installers: the version everywhere is
pyproject.toml's, the Info.plist is valid, the paths the Windows installer names are the
bundle's, and the self-test passes (here from the checkout; CI also runs it in the Linux
bundle it builds)."""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import app_info  # noqa: E402

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
ISS = (ROOT / "packaging" / "windows" / "factor_desk.iss").read_text(encoding="utf-8")


def test_the_version_is_pyprojects_everywhere():
    from factor_desk import __version__

    assert app_info.version() == VERSION == __version__
    assert re.search(r'#define AppVersion "([^"]+)"', ISS).group(1) == VERSION


def test_the_info_plist_is_valid_and_high_resolution():
    info = plistlib.loads(plistlib.dumps(app_info.info_plist()))
    assert info["CFBundleIdentifier"] == "com.factordesk.FactorDesk"
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == VERSION
    assert info["NSHighResolutionCapable"] is True


def _iss_sources() -> list[str]:
    defines = dict(re.findall(r'#define (\w+) "([^"]+)"', ISS))
    sources = re.findall(r'^Source: "([^"]+)"', ISS, re.MULTILINE)
    out = []
    for source in sources:
        for name, value in defines.items():
            source = source.replace("{#" + name + "}", value)
        out.append(source)
    return out


def test_the_windows_installer_names_the_bundle_layout():
    sources = _iss_sources()
    bundle = f"..\\..\\dist\\{app_info.BUNDLE_DIR}"
    assert sources == [f"{bundle}\\{app_info.APP_NAME}.exe",
                       f"{bundle}\\{app_info.CONSOLE_NAME}.exe",
                       f"{bundle}\\{app_info.CONTENTS_DIR}\\*"]
    spec = (ROOT / "packaging" / "factor_desk.spec").read_text(encoding="utf-8")
    assert "name=APP_NAME, console=False" in spec and "name=CONSOLE_NAME" in spec
    assert "name=BUNDLE_DIR" in spec
    assert re.search(r"AppId=\{\{[0-9A-F-]{36}\}", ISS)
    assert "[InstallDelete]" in ISS and "{app}\\_internal" in ISS
    assert "[Registry]" not in ISS.split("; No [Registry]")[0]  # no file associations


def test_the_macos_script_signs_inside_out_and_notarizes():
    script = (ROOT / "packaging" / "macos" / "build_app.sh").read_text(encoding="utf-8")

    def at(text: str) -> int:
        assert text in script, text
        return script.index(text)

    # Inside-out: loose libraries, then each .framework signed as a bundle (its directory,
    # deepest first), then the executables, then the app.
    loose, frameworks, exes, app = (at('! -path "*.framework/*"'), at('-name "*.framework"'),
                                    at('for exe in "$APP/Contents/MacOS/'),
                                    at('sign --entitlements "$ENTITLEMENTS" "$APP"'))
    assert loose < frameworks < exes < app
    assert "sort -rn" in script[frameworks:exes]  # deepest framework first
    # The app is notarized and stapled before it goes into the disk image; then the disk
    # image is signed, notarized and stapled.
    order = [at('notarize "$APP_ZIP"'), at('xcrun stapler staple "$APP"'),
             at("hdiutil create"), at('codesign --force --timestamp --sign '
                                      '"$MACOS_SIGN_IDENTITY" "$DMG"'),
             at('notarize "$DMG"'), at('xcrun stapler staple "$DMG"')]
    assert order == sorted(order), order
    assert app < order[0]
    assert "notarytool submit" in script and "plutil -lint" in script
    # the self-test runs on the app as it ships: signed
    assert at("--self-test") > app
    plistlib.loads((ROOT / "packaging" / "macos" / "entitlements.plist").read_bytes())


def test_the_macos_minimum_is_what_the_bundled_qt_supports():
    # Qt 6.11 runs on macOS 13 (Ventura) and later; pyproject pins PySide6 to 6.11.
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pyside = next(d for d in pins["project"]["dependencies"] if d.startswith("PySide6"))
    assert ">=6.11" in pyside and "<6.12" in pyside, "a new Qt: check its macOS minimum"
    assert app_info.info_plist()["LSMinimumSystemVersion"] == "13.0"
    script = (ROOT / "packaging" / "macos" / "build_app.sh").read_text(encoding="utf-8")
    assert "LSMinimumSystemVersion" in script and "minos" in script  # checked at build
    readme = (ROOT / "packaging" / "README.md").read_text(encoding="utf-8")
    assert "macOS 13" in readme and "Apple silicon" in readme and "Intel" in readme
    assert "$(uname -m)" in script  # the disk image is named for the chip it runs on


@pytest.mark.slow
def test_the_self_test_passes_from_the_checkout(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "factor_desk", "--self-test"],
                         capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stdout + out.stderr
    assert [line.split("(")[0].strip() for line in lines[:-1]] == [
        "ok   demo data", "ok   submit batch", "ok   download batch", "ok   purchase report",
        "ok   payment report", "ok   window"]
    assert lines[-1] == "self-test passed"
    # The frozen program's multiprocessing paths run too: the window's worker process and
    # the download's pool (an 8-invoice batch is below the pool's threshold otherwise).
    steps = {line.split("(")[0].strip(): line for line in lines[:-1]}
    assert re.search(r"in a worker process \(pid \d+, not \d+\)",
                     steps["ok   purchase report"]), steps["ok   purchase report"]
    assert re.search(r"pool of [2-9] worker processes", steps["ok   download batch"]), \
        steps["ok   download batch"]


def test_the_frozen_entry_point_calls_freeze_support_first():
    # A worker process of a frozen program starts the program's own executable; without
    # freeze_support() before anything else it would run the whole program again.
    launch = (ROOT / "packaging" / "launch.py").read_text(encoding="utf-8")
    assert launch.index("multiprocessing.freeze_support()") < launch.index(
        "from factor_desk.cli import main")
    spec = (ROOT / "packaging" / "factor_desk.spec").read_text(encoding="utf-8")
    assert '"launch.py"' in spec


BUNDLE = os.environ.get("FACTOR_DESK_BUNDLE")


@pytest.mark.skipif(not BUNDLE, reason="FACTOR_DESK_BUNDLE names a built bundle (CI sets it)")
@pytest.mark.slow
def test_the_linux_bundle_holds_what_it_needs_and_passes_its_self_test():
    bundle = Path(BUNDLE)
    internal = bundle / app_info.CONTENTS_DIR
    for path in ("factor_desk/resources/templates/Purchase_Report.csv",
                 "factor_desk/resources/templates/Payments_Report.csv",
                 "factor_desk/resources/templates/Loads.csv",
                 "factor_desk/resources/icons/factor_desk.png",
                 "factor_desk/db/migrations/env.py",
                 "factor_desk/db/migrations/versions/0001_initial_schema.py"):
        assert (internal / path).is_file(), path
    # as du counts it: the bundle links some libraries to one copy; count that copy once
    size = sum(p.lstat().st_size for p in bundle.rglob("*")
               if p.is_file() and not p.is_symlink()) / 2**20
    assert size < 150, f"the bundle is {size:.0f} MB"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([str(bundle / app_info.CONSOLE_NAME), "--self-test"],
                         capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("self-test passed"), out.stdout
    assert "in a worker process (pid" in out.stdout and "pool of" in out.stdout, out.stdout


def _iss_setup() -> dict[str, str]:
    section = ISS.split("[Setup]", 1)[1].split("\n[", 1)[0]
    return dict(line.split("=", 1) for line in section.splitlines()
                if "=" in line and not line.startswith((";", "#")))


def test_the_windows_installer_installs_per_user_and_waits_for_the_running_program():
    from factor_desk import app_mutex

    setup = _iss_setup()
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["PrivilegesRequiredOverridesAllowed"] == "dialog"
    assert setup["MinVersion"] == "10.0.19045"  # Windows 10 22H2
    # The installer's AppMutex is the program's own mutex (session and global names).
    assert setup["AppMutex"].split(",") == list(app_mutex.MUTEX_NAMES)
    # The self-test shortcut runs in a console that stays open to be read.
    icon = next(line for line in ISS.splitlines() if "self-test" in line
                and line.startswith("Name:"))
    assert 'Filename: "{cmd}"' in icon and "/k " in icon and "--self-test" in icon


def test_the_windows_build_signs_only_when_a_certificate_is_given():
    build = (ROOT / "packaging" / "windows" / "build.ps1").read_text(encoding="utf-8")
    # signing is a conditional block of the installer script, defined by the build
    assert re.search(r"#ifdef Sign\s+SignTool=\w+\s+SignedUninstaller=yes\s+#endif", ISS)
    condition = build.index("if ($env:WINDOWS_SIGN_PFX -or $env:WINDOWS_SIGN_THUMBPRINT)")
    assert condition < build.index("signtool") < build.index('"/DSign"')
    assert build.index('"/DSign"') < build.index("& $iscc")
    assert "$LASTEXITCODE" in build.split("& $iscc")[1]


def test_the_program_holds_its_mutex_on_windows_only(monkeypatch):
    from factor_desk import app_mutex

    made = []

    class Kernel32:
        def CreateMutexW(self, attributes, owner, name):  # noqa: N802 - the Win32 name
            made.append(name)
            return len(made)

    monkeypatch.setattr(app_mutex, "_held", [])
    app_mutex.hold_app_mutex(platform="linux", kernel32=Kernel32())
    assert made == []
    app_mutex.hold_app_mutex(platform="win32", kernel32=Kernel32())
    assert made == list(app_mutex.MUTEX_NAMES) and app_mutex._held == [1, 2]


def test_ci_tests_builds_and_self_tests_on_windows_macos_and_linux():
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "os: [ubuntu-latest, windows-latest, macos-latest]" in ci
    assert "QT_QPA_PLATFORM: offscreen" in ci and "FACTOR_DESK_TEST_PG_URL" not in ci.split(
        "jobs:")[1]  # no PostgreSQL there: those tests skip
    assert 'pip install -e ".[test]"' in ci and "python -m pytest" in ci
    # Linux gets what .ci/run installs
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    apt = re.search(r"apt_packages=\(([^)]*)\)", run).group(1).split()
    linux_step = ci.split("sudo apt-get install", 1)[1].split("- name:", 1)[0]
    assert set(apt) <= set(linux_step.replace("\\", " ").split())
    # the bundle (Linux), the app (macOS), the installer (Windows), each self-tested
    assert "bash packaging/build.sh --self-test" in ci
    assert "bash packaging/macos/build_app.sh" in ci
    assert "packaging/windows/build.ps1" in ci and "--self-test" in ci.split("build.ps1")[1]


def test_every_package_of_factor_desk_is_in_the_wheel():
    """pyproject lists the packages one by one: a new package left out of the list would be
    missing from the wheel (and from a clerk's install) while every test from the checkout
    still passed."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "factor_desk").rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
