#!/usr/bin/env bash
# Build Factor Desk.app and a .dmg on macOS. Signs inside-out when MACOS_SIGN_IDENTITY is
# set ("Developer ID Application: ..."); notarizes and staples when MACOS_NOTARY_PROFILE
# names a notarytool keychain profile (xcrun notarytool store-credentials).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install -e . "pyinstaller>=6.10,<7"
python3 -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
  packaging/factor_desk.spec
VERSION=$(python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
APP="dist/Factor Desk.app"
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/factor-desk-console" --self-test
plutil -lint "$APP/Contents/Info.plist"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  ENTITLEMENTS=packaging/macos/entitlements.plist
  # Inside-out: every library and plugin first, then the executables, then the app.
  find "$APP/Contents" -type f \( -name "*.so" -o -name "*.dylib" -o -perm -u+x \) \
    ! -path "*/Contents/MacOS/*" -print0 |
    xargs -0 -I{} codesign --force --timestamp --options runtime \
      --sign "$MACOS_SIGN_IDENTITY" "{}"
  for exe in "$APP/Contents/MacOS/"*; do
    codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
      --sign "$MACOS_SIGN_IDENTITY" "$exe"
  done
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$MACOS_SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
fi

DMG="dist/FactorDesk-$VERSION.dmg"
rm -f "$DMG"
STAGE=$(mktemp -d)
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Factor Desk $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
fi
if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$DMG" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
  xcrun stapler staple "$APP"
fi
echo "built $DMG"
