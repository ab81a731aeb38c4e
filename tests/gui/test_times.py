"""The window shows a moment in the clerk's time zone and date-time format; the command
line keeps its ISO UTC text."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from helpers import settle
from PySide6.QtCore import QLocale, Qt

from factor_desk.domain.dates import format_when
from factor_desk.gui import common

FREIGHT = "Blue Ridge Freight LLC"


@pytest.fixture
def chicago_us(monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    monkeypatch.undo()
    time.tzset()
    QLocale.setDefault(QLocale.system())


def test_a_utc_moment_shows_in_local_time_in_the_clerks_format(chicago_us):
    moment = dt.datetime(2026, 11, 28, 23, 29, 5)  # UTC, as the services give it
    text = common.when_text(moment)
    assert "5:29" in text and "PM" in text and "11/28/" in text, text
    assert common.when_text(moment.replace(tzinfo=dt.UTC)) == text
    assert format_when(moment) == "2026-11-28 23:29:05"  # the command line's, unchanged


def _texts(model, title: str) -> list[str]:
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == title)
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_every_time_the_window_shows_is_local(qtbot, window, desk, chicago_us):
    numbers = sorted(ld.load_number for ld in desk.eligible_loads(FREIGHT))
    batch = desk.submit_batch(FREIGHT, numbers[:2])
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    assert _texts(page.batches, "Submitted") == [common.when_text(batch.submitted_at)]
    headings = [page.history.headerData(c, Qt.Orientation.Horizontal)
                for c in range(page.history.columnCount())]
    assert "When" in headings and "When (UTC)" not in headings

    window.show_page("loads")
    settle(qtbot, window)
    loads = window.pages["loads"]
    loads.view.selectRow(0)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: loads.history.rowCount() > 0)
    history = loads.history.rows()
    assert _texts(loads.history, "When") == [common.when_text(h.at) for h in history]
    assert all(common.when_text(h.at) != format_when(h.at) for h in history)
    documents = loads.documents.rows()
    assert _texts(loads.documents, "Added") == [
        f"{common.when_text(d.added_at)} by {d.added_by}" for d in documents]


def test_home_says_when_it_was_updated_in_the_clerks_format(qtbot, window, chicago_us):
    window.show_page("home")
    page = window.pages["home"]
    page.refresh()
    settle(qtbot, window)
    assert re.fullmatch(r"Updated \d{1,2}:\d{2}\s?[AP]M", page.updated.text()), \
        page.updated.text()
