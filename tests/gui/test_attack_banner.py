"""The server banner says what the watcher found (issue #15): a server that does not
answer, or one that answers but has no connection left for the login."""

from __future__ import annotations

from factor_desk.gui.live import ServerBanner


def test_the_banner_says_the_servers_own_reason(qtbot):
    banner = ServerBanner("dbserver")
    qtbot.addWidget(banner)
    assert banner.label.text() == (
        "The database server dbserver is not answering. Trying again every 5 s. Nothing "
        "you did is lost: changes are saved whole or not at all.")
    banner.say("The database server dbserver has no connection left for clerk2 (too many "
               "connections).")
    assert banner.label.text() == (
        "The database server dbserver has no connection left for clerk2 (too many "
        "connections). Trying again every 5 s. Nothing you did is lost: changes are saved "
        "whole or not at all.")
