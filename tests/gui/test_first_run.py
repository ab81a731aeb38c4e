"""The first run, without a terminal: a window on data without a company offers to start
one (a wizard saved in one go) or to try the demo (in a folder of its own)."""

from __future__ import annotations

import pytest
from helpers import settle
from PySide6.QtWidgets import QWizard

from factor_desk.db.database import Location
from factor_desk.domain.errors import InputRefused
from factor_desk.services.desk import Desk


@pytest.fixture
def empty(home, asker):
    """A window's Front on a data folder without a company, the demo folder beside it;
    every window it opens answers through ``asker``."""
    from factor_desk.gui.app import Front, make_app

    make_app()
    location = Location.resolve(home)
    front = Front(location, demo_home=home.parent / "Demo", asker_for=lambda: asker)
    front.show(Desk.open(location), location)
    yield front
    window = front.window
    if window is not None:
        window.runner.cancel()
        window.runner.wait()
        window.close()


def real_company(home) -> str | None:
    with Desk.open(Location.resolve(home)) as desk:
        return desk.profile().name


def fill(wizard) -> None:
    c = wizard.company_page
    c.company.setText("Red Oak Transport")
    c.company.textEdited.emit("Red Oak Transport")  # the subsidiary follows
    c.fields["mc_number"].setText("MC-778899")
    c.fields["city"].setText("Tulsa")
    c.code.setText("rof")
    wizard.next()
    f = wizard.factor_page
    f.name.setText("Triumph Pay")
    f.remit_to.setPlainText("Triumph Pay\nP.O. Box 610028\nDallas, TX 75261")
    f.fee.setText("3")
    wizard.next()
    wizard.next()


def test_without_a_company_the_window_offers_to_start_or_to_try_the_demo(empty):
    window = empty.window
    assert window.showing_first_run and window.first_run.isVisible()
    assert window.first_run.start.text() == "Start with your company"
    assert window.first_run.demo.text() == "Try the demo"
    assert window.windowTitle() == f"Welcome — Factor Desk — {window.desk.signed_in()}"
    assert not window.demo_banner.isVisible()


def test_the_wizard_saves_the_company_in_one_go(qtbot, empty, home):
    window = empty.window
    window.first_run.start.click()
    wizard = window.wizard
    assert wizard.isVisible()
    fill(wizard)
    assert "TRIUMPH PAY, P.O. BOX 610028, DALLAS, TX 75261" in \
        wizard.notice_page.text.toPlainText()
    assert wizard.currentPage() is wizard.documents_page
    wizard.button(QWizard.WizardButton.FinishButton).click()
    settle(qtbot, window)
    assert not wizard.isVisible()
    assert not window.showing_first_run
    assert window.stack.currentWidget() is window.pages["home"]
    sub = window.desk.profile().subsidiaries[0]
    assert (sub.name, sub.code, sub.mc_number, sub.factoring_company) == (
        "Red Oak Transport", "ROF", "MC-778899", "Triumph Pay")
    assert "TRIUMPH PAY" in sub.notice_of_assignment
    assert real_company(home) == "Red Oak Transport"


def test_a_refused_step_keeps_the_wizard_and_what_was_typed(qtbot, empty, home, asker):
    window = empty.window
    wizard = window.start_company()
    fill(wizard)
    wizard.notice_page.text.setPlainText("")  # no Notice of Assignment
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert isinstance(asker.problems[-1], InputRefused)
    assert "Notice of Assignment text is empty" in str(asker.problems[-1])
    assert wizard.isVisible() and window.showing_first_run
    assert wizard.company_page.company.text() == "Red Oak Transport"
    assert real_company(home) is None  # nothing half saved
    wizard.notice_page.text.setPlainText("NOTICE OF ASSIGNMENT: PAY TRIUMPH PAY ONLY.")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert not wizard.isVisible()
    assert real_company(home) == "Red Oak Transport"


def test_try_the_demo_opens_demo_data_in_its_own_folder_then_close_it(qtbot, empty, home):
    real = empty.window
    real.first_run.demo.click()
    demo = empty.window
    assert demo is not real and not real.isVisible()
    settle(qtbot, demo)
    assert demo.demo and "DEMO" in demo.windowTitle()
    assert demo.demo_banner.isVisible() and "DEMO" in demo.demo_banner.text()
    assert str(home.parent / "Demo") in demo.database.text()
    assert not demo.showing_first_run
    assert demo.desk.profile().name == "Blue Ridge Transport Group"
    assert real_company(home) is None  # the clerk's data is untouched
    close = next(a for a in demo.findChildren(type(demo.tool_actions["refresh"]))
                 if a.objectName() == "closeDemo")
    assert close.isVisible()
    close.trigger()
    back = empty.window
    assert back is not demo and not demo.isVisible()
    assert not back.demo and back.showing_first_run
    assert "DEMO" not in back.windowTitle()
    assert str(home) in back.database.text()
    assert real_company(home) is None


def test_the_status_bar_says_who_and_which_data(window, desk):
    assert window.user.text() == f"Clerk: {desk.user()}"
    assert window.database.text() == desk.location
    assert not window.showing_first_run


def test_the_toolbar_shows_the_pages_main_actions(qtbot, window):
    def shown():
        return [a.text() for a in window.toolbar.actions() if a.isVisible() and a.text()]

    window.show_page("reports")
    settle(qtbot, window)
    assert shown() == ["Refresh", "Download", "Upload Purchase Report",
                       "Upload Payment Report"]
    window.show_page("batch")
    settle(qtbot, window)
    assert shown() == ["Refresh", "Submit Batch"]
    window.show_page("loads")
    settle(qtbot, window)
    assert shown() == ["Refresh", "Import Loads"]


def test_open_data_folder_starts_factor_desk_on_it(window, asker, tmp_path, monkeypatch):
    launched = []
    monkeypatch.setattr("factor_desk.gui.data_folder.open_factor_desk",
                        lambda folder: launched.append(folder) or True)
    asker.answer("folder", str(tmp_path / "restored"))
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    action = next(a for a in file_menu.actions() if a.text() == "&Open data folder…")
    action.trigger()
    assert launched == [str(tmp_path / "restored")]
    assert window.isVisible()


def test_no_text_of_the_window_tells_the_clerk_to_run_a_command():
    import re
    from pathlib import Path

    import factor_desk.gui

    gui = Path(factor_desk.gui.__file__).parent
    for file in sorted(gui.rglob("*.py")):
        for string in re.findall(r'"[^"\n]*"', file.read_text(encoding="utf-8")):
            assert "factor-desk " not in string, (file.name, string)
            assert not re.search(r"\brun <|\bstart it with\b", string, re.I), \
                (file.name, string)


def test_the_demo_never_replaces_the_data_the_window_was_opened_on(qtbot, home, asker):
    from factor_desk.gui.app import Front, make_app

    make_app()
    location = Location.resolve(home)
    front = Front(location, demo_home=home, asker_for=lambda: asker)  # the same folder
    front.show(Desk.open(location), location)
    front.window.first_run.demo.click()
    demo = front.window
    settle(qtbot, demo)
    assert demo.demo and str(home / "Demo") in demo.database.text()
    assert real_company(home) is None
    demo.runner.cancel()
    demo.runner.wait()
    demo.close()
