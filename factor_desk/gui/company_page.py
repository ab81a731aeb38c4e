"""Company profile: a subsidiary's general info, its factoring set-up, and its Document
configuration (Manage Important Info: the Notice of Assignment)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.trade import DocumentKind, InvoicingMethod
from factor_desk.gui.common import (
    Banner,
    heading,
    plus_button,
    primary_button,
    table_view,
    when_text,
)
from factor_desk.gui.company_info import ImportantInfoSection
from factor_desk.gui.factor_terms_box import FactorTermsBox
from factor_desk.gui.important_info import ManageImportantInfoDialog
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel, on_selection_moved
from factor_desk.gui.new_subsidiary import new_subsidiary
from factor_desk.gui.permissions import allow, guard_form, read_only_note
from factor_desk.gui.stale import offer_reload
from factor_desk.services.company import GENERAL_FIELDS, SubsidiaryProfile

NO_FACTOR = "(none)"


class CompanyPage(ImportantInfoSection):
    title = "Company profile"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = None
        self.current: SubsidiaryProfile | None = None
        self._dirty = False
        self._loading = False
        self.dialog: ManageImportantInfoDialog | None = None

        self.subsidiary = QComboBox()
        self.subsidiary.setMinimumWidth(260)
        self.subsidiary.currentTextChanged.connect(self._subsidiary_chosen)
        new_sub = QPushButton("New subsidiary…")
        new_sub.clicked.connect(self._new_subsidiary)
        new_factor = QPushButton("New factoring company…")
        new_factor.clicked.connect(self._new_factor)
        top = QHBoxLayout()
        top.addWidget(QLabel("Subsidiary"))
        top.addWidget(self.subsidiary)
        top.addStretch(1)
        top.addWidget(new_sub)
        top.addWidget(new_factor)

        self.empty = QLabel("No company yet. Add a subsidiary to begin, or use File → "
                            "Start with your company… (File → Try the demo shows a demo "
                            "carrier).")
        self.empty.setWordWrap(True)

        general = QGroupBox("General info")
        grid = QGridLayout(general)
        self.fields: dict[str, QLineEdit] = {}
        for i, (key, label) in enumerate(GENERAL_FIELDS.items()):
            edit = QLineEdit()
            edit.setObjectName(f"field_{key}")
            edit.textEdited.connect(self._mark_dirty)
            self.fields[key] = edit
            grid.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            grid.addWidget(edit, i // 2, (i % 2) * 2 + 1)

        factoring = QGroupBox("Factoring")
        form = QFormLayout(factoring)
        self.factor = QComboBox()
        self.factor.currentIndexChanged.connect(self._mark_dirty)
        self.method = QComboBox()
        self.method.addItems([m.value for m in InvoicingMethod])
        self.method.currentIndexChanged.connect(self._mark_dirty)
        docs = QWidget()
        docs_layout = QGridLayout(docs)  # three a line: the page fits a small window
        docs_layout.setContentsMargins(0, 0, 0, 0)
        self.required: dict[str, QCheckBox] = {}
        for i, kind in enumerate(DocumentKind):
            box = QCheckBox(kind.label)
            box.toggled.connect(self._mark_dirty)
            self.required[kind.value] = box
            docs_layout.addWidget(box, i // 3, i % 3)
        docs_layout.setColumnStretch(3, 1)
        form.addRow("Factoring company", self.factor)
        # The Notice of Assignment must name the factor the invoices are assigned to: say
        # so as soon as the clerk picks a factor it does not name (issue #14).
        self.factor_warning = Banner()
        self.factor_warning.label.setObjectName("factorWarning")
        form.addRow(self.factor_warning)
        self.factor.currentTextChanged.connect(self._check_factor_noa)
        form.addRow("Default invoicing method", self.method)
        form.addRow("Documents required before factoring", docs)

        self.terms_box = FactorTermsBox(self)
        self.factor.currentTextChanged.connect(self.terms_box.show_factor)

        self.save_button = primary_button("Save")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(lambda: self._show(self.current))
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.revert_button)
        save_row.addWidget(self.save_button)

        config = QGroupBox("Document configuration")
        config_layout = QVBoxLayout(config)
        header = QHBoxLayout()
        header.addWidget(QLabel("Important info printed on this subsidiary's invoices"))
        header.addStretch(1)
        self.add_info = plus_button("Add important info")
        self.add_info.clicked.connect(lambda: self.open_info_dialog(None))
        header.addWidget(self.add_info)
        config_layout.addLayout(header)
        self.info_model = RowTableModel([
            Column("Kind", lambda e: e.label),
            Column("Text", lambda e: e.text.replace("\n", " ")),
            Column("Updated", lambda e: e.updated_at,
                   text=lambda e: f"{when_text(e.updated_at)} by {e.updated_by}"),
        ], row_key=lambda e: e.kind)
        self.info_view = table_view(
            self.info_model, dense=False, stretch=(1,), widths={0: 170, 2: 230},
            empty="No important info yet — press + to add the Notice of Assignment "
                  "your factor gave you.")  # rows as tall as the text
        self.info_view.doubleClicked.connect(lambda i: self.open_info_dialog(
            self.info_model.row_at(i.row())))
        self.info_view.setMinimumHeight(120)
        config_layout.addWidget(self.info_view)
        entry_buttons = QHBoxLayout()
        edit_button = QPushButton("Edit…")
        edit_button.clicked.connect(self._edit_selected)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_selected)
        entry_buttons.addStretch(1)
        entry_buttons.addWidget(edit_button)
        entry_buttons.addWidget(remove)
        config_layout.addLayout(entry_buttons)
        self.entry_buttons = (edit_button, remove)
        on_selection_moved(self.info_view, self._update_entry_buttons)
        self._update_entry_buttons()

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(general)
        body.addWidget(factoring)
        body.addLayout(save_row)
        body.addWidget(self.terms_box)
        body.addWidget(config, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Company profile"))
        layout.addLayout(top)
        layout.addWidget(self.empty)
        # a small window scrolls the profile rather than refusing to shrink
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body_scroll.setWidget(self.body)
        layout.addWidget(self.body_scroll, 1)
        self._guard(layout, new_sub, new_factor, edit_button, remove)

    def _guard(self, layout, new_sub, new_factor, edit_button, remove) -> None:
        """A login without the Admin permission sees the profile read-only, a line at
        the top saying why, each button off with the reason as its tool tip (#15)."""
        desk = self.desk
        reason = guard_form(desk, "save_subsidiary", "Changing the company profile",
                            [*self.fields.values(), self.factor, self.method,
                             *self.required.values()], [self.save_button, self.revert_button])
        guard_form(desk, "set_factor", "Changing a factor's profile and terms",
                   self.terms_box.editors(), [self.terms_box.save])
        for button, job in ((new_sub, "add_subsidiary"), (new_factor, "add_factor"),
                            (self.add_info, "save_important_info"),
                            (remove, "remove_important_info")):
            allow(button, desk, job)
        if reason is not None:
            edit_button.setText("View…")  # the entry's text, read-only
        self.read_only_note = read_only_note(reason)
        layout.insertWidget(1, self.read_only_note)  # under the heading

    # ------------------------------------------------------------------ loading

    def refresh(self, select: str | None = None) -> None:
        wanted = select or (self.current.name if self.current else
                            str(self.settings.value("subsidiary", "", str)))
        self.run(Job("Loading the company profile",
                     lambda: (self.desk.profile(), self.desk.factors()),
                     done=lambda found: self._loaded(found[0], wanted, found[1]), user=False))

    def _loaded(self, profile, wanted: str, factors: list | None = None) -> None:
        self.profile = profile
        self.terms_box.set_terms(factors or [])
        self._loading = True
        self.factor.clear()
        self.factor.addItem(NO_FACTOR)
        for f in profile.factoring_companies:
            self.factor.addItem(f.name)
        self.subsidiary.clear()
        for s in profile.subsidiaries:
            self.subsidiary.addItem(s.name)
        self._loading = False
        has = bool(profile.subsidiaries)
        self.empty.setVisible(not has)
        self.body.setVisible(has)
        self.body_scroll.setVisible(has)
        if has:
            index = max(0, self.subsidiary.findText(wanted))
            self.subsidiary.setCurrentIndex(index)
            self._show(profile.subsidiaries[index])

    def _subsidiary_chosen(self, name: str) -> None:
        if self._loading or not self.profile or not name:
            return
        if self.current and name == self.current.name:
            return
        if not self.can_leave():
            assert self.current is not None  # only a subsidiary shown has changes
            self._loading = True
            self.subsidiary.setCurrentText(self.current.name)
            self._loading = False
            return
        chosen = next(s for s in self.profile.subsidiaries if s.name == name)
        self.settings.setValue("subsidiary", name)
        self._show(chosen)

    def _show(self, sub: SubsidiaryProfile | None) -> None:
        if sub is None:
            return
        self._loading = True
        if self.current is None or self.current.name != sub.name:
            self.info_view.selectionModel().clear()  # another subsidiary's entries
        self.current = sub
        for key, edit in self.fields.items():
            edit.setText(getattr(sub, key))
        self.factor.setCurrentText(sub.factoring_company or NO_FACTOR)
        self.method.setCurrentText(sub.default_invoicing_method)
        for kind, box in self.required.items():
            box.setChecked(kind in sub.required_documents)
        self.info_model.set_rows(sub.important_info)
        self.info_view.resizeRowsToContents()
        self._update_add_info()
        self._check_factor_noa()  # another subsidiary, or its NOA saved anew
        self._loading = False
        self._set_dirty(False)

    def factor_noa_warning(self) -> str | None:
        """The warning for the factor chosen now against the subsidiary's saved Notice of
        Assignment (None: it names the factor, or no factor is chosen)."""
        terms = self.terms_box.terms.get(self.factor.currentText())
        if self.current is None or terms is None:
            return None
        return self.desk.noa_warning(self.current.name, self.current.notice_of_assignment,
                                     terms.name, terms.remit_to)

    def _check_factor_noa(self, *_args) -> None:
        warning = self.factor_noa_warning()
        if warning:
            self.factor_warning.show_message(html.escape(warning, quote=False))
        else:
            self.factor_warning.hide()

    # ------------------------------------------------------------------ editing

    def _mark_dirty(self, *_args) -> None:
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def has_unsaved_changes(self) -> bool:
        return self._dirty or self.terms_box.changed()

    def can_leave(self) -> bool:
        box = self.terms_box
        if box.changed():
            answer = self.asker.choice(
                "Unsaved terms", f"Save the changes to {box.name}'s terms?",
                ["Save", "Discard"])
            if answer == "Save":
                box.save_terms()
            elif answer == "Discard":
                box.show_factor(box.name)
            else:
                return False
        if not self._dirty:
            return True
        assert self.current is not None  # only a subsidiary shown has changes
        answer = self.asker.choice(
            "Unsaved changes", f"Save the changes to {self.current.name}?",
            ["Save", "Discard"])
        if answer == "Save":
            self.save()
            return True
        if answer == "Discard":
            self._show(self.current)
            return True
        return False

    def form_values(self) -> dict:
        factor = self.factor.currentText()
        return dict(
            general={k: e.text() for k, e in self.fields.items()},
            factoring_company=None if factor == NO_FACTOR else factor,
            default_invoicing_method=self.method.currentText(),
            required_documents=[k for k, b in self.required.items() if b.isChecked()],
        )

    def save(self) -> None:
        if self.current is None:
            return
        values = self.form_values()
        name = self.current.name
        version = self.current.version  # the one the form shows (#15)
        new_factor = values["factoring_company"] != self.current.factoring_company
        warning = self.factor_noa_warning() if new_factor else None
        self._set_dirty(False)

        def failed(exc):
            self._set_dirty(True)  # Cancel keeps the clerk's text; Reload shows the saved
            if not offer_reload(self.asker, exc, lambda: self.refresh(select=name)):
                self.asker.problem(exc)

        def saved(sub: SubsidiaryProfile) -> None:
            self.status.emit(f"{sub.name} saved.")
            self.refresh(select=sub.name)
            if warning:  # the factor changed and the NOA names another: say it once more
                self.asker.info("Check the Notice of Assignment", warning)

        self.run(Job(f"Saving {name}",
                     lambda: self.desk.save_subsidiary(name, **values, version=version),
                     done=saved, error=failed))

    # ------------------------------------------------------------------ new things

    def _new_subsidiary(self) -> None:
        self.new_subsidiary_dialog = new_subsidiary(self)  # gui/new_subsidiary.py (#14)

    def _new_factor(self) -> None:
        title = "New factoring company"
        name = self.asker.text(title, "Name")
        if not name:
            return
        remit = self.asker.text(title, f"Remit-to address of {name}, where debtors pay "
                                       "(use ; between lines)") or ""
        remit = "\n".join(part.strip() for part in remit.split(";"))
        email = self.asker.text(title, f"Email address {name}'s batches go to (leave it "
                                       "empty if you send them another way)") or ""
        self.run(Job("Adding a factoring company",
                     lambda: self.desk.add_factor(name, remit, email),
                     done=lambda f: self.refresh()))
