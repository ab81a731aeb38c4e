"""Coloured text that stays readable in a dark palette: a note, an error, a success, a
caution, each in a light-palette tone and a dark-palette one (the walk of issue #14 found
grey notes and dark green "Sent" text all but invisible on a dark window)."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

_TONES = {  # tone: (on a light window, on a dark window)
    "note": ("#555555", "#a8a8a8"),
    "error": ("#b3261e", "#f28b82"),
    "done": ("#1e6b34", "#81c995"),
    "caution": ("#8a5a00", "#f0c36d"),
}


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def tone_color(widget: QWidget, tone: str) -> str:
    light, dark = _TONES[tone]
    return dark if is_dark(widget) else light


def tone_style(widget: QWidget, tone: str) -> str:
    """A style sheet giving ``widget`` the text colour of ``tone`` for its palette."""
    return f"color: {tone_color(widget, tone)};"
