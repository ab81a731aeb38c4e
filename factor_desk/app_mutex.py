"""On Windows the program holds a named mutex while it runs; the installer's ``AppMutex``
names it, so an upgrade or an uninstall waits (asks the clerk to close Factor Desk)
instead of replacing files the running program has open."""

from __future__ import annotations

import sys
from typing import Any

# The session's name and the global one (a program running in another session, such as
# a second clerk on the same PC): packaging/windows/factor_desk.iss lists both.
MUTEX_NAMES = ("FactorDeskRunning", "Global\\FactorDeskRunning")

_held: list[Any] = []  # the handles: Windows releases the mutex when the process ends


def hold_app_mutex(*, platform: str = sys.platform, kernel32: Any = None) -> None:
    """Create the mutexes (Windows only; elsewhere nothing). Never fails the start."""
    if platform != "win32" or _held:
        return
    if kernel32 is None:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    for name in MUTEX_NAMES:
        handle = kernel32.CreateMutexW(None, False, name)
        if handle:  # 0 when refused (the global name may be): the other one still counts
            _held.append(handle)
