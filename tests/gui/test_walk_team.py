"""What a walk through the team window of #15 found: a viewer's window shrinks to
1024×640 like anyone's (the Reports page's line saying why uploads are off wraps)."""

from __future__ import annotations

from helpers import settle
from test_permissions_window import window_as  # noqa: F401 (a fixture)

from factor_desk.domain.permissions import Permission


def test_a_viewers_window_shrinks_to_1024_by_640_on_every_page(qtbot, window_as):  # noqa: F811
    window = window_as(Permission.VIEWER)
    for key in ("home", "company", "batch", "reports", "loads", "aging", "audit"):
        window.show_page(key)
        settle(qtbot, window)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 640, (key, hint)
    assert "needs the Billing permission" in window.pages["reports"].hint.text()
