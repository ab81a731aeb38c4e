"""The Company profile's Document configuration: the subsidiary's important info (the
Notice of Assignment and the rest), listed, added, edited in Manage Important Info and
removed; a save over another clerk's newer text is refused and offers to reload (#15).

A mixin of CompanyPage (gui/company_page.py), which builds the list and its buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QTableView

from factor_desk.domain.trade import InfoKind
from factor_desk.gui.common import when_text
from factor_desk.gui.factor_terms_box import FactorTermsBox
from factor_desk.gui.important_info import ManageImportantInfoDialog
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import RowTableModel, selected_row
from factor_desk.gui.page import Page
from factor_desk.gui.stale import offer_reload
from factor_desk.services.company import CompanyProfile, InfoEntry, SubsidiaryProfile


def _entry_in(profile: CompanyProfile, name: str, kind: str
              ) -> tuple[SubsidiaryProfile | None, InfoEntry | None]:
    """The subsidiary ``name`` of ``profile`` and its important info of ``kind`` (each
    None when not there: renamed or removed by another clerk)."""
    sub = next((s for s in profile.subsidiaries if s.name == name), None)
    entry = next((e for e in sub.important_info if e.kind == kind), None) \
        if sub is not None else None
    return sub, entry


class ImportantInfoSection(Page):
    """The important info of the subsidiary the page shows (``self.current``): the part of
    CompanyPage, which makes these widgets."""

    current: SubsidiaryProfile | None
    dialog: ManageImportantInfoDialog | None
    add_info: QPushButton
    entry_buttons: tuple[QPushButton, ...]
    info_model: RowTableModel
    info_view: QTableView
    terms_box: FactorTermsBox

    if TYPE_CHECKING:
        def refresh(self, select: str | None = None) -> None: ...  # CompanyPage's

    def _missing_kinds(self) -> list[InfoKind]:
        """The kinds of important info the subsidiary shown has not got yet."""
        present = {e.kind for e in self.current.important_info} if self.current else set()
        return [k for k in InfoKind if k.value not in present]

    def _update_add_info(self) -> None:
        """The + adds a kind not there yet; with every kind there, it is off and says why."""
        missing = self._missing_kinds()
        self.add_info.setEnabled(bool(missing))
        self.add_info.setToolTip(
            "Add important info" if missing else
            "Every kind of important info is set for this subsidiary: select one and press "
            "Edit… to change it.")

    def open_info_dialog(self, entry: InfoEntry | None) -> ManageImportantInfoDialog | None:
        if self.current is None:
            return None
        if entry is None:
            missing = self._missing_kinds()
            if not missing:
                return None  # the + is off: every kind is there, edit one instead
            dialog = ManageImportantInfoDialog(self, None, missing, self._noa_check())
        else:
            dialog = ManageImportantInfoDialog(self, entry, noa_check=self._noa_check())
        dialog.save_requested.connect(lambda kind, text: self._save_info(dialog, kind, text))
        dialog.guard(self.desk)  # read-only for a login without the Admin permission
        terms = self.terms_box.terms.get(self.current.factoring_company or "")
        if terms is not None and terms.default_noa:
            dialog.offer_factor_noa(terms.name, terms.default_noa)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _noa_check(self):
        """The editor's warning for a Notice of Assignment's text, against the factor the
        subsidiary has (saved); None when it has none."""
        sub = self.current
        terms = self.terms_box.terms.get(sub.factoring_company or "") if sub else None
        if sub is None or terms is None:
            return None
        return lambda text: self.desk.noa_warning(sub.name, text, terms.name, terms.remit_to)

    def _save_info(self, dialog, kind: str, text: str) -> None:
        """Save the dialog's text; a text saved already (read again now: another clerk may
        have saved one since the dialog opened) is replaced only when the clerk says so."""
        assert self.current is not None  # the dialog is opened on the subsidiary shown
        name = self.current.name
        label = InfoKind(kind).label
        shown = dialog.version  # the entry's version the editor shows; 0: none (#15)
        dialog.save.setEnabled(False)

        def done(sub):
            dialog.accept()
            self.status.emit(f"{label} saved for {sub.name}.")
            self.refresh(select=sub.name)

        def failed(exc):
            dialog.save.setEnabled(True)  # Cancel: the editor keeps the clerk's text
            if not offer_reload(self.asker, exc, lambda: self._reload_info(dialog, name)):
                self.asker.problem(exc)

        def checked(profile) -> None:
            _sub, saved = _entry_in(profile, name, kind)
            # Saved (or removed) by another clerk since the editor opened: the save below
            # is refused, naming who and when, and offers to reload.
            if saved is not None and saved.version == shown and \
                    saved.text.strip() != text.strip() and \
                    not self.asker.confirm(
                        "Replace important info",
                        f"Replace the {label} of {name}? The text saved "
                        f"{when_text(saved.updated_at)} by {saved.updated_by} is "
                        "replaced. Invoices already sent keep the text they were sent "
                        "with.", "Replace"):
                dialog.save.setEnabled(True)
                return  # the editor stays open with the clerk's text
            self.run(Job("Saving important info",
                         lambda: self.desk.save_important_info(name, kind, text,
                                                               version=shown),
                         done=done, error=failed))

        self.run(Job("Reading important info", lambda: self.desk.profile(), done=checked,
                     error=failed))

    def _reload_info(self, dialog: ManageImportantInfoDialog, name: str) -> None:
        """Show the editor the entry as saved now (another clerk's text), and the page."""
        kind = dialog.kind.currentData()

        def read(profile) -> None:
            sub, entry = _entry_in(profile, name, kind)
            if sub is not None and self.current is not None and self.current.name == name:
                # the list of entries as saved now; the form above keeps what is typed there
                self.current.important_info = sub.important_info
                self.info_model.set_rows(sub.important_info)
                self.info_view.resizeRowsToContents()
                self._update_add_info()
            if entry is not None:
                dialog.show_entry(entry)
            else:
                dialog.reject()
                self.asker.info("Important info", f"The {InfoKind(kind).label} of {name} "
                                "was removed by another clerk.")

        self.run(Job("Reading important info", lambda: self.desk.profile(), done=read))

    def _selected_entry(self) -> InfoEntry | None:
        return selected_row(self.info_view)  # the entry selected now, whatever its row

    def _update_entry_buttons(self) -> None:
        for button in self.entry_buttons:  # Edit and Remove act on the selected entry only
            button.setEnabled(self._selected_entry() is not None)

    def _edit_selected(self) -> None:
        entry = self._selected_entry()
        if entry is not None:
            self.open_info_dialog(entry)

    def _remove_selected(self) -> None:
        entry = self._selected_entry()
        if entry is None or self.current is None:
            return
        name = self.current.name
        if not self.asker.confirm("Remove important info",
                                  f"Remove the {entry.label} of {name}? Invoices already "
                                  "sent keep the text they were sent with.", "Remove"):
            return

        def failed(exc) -> None:
            if not offer_reload(self.asker, exc, lambda: self.refresh(select=name)):
                self.asker.problem(exc)

        self.run(Job("Removing important info",
                     lambda: self.desk.remove_important_info(name, entry.kind,
                                                             version=entry.version),
                     done=lambda sub: self.refresh(select=sub.name), error=failed))
