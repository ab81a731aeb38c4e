"""Home, the first page of the window: what needs the clerk today, each a click away."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from helpers import settle

from factor_desk.domain.money import format_money
from factor_desk.services.common import run_to_end

SUB = "Blue Ridge Freight LLC"


def _home(qtbot, window):
    window.show_page("home")
    settle(qtbot, window)
    return window.pages["home"]


def _purchase_report(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Load Number", "Invoice Amount", "Purchase Date", "Status", "Reason"])
        w.writerows(rows)
    return path


def test_the_window_opens_on_home_with_the_loads_ready_to_factor(qtbot, window, desk):
    assert window.current_page is window.pages["home"]
    assert window.windowTitle() == f"Home — Factor Desk — {window.desk.signed_in()}"
    page = window.pages["home"]
    ready = desk.eligible_loads(SUB)
    total = sum((ld.amount for ld in ready), Decimal(0))
    assert page.ready.big.text() == "12 loads"
    assert page.ready.item_texts() == [
        f"12 loads ready to factor — {format_money(total)} — {SUB}"]
    # nothing sent yet: the cards say so, and what to do
    assert page.waiting.empty.text().startswith("No batch is waiting")
    assert page.flagged.empty.text() == "The factor has held or rejected nothing."
    assert page.past_due.empty.text() == "No invoice is past due."
    assert "submit one on the" in page.money.empty.text()
    assert len(page.chart.weeks) == 12 and page.chart.top == 0


def test_a_ready_line_opens_factoring_batch_on_its_subsidiary(qtbot, window):
    window.show_page("batch")
    settle(qtbot, window)
    window.pages["batch"].subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    settle(qtbot, window)
    page = _home(qtbot, window)
    page.ready.item_buttons()[0].click()
    settle(qtbot, window)
    batch = window.pages["batch"]
    assert window.current_page is batch
    assert batch.subsidiary.currentText() == SUB
    assert batch.model.rowCount() == 12


def test_a_batch_sent_a_hold_and_the_money_open(qtbot, window, desk, tmp_path):
    loads = desk.eligible_loads(SUB)
    amounts = {ld.load_number: ld.amount for ld in loads}
    numbers = [ld.load_number for ld in loads]
    first = desk.submit_batch(SUB, numbers[:3])
    second = desk.submit_batch(SUB, numbers[3:5])
    today = f"{dt.date.today():%m/%d/%Y}"
    run_to_end(desk.apply_report("purchase", _purchase_report(tmp_path / "p.csv", [
        [numbers[0], str(amounts[numbers[0]]), today, "Purchased", ""],
        [numbers[1], str(amounts[numbers[1]]), today, "Purchased", ""],
        [numbers[2], str(amounts[numbers[2]]), today, "Held", "POD is not signed"]]),
        batch=first.batch))
    page = _home(qtbot, window)

    assert page.ready.big.text() == "7 loads"
    waiting_total = amounts[numbers[3]] + amounts[numbers[4]]
    assert page.waiting.big.text() == "1 batch"
    assert page.waiting.item_texts() == [
        f"{second.batch} — 2 invoices, {format_money(waiting_total)} — sent today"]
    assert page.flagged.big.text() == "1 invoice"
    assert page.flagged.item_texts() == [
        f"Invoice {numbers[2]} — {format_money(amounts[numbers[2]])} — Held: POD is not "
        f"signed ({first.batch})"]
    sent = sum((amounts[n] for n in numbers[:5]), Decimal(0))
    assert page.money.big.text() == format_money(sent)  # nothing paid yet
    assert [amount.text() for _, amount in page.statement] == [
        format_money(sent), format_money(amounts[numbers[0]] + amounts[numbers[1]]),
        "$0.00", format_money(sent)]
    assert page.chart.weeks[-1].invoiced == sent and page.chart.top == sent
    assert format_money(sent) in page.chart.accessibleDescription()

    page.waiting.item_buttons()[0].click()
    assert window.current_page is window.pages["reports"]
    page = _home(qtbot, window)
    page.flagged.item_buttons()[0].click()
    assert window.current_page is window.pages["loads"]
    page = _home(qtbot, window)
    page.chart.clicked.emit()
    assert window.current_page is window.pages["reports"]


def test_past_due_invoices_name_the_days_late(qtbot, window, desk):
    numbers = [ld.load_number for ld in desk.eligible_loads(SUB)][:2]
    desk.submit_batch(SUB, numbers)
    page = window.pages["home"]
    late = desk.home(dt.date.today() + dt.timedelta(days=120))  # past any terms
    page.show_overview(late)
    assert page.past_due.big.text() == "2 invoices"
    assert all(" days late — " in text for text in page.past_due.item_texts())
    page.past_due.item_buttons()[0].click()
    assert window.current_page is window.pages["reports"]


@pytest.fixture
def empty_window(qtbot, tmp_path, asker):
    from factor_desk.db.database import Database, Location
    from factor_desk.gui.app import make_app, settings_for
    from factor_desk.gui.main_window import MainWindow
    from factor_desk.services.desk import Desk

    home = tmp_path / "empty"
    db = Database(Location.resolve(home))
    make_app()
    win = MainWindow(Desk(db), settings_for(Location.resolve(home)), asker=asker)
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, win)
    yield win
    win.runner.cancel()
    win.runner.wait()
    db.dispose()


def test_an_empty_desk_says_what_to_do(qtbot, empty_window):
    page = empty_window.pages["home"]
    assert page.ready.big.text() == "0 loads"
    assert "Nothing to factor — first add your company" in page.ready.empty.text()
    assert page.ready.item_texts() == []
    assert page.chart.top == 0 and "Nothing invoiced" in page.chart.accessibleDescription()
    page.grab()  # paints the empty chart
    page.ready.empty.linkActivated.emit("company")
    assert empty_window.current_page is empty_window.pages["company"]


def test_without_loads_home_says_to_import_them(qtbot, window, desk):
    page = window.pages["home"]
    empty = desk.home()
    empty.ready = []  # as a desk whose loads have all been batched
    page.show_overview(empty)
    assert page.ready.big.text() == "0 loads"
    assert "import loads on the" in page.ready.empty.text()
    page.ready.empty.linkActivated.emit("loads")
    assert window.current_page is window.pages["loads"]
