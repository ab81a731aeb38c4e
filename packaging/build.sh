#!/usr/bin/env bash
# Build the one-folder bundle for the system this runs on, into dist/factor-desk/, and
# print its size. Usage: bash packaging/build.sh [--self-test]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q "pyinstaller>=6.10,<7"
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/factor_desk.spec
bundle=dist/factor-desk
if [ "$(uname -s)" = "Linux" ]; then
  ln -sf factor-desk "$bundle/factor-desk-console"  # the same program; see the spec
fi
echo "bundle: $bundle, $(du -sm "$bundle" | cut -f1) MB"
if [ "${1:-}" = "--self-test" ]; then
  QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" "$bundle/factor-desk-console" --self-test
fi
