"""Loads page: Create invoice, Back to Released…, Edit…, Void… (issue #12), driven as a clerk
would, with the stand-in asker answering; each says what will change before it does."""

from __future__ import annotations

from decimal import Decimal

from helpers import settle
from test_batch_invoices import factored

from factor_desk.domain.errors import InputRefused
from factor_desk.gui.load_dialogs import EditLoadDialog


def open_load(qtbot, window, number: str):
    window.show_page(f"loads:{number}")
    settle(qtbot, window)
    page = window.pages["loads"]
    assert page.selected_load_number() == number
    return page


def _load(desk, number, status=None):
    return next(ld for ld in desk.list_loads(status=status) if ld.load_number == number)


def _enabled(page):
    return {name for name, b in page.move_buttons.items() if b.isEnabled()}


def test_back_to_released_then_create_invoice(qtbot, window, desk, asker):
    page = open_load(qtbot, window, "10012")
    assert _enabled(page) == {"unqueue", "edit", "void"}
    asker.answer("text", "customer asked to hold")
    asker.answer("confirm", True)
    page.move_buttons["unqueue"].click()
    settle(qtbot, window)
    assert asker.asked[-1][0] == "confirm"
    assert "Load 10012 goes back to Released" in asker.asked[-1][1]
    assert _load(desk, "10012").status == "Released"
    assert desk.load_history("10012")[-1].reason == "customer asked to hold"
    assert page.selected_load_number() == "10012"
    assert _enabled(page) == {"queue", "edit", "void"}
    page.move_buttons["queue"].click()
    settle(qtbot, window)
    assert _load(desk, "10012").status == "Queued"
    assert page.model.row_at(0) is not None and not asker.problems


def test_void_asks_and_says_the_number_stays_taken(qtbot, window, desk, asker):
    page = open_load(qtbot, window, "10012")
    asker.answer("text", "duplicate load")
    asker.answer("confirm", False)  # the clerk thinks again: nothing changes
    page.move_buttons["void"].click()
    settle(qtbot, window)
    assert "Load 10012 becomes Void; its number stays taken" in asker.asked[-1][1]
    assert _load(desk, "10012").status == "Queued"
    asker.answer("text", "duplicate load")
    asker.answer("confirm", True)
    page.move_buttons["void"].click()
    settle(qtbot, window)
    assert _load(desk, "10012", "Void").status == "Void"
    assert "10012" not in {page.model.row_at(r).load_number
                           for r in range(page.model.rowCount())}
    assert page.selected_load_number() is None and _enabled(page) == set()


def test_edit_dialog_saves_the_changed_fields_and_keeps_a_refusal_open(
        qtbot, window, desk, asker):
    page = open_load(qtbot, window, "10012")
    before = _load(desk, "10012")
    page.move_buttons["edit"].click()
    settle(qtbot, window)  # the load is read (with its version) before the dialog opens
    dialog = page.edit_dialog
    assert isinstance(dialog, EditLoadDialog) and dialog.isVisible()
    dialog.fields["amount"].setText("abc")
    dialog.save_button.click()
    settle(qtbot, window)
    assert isinstance(asker.problems[-1], InputRefused)
    assert "amount" in str(asker.problems[-1])
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    dialog.fields["amount"].setText("1,234.50")
    dialog.fields["po_number"].setText("PO-EDITED")
    dialog.save_button.click()
    settle(qtbot, window)
    assert not dialog.isVisible()
    after = _load(desk, "10012")
    assert (after.amount, after.po_number) == (Decimal("1234.50"), "PO-EDITED")
    assert after.customer == before.customer
    reason = desk.load_history("10012")[-1].reason
    assert f"amount {before.amount:.2f} → 1234.50" in reason and "PO-EDITED" in reason


def test_a_batched_load_offers_no_move(qtbot, window, desk, tmp_path):
    factored(desk, tmp_path)
    page = open_load(qtbot, window, "10001")
    assert _enabled(page) == set()
