#!/usr/bin/env bash
# Build Factor Desk.app and a .dmg on macOS, for the chip of the Mac that runs this
# (arm64: Apple silicon; x86_64: Intel): the wheels pip installs (Pillow, reportlab,
# psycopg) are built for one chip, so a universal2 app cannot be made from them.
#
# Signs inside-out when MACOS_SIGN_IDENTITY is set ("Developer ID Application: ...");
# notarizes and staples when MACOS_NOTARY_PROFILE names a notarytool keychain profile
# (xcrun notarytool store-credentials): first the app (stapled before it goes into the
# disk image, so it opens offline once copied out), then the disk image.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install -e . "pyinstaller>=6.10,<7"
python3 -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
  packaging/factor_desk.spec
VERSION=$(python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
ARCH=$(uname -m)
APP="dist/Factor Desk.app"
plutil -lint "$APP/Contents/Info.plist"

# The Info.plist's LSMinimumSystemVersion must not promise a macOS older than the one the
# bundled Qt was built for (the minos of QtCore's LC_BUILD_VERSION).
QTCORE=$(find "$APP/Contents" -path "*QtCore.framework/Versions/*/QtCore" -type f -print -quit)
if [ -z "$QTCORE" ]; then echo "QtCore.framework is not in $APP" >&2; exit 1; fi
QT_MIN=$(otool -l "$QTCORE" | awk '/minos/ && !found {found = $2} END {print found}')
PLIST_MIN=$(/usr/libexec/PlistBuddy -c "Print :LSMinimumSystemVersion" "$APP/Contents/Info.plist")
if ! python3 - "$PLIST_MIN" "${QT_MIN:-0}" <<'PY'
import sys
plist, qt = (tuple(int(p) for p in v.split(".")) for v in sys.argv[1:])
sys.exit(plist < qt)
PY
then
  echo "LSMinimumSystemVersion $PLIST_MIN is older than the bundled Qt's minimum $QT_MIN" >&2
  exit 1
fi

notarize() {  # notarize FILE: submit to Apple's notary service and wait for the verdict
  xcrun notarytool submit "$1" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
}

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  ENTITLEMENTS=packaging/macos/entitlements.plist
  sign() { codesign --force --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY" "$@"; }
  # Inside-out. 1: libraries and executables that are not inside a framework.
  find "$APP/Contents" -type f \( -name "*.so" -o -name "*.dylib" -o -perm -u+x \) \
    ! -path "*.framework/*" ! -path "*/Contents/MacOS/*" -print0 |
    while IFS= read -r -d '' file; do sign "$file" || exit 1; done
  # 2: each framework as a bundle (its directory, which seals its Info.plist and
  # resources with the binary), the most deeply nested first.
  find "$APP/Contents" -type d -name "*.framework" -print0 |
    while IFS= read -r -d '' fw; do printf '%s\t%s\n' "$(tr -cd / <<<"$fw" | wc -c)" "$fw"; done |
    sort -rn | cut -f2- |
    while IFS= read -r fw; do sign "$fw" || exit 1; done
  # 3: the executables, under the hardened runtime with their entitlements; 4: the app.
  for exe in "$APP/Contents/MacOS/"*; do
    sign --entitlements "$ENTITLEMENTS" "$exe"
  done
  sign --entitlements "$ENTITLEMENTS" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
fi

# The self-test runs on the app as it ships (signed, when it is).
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/factor-desk-console" --self-test

if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
  APP_ZIP="dist/FactorDesk-$VERSION-$ARCH-app.zip"
  ditto -c -k --keepParent "$APP" "$APP_ZIP"
  notarize "$APP_ZIP"
  xcrun stapler staple "$APP"
  rm -f "$APP_ZIP"
fi

DMG="dist/FactorDesk-$VERSION-macos-$ARCH.dmg"
rm -f "$DMG"
STAGE=$(mktemp -d)
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Factor Desk $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
  if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    notarize "$DMG"
    xcrun stapler staple "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
  fi
fi
echo "built $DMG (for $ARCH Macs, macOS $PLIST_MIN or later)"
