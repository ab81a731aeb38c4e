"""Manage Important Info: the editor of a subsidiary's important info (the Notice of
Assignment first). Drawn in ui/important_info.ui; a yellow strip under the text warns, as
the clerk types and without stopping the save, when a Notice of Assignment does not name
the subsidiary's factoring company (issue #14)."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton

from factor_desk.domain.trade import InfoKind
from factor_desk.gui.common import Banner, when_text
from factor_desk.gui.forms.ui_important_info import Ui_manageImportantInfo
from factor_desk.gui.permissions import guard_form, read_only_note
from factor_desk.services.company import InfoEntry

NoaCheck = Callable[[str], str | None]  # the NOA's text -> the warning, or None


class ManageImportantInfoDialog(QDialog):
    """Add an entry of a kind the subsidiary has not got yet (``kinds``: those, Notice of
    Assignment first), or edit ``entry``, showing its saved text; Save. ``noa_check``
    gives the warning for a Notice of Assignment's text (the Desk's noa_warning against
    the subsidiary's factor); None: the subsidiary has no factor, nothing to check."""

    save_requested = Signal(str, str)  # kind, text

    def __init__(self, parent, entry: InfoEntry | None = None,
                 kinds: list[InfoKind] | None = None, noa_check: NoaCheck | None = None):
        super().__init__(parent)
        self.form = Ui_manageImportantInfo()
        self.form.setupUi(self)
        self.entry: InfoEntry | None = None
        self.noa_check = noa_check
        self._warning: str | None = None
        self.kind, self.text, self.save = self.form.kind, self.form.text, self.form.save
        self.note = self.form.note
        self.warning = Banner(self)
        self.warning.label.setObjectName("noaWarning")
        self.form.layout.insertWidget(self.form.layout.indexOf(self.text) + 1, self.warning)
        # issue #14: the factor's default NOA in one click (offer_factor_noa)
        self.factor_noa: str = ""
        self.use_factor_noa = QPushButton()
        self.use_factor_noa.setObjectName("useFactorNoa")
        self.use_factor_noa.clicked.connect(lambda: self.text.setPlainText(self.factor_noa))
        self.use_factor_noa.hide()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.use_factor_noa)
        self.form.layout.insertLayout(self.form.layout.indexOf(self.warning) + 1, row)
        if entry is not None:
            self.show_entry(entry)
        else:
            for kind in (list(InfoKind) if kinds is None else kinds):
                self.kind.addItem(kind.label, kind.value)
            self.note.setText("Kinds this subsidiary has already are not offered here: "
                              "select one in the list and press Edit… to change its text.")
        self.save.clicked.connect(self._save)
        self.text.textChanged.connect(self.check_text)
        self.kind.currentIndexChanged.connect(self.check_text)
        self.check_text()

    @property
    def version(self) -> int:
        """The version of the entry shown (0: none, a new entry), which its save sends."""
        return self.entry.version if self.entry is not None else 0

    def show_entry(self, entry: InfoEntry) -> None:
        """Edit ``entry``, showing its saved text (on opening, or reloaded after another
        clerk saved it)."""
        self.entry = entry
        kind = InfoKind(entry.kind)
        self.kind.clear()
        self.kind.addItem(kind.label, kind.value)
        self.kind.setEnabled(False)
        self.text.setPlainText(entry.text)
        self.note.setText(f"Saved {when_text(entry.updated_at)} by {entry.updated_by}. "
                          "Saving a changed text replaces it (you are asked first).")

    def guard(self, desk) -> None:
        """Read-only, a line at the top saying why, for a login that may not save important
        info (#15)."""
        reason = guard_form(desk, "save_important_info", "Changing important info",
                            [self.text, self.kind, self.use_factor_noa], [self.save])
        if reason is None:
            return
        self.form.layout.insertWidget(0, read_only_note(reason, self))
        self.form.cancel.setText("Close")
        entry = self.entry
        self.note.setText(f"Saved {when_text(entry.updated_at)} by {entry.updated_by}."
                          if entry is not None else "")

    def offer_factor_noa(self, factor: str, text: str) -> None:
        """Offer "Use FACTOR's notice": the factor's default NOA replaces the text shown
        (offered while a Notice of Assignment's text differs from it)."""
        self.factor_noa = text.strip()
        self.use_factor_noa.setText(f"Use {factor}'s notice")
        self.use_factor_noa.setToolTip(f"The default Notice of Assignment saved for {factor} "
                                       "(Company profile, its factor box)")
        self.check_text()

    def warning_text(self) -> str | None:
        """The warning shown now (None: none)."""
        return self._warning

    def check_text(self, *_args) -> None:
        """Warn while the text of a Notice of Assignment does not name the factor (an empty
        text is not warned about: Save refuses it and says why)."""
        text = self.text.toPlainText()
        is_noa = self.kind.currentData() == InfoKind.NOTICE_OF_ASSIGNMENT.value
        found = self.noa_check(text) if self.noa_check and is_noa and text.strip() else None
        self._warning = found
        self.use_factor_noa.setVisible(bool(self.factor_noa) and is_noa
                                       and text.strip() != self.factor_noa)
        if found:
            self.warning.show_message(html.escape(found, quote=False) + " You can still save it.")
        else:
            self.warning.hide()

    def _save(self) -> None:
        self.save_requested.emit(self.kind.currentData(), self.text.toPlainText())
