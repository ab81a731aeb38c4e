"""The application icons for Windows (.ico) and macOS (.icns), made from the one source
image resources/icons/factor_desk.png."""

from __future__ import annotations

from pathlib import Path


def make_icons(source: Path, out_dir: Path) -> dict[str, str]:
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    image = Image.open(source).convert("RGBA")
    ico = out_dir / "factor_desk.ico"
    image.save(ico, sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128),
                           (256, 256)])
    icns = out_dir / "factor_desk.icns"
    image.save(icns)
    return {"ico": str(ico), "icns": str(icns)}


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print(make_icons(root / "resources" / "icons" / "factor_desk.png", root / "build" / "icons"))
