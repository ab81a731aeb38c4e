"""Loads: every load with filters and a search; a load's status history and documents;
drop PDFs or scans on a load to attach them; import loads from the TMS's CSV or XLSX;
the moves before a batch: Create invoice, Back to Released…, Edit…, Void…."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.trade import DocumentKind
from factor_desk.gui.common import (
    DropFilter,
    fit_columns,
    heading,
    table_view,
    when_text,
)
from factor_desk.gui.jobs import Job
from factor_desk.gui.load_dialogs import EditLoadDialog
from factor_desk.gui.load_money import LoadMoneyPanel
from factor_desk.gui.loads_import import ALL_SUBSIDIARIES, LoadsImport
from factor_desk.gui.models import (
    Column,
    RowTableModel,
    cents_column,
    documents_column,
    on_selection_moved,
    select_record,
    selected_row,
)
from factor_desk.gui.permissions import allow, refused
from factor_desk.gui.preview_dialog import PreviewDialog
from factor_desk.gui.stale import offer_reload

ALL_STATUSES = "All statuses"
DOCUMENT_FILES = (".pdf", ".jpg", ".jpeg", ".png")
STATUS_COLORS = {"Invoiced": QColor("#1f6feb"), "Financed": QColor("#8250df"),
                 "Completed": QColor("#1a7f37"), "Released": QColor("#6e7781"),
                 "Void": QColor("#a4262c"),
                 # the carrier collects it now: as loud as the short pays (#13)
                 "Charged back": QColor("#c43e00")}


class LoadsPage(LoadsImport):
    title = "Loads"
    model: RowTableModel

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview_dialog: PreviewDialog | None = None
        self._detail_of: str | None = None  # the load the detail panel is for
        self._target: str | None = None  # the load to select at the next refresh
        # a viewer's empty tables do not invite what the login may not do (#15)
        may_import, may_attach = (self.desk.may(job) is None for job in ("import_loads",
                                                                          "attach"))
        self._import_hint = " — import a loads file with Import loads…" if may_import else "."
        self.subsidiary = QComboBox()
        self.subsidiary.addItem(ALL_SUBSIDIARIES)
        self.subsidiary.currentTextChanged.connect(lambda _t: self.reload())
        self.status_filter = QComboBox()
        self.status_filter.addItems([ALL_STATUSES, *[s.value for s in BillingStatus]])
        self.status_filter.currentTextChanged.connect(lambda _t: self.reload())
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search load, invoice, customer, PO…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda text: self.model.set_filter(text))
        import_button = QPushButton("Import loads…")
        import_button.clicked.connect(self.choose_loads_file)
        self.edit_dialog: EditLoadDialog | None = None
        self.move_buttons: dict[str, QPushButton] = {}
        for name, text, slot in (("queue", "Create invoice", self.create_invoice),
                                 ("unqueue", "Back to Released…", self.back_to_released),
                                 ("edit", "Edit…", self.edit_load),
                                 ("void", "Void…", self.void_load)):
            button = QPushButton(text)
            button.setObjectName(f"{name}Button")
            button.clicked.connect(slot)
            button.setEnabled(False)
            self.move_buttons[name] = button

        self.model = RowTableModel(
            [Column("Load #", lambda ld: ld.load_number),
             Column("Invoice #", lambda ld: ld.invoice_number),
             Column("Subsidiary", lambda ld: ld.subsidiary),
             Column("Customer", lambda ld: ld.customer),
             Column("Delivered", lambda ld: ld.delivery_date),
             cents_column("Amount", lambda ld: ld.cents),
             Column("Status", lambda ld: ld.status_text,
                    foreground=lambda ld: STATUS_COLORS.get(ld.status)),
             Column("Invoicing", lambda ld: ld.invoicing_method),
             documents_column("Documents")],
            search_text=lambda ld: " ".join((ld.load_number, ld.invoice_number, ld.customer,
                                             ld.po_number, ld.subsidiary)),
            row_key=lambda ld: ld.load_number)
        self.view = table_view(self.model, name="loadsTable",
                               sort=(0, Qt.SortOrder.AscendingOrder), stretch_last=True,
                               empty=self._empty_text)
        for signal in (self.model.layoutChanged, self.model.modelReset):
            signal.connect(self._count_shown)  # the count follows the search
        on_selection_moved(self.view, self._selection_moved)
        self.drops = DropFilter(self.view.viewport(), DOCUMENT_FILES)
        self.drops.dropped_at.connect(self._dropped_on_table)

        self.detail_title = heading("")
        self.flag = QLabel()
        self.flag.setStyleSheet("color: #a4262c; font-weight: 600;")
        self.flag.setWordWrap(True)
        self.history = RowTableModel([
            Column("When", lambda h: h.at, text=lambda h: when_text(h.at)),
            Column("From", lambda h: h.from_status or "—"),
            Column("To", lambda h: h.to_status),
            Column("By", lambda h: h.by),
            Column("Why", lambda h: h.reason)],
            row_key=lambda h: (h.at, h.to_status, h.reason))  # a refresh keeps the selection
        self.history_view = table_view(self.history, stretch_last=True,
                                       empty="Select a load to see its status history.")
        self.documents = RowTableModel([
            Column("Kind", lambda d: DocumentKind(d.kind).label),
            Column("File", lambda d: d.file_name),
            Column("Added", lambda d: d.added_at,
                   text=lambda d: f"{when_text(d.added_at)} by {d.added_by}")],
            row_key=lambda d: d.id)  # Remove acts on the document selected, refreshed or not
        self.documents_view = table_view(
            self.documents, stretch_last=True,
            empty="No documents yet — drop PDFs or scans here, or Attach document…"
            if may_attach else "No documents yet.")
        self.money = LoadMoneyPanel(self.desk, self.run, self.asker, self.documents_view)
        self.money.changed.connect(lambda number: self.reload(select=number))
        self.money.status.connect(self.status)
        attach = QPushButton("Attach document…")
        attach.clicked.connect(self.choose_documents)
        self.detail = QWidget()
        self.detail.setObjectName("loadDetail")
        dl = QVBoxLayout(self.detail)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.flag)
        hbox = QGroupBox("Status history")
        QVBoxLayout(hbox).addWidget(self.history_view)
        dbox = QGroupBox("Supporting documents (drop PDFs or scans here)")
        dbl = QVBoxLayout(dbox)
        dbl.addWidget(self.documents_view)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.money.remove_button)
        row.addWidget(attach)
        dbl.addLayout(row)
        boxes = QHBoxLayout()
        boxes.addWidget(hbox, 3)
        boxes.addWidget(dbox, 2)
        boxes.addWidget(self.money, 3)
        dl.addLayout(boxes, 1)
        # what the login may not do stays off, its tool tip saying why (#15)
        if not allow(attach, self.desk, "attach"):
            dbox.setTitle("Supporting documents")  # not "drop PDFs here"
        for button, job in ((import_button, "import_loads"),
                            (self.move_buttons["queue"], "queue_loads"),
                            (self.move_buttons["unqueue"], "unqueue_loads"),
                            (self.move_buttons["edit"], "edit_load"),
                            (self.move_buttons["void"], "void_loads"),
                            (self.money.pay_button, "pay_load"),
                            (self.money.close_button, "close_load"),
                            (self.money.take_back_button, "take_back_payment"),
                            (self.money.remove_button, "remove_document")):
            allow(button, self.desk, job)
        self.detail_drops = DropFilter(self.detail, DOCUMENT_FILES)
        self.detail_drops.dropped.connect(self._dropped_on_detail)
        self.detail.setEnabled(False)

        filters = QHBoxLayout()
        filters.addWidget(self.subsidiary)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(import_button)
        moves = QHBoxLayout()
        moves.addStretch(1)
        for button in self.move_buttons.values():
            moves.addWidget(button)
        self.count = QLabel()
        self.count.setObjectName("loadsCount")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(filters)
        ll.addWidget(self.view, 1)
        moves.insertWidget(0, self.count)  # the count, then the moves of the selected load
        ll.addLayout(moves)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setSizes([480, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Loads"))
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        self.run(Job("Loading subsidiaries", lambda: self.desk.profile(),
                     done=self._profile_loaded, user=False))

    def _profile_loaded(self, profile) -> None:
        current = self.subsidiary.currentText()
        self.subsidiary.blockSignals(True)
        self.subsidiary.clear()
        self.subsidiary.addItem(ALL_SUBSIDIARIES)
        for s in profile.subsidiaries:
            self.subsidiary.addItem(s.name)
        self.subsidiary.setCurrentIndex(max(0, self.subsidiary.findText(current)))
        self.subsidiary.blockSignals(False)
        self.reload(select=self._target)
        self._target = None

    def reload(self, select: str | None = None) -> None:
        sub = self.subsidiary.currentText()
        status = self.status_filter.currentText()
        def work():
            loads = self.desk.loads(subsidiary=None if sub in ("", ALL_SUBSIDIARIES) else sub,
                                    status=None if status == ALL_STATUSES else status)
            return self.model.prepare(loads)

        # a late result for filters changed since is dropped (a later job has the new ones)
        self.run(Job("Loading loads", work, user=False,
                     done=lambda prepared: self._loaded(prepared, select) if (
                         self.subsidiary.currentText(), self.status_filter.currentText())
                     == (sub, status) else None))

    def _loaded(self, prepared, keep: str | None) -> None:
        # The table keeps the selection on the same load (by its number) or drops it
        # when the load is no longer listed.
        self.model.set_rows(prepared)
        fit_columns(self.view, 260)
        self._count_shown()
        if keep and self.selected_load_number() != keep and \
                select_record(self.view, keep):
            return  # the new selection shows its detail
        if self.selected_load_number() is not None:
            self._show_detail()  # its documents or status may have changed

    def show_target(self, target: str) -> None:
        """Select load ``target`` once loaded: every subsidiary and status, no search."""
        self._target = target
        for box, everything in ((self.subsidiary, ALL_SUBSIDIARIES),
                                (self.status_filter, ALL_STATUSES)):
            box.blockSignals(True)
            box.setCurrentText(everything)
            box.blockSignals(False)
        self.search.clear()

    def _count_shown(self) -> None:
        shown, every = self.model.rowCount(), self.model.total_count
        self.count.setText(f"{shown} of {every} loads" if shown != every else
                           f"{every} loads")

    def _empty_text(self) -> str:
        if self.model.total_count:
            return "No load matches the search."
        if (self.subsidiary.currentIndex(), self.status_filter.currentIndex()) != (0, 0):
            return "No loads with this subsidiary and status."
        return f"No loads yet{self._import_hint}"

    def selected_load_number(self) -> str | None:
        load = selected_row(self.view)
        return load.load_number if load is not None else None

    def _selection_moved(self) -> None:
        if self.selected_load_number() != self._detail_of:
            self._show_detail()

    def _show_detail(self) -> None:
        number = self.selected_load_number()
        self._detail_of = number
        self._update_moves()
        if number is None:
            self.detail.setEnabled(False)  # no load: nothing to attach to
            self.money.show_load(None)
            return
        self.run(Job(f"Loading load {number}", lambda: self.desk.load_detail(number),
                     done=lambda d: self._detail_loaded(number, *d), user=False))

    def _detail_loaded(self, number, history, documents, flag) -> None:
        if number != self.selected_load_number():
            return  # another load was chosen since (its own detail follows)
        self.detail.setEnabled(True)
        self.detail_title.setText(f"Load {number}")
        self.flag.setText(f"Factor: {flag}" if flag else "")
        self.flag.setVisible(bool(flag))
        self.history.set_rows(history)
        self.documents.set_rows(documents)
        fit_columns(self.history_view)
        fit_columns(self.documents_view)
        self.money.show_load(number)

    # ------------------------------------------------------------------ documents

    def _dropped_on_table(self, paths, position) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.selectRow(index.row())
        self.attach(self.model.row_at(index.row()).load_number, paths)

    def _dropped_on_detail(self, paths) -> None:
        number = self.selected_load_number()
        if number:
            self.attach(number, paths)

    def choose_documents(self) -> None:
        number = self.selected_load_number()  # the load selected now, whatever its row
        if not number:
            self.asker.info("Attach document", "Select the load to attach documents to "
                            "first.")
            return
        start = str(self.settings.value("folders/documents", str(Path.home()), str))
        paths = self.asker.open_files(f"Attach to load {number}", start,
                                      "Documents (*.pdf *.jpg *.jpeg *.png)")
        if paths:
            self.settings.setValue("folders/documents", str(Path(paths[0]).parent))
            self.attach(number, paths)

    def attach(self, load_number: str, paths: list[str]) -> None:
        if refused(self.desk, self.asker, "attach"):
            return  # documents dropped by a login that may not attach: nothing is started
        labels = [k.label for k in DocumentKind]
        names = ", ".join(Path(p).name for p in paths)
        chosen = self.asker.item("Attach to load " + load_number,
                                 f"What is {names}?", labels)
        if chosen is None:
            return
        kind = next(k.value for k in DocumentKind if k.label == chosen)

        def work():
            return [self.desk.attach(load_number, p, kind) for p in paths]

        def done(infos):
            added = sum(not i.already_attached for i in infos)
            self.status.emit(f"{added} document(s) attached to load {load_number}.")
            self.reload(select=load_number)

        self.run(Job(f"Attaching to load {load_number}", work, done=done))

    # ------------------------------------------------------------------ importing loads

    # ------------------------------------------------------------------ load moves

    def _update_moves(self) -> None:
        """Each move's button is enabled for the loads it can take."""
        load = selected_row(self.view)
        status = load.status if load is not None else None
        before_batch = status in (BillingStatus.RELEASED, BillingStatus.QUEUED)
        self.move_buttons["queue"].setEnabled(status == BillingStatus.RELEASED)
        self.move_buttons["unqueue"].setEnabled(status == BillingStatus.QUEUED)
        self.move_buttons["edit"].setEnabled(before_batch)
        self.move_buttons["void"].setEnabled(before_batch)

    def _selected_or_say(self, action: str) -> str | None:
        number = self.selected_load_number()
        if number is None:
            self.asker.info(action, "Select a load first.")
        return number

    def _moved(self, number: str, what: str) -> None:
        self.status.emit(what)
        self.reload(select=number)

    def create_invoice(self) -> None:
        """Released -> Queued: the load becomes one a batch can take."""
        number = self._selected_or_say("Create invoice")
        if number is None:
            return
        self.run(Job(f"Creating the invoice of load {number}",
                     lambda: self.desk.queue_loads([number]),
                     done=lambda moved: self._moved(
                         number, f"Load {number}: invoice {moved[0].invoice_number} created; "
                                 "it is Queued for a batch.")))

    def back_to_released(self) -> None:
        number = self._selected_or_say("Back to Released")
        if number is None:
            return
        reason = self.asker.text("Back to Released", f"Why does load {number} go back to "
                                                     "Released?")
        if not reason or not self.asker.confirm(
                "Back to Released",
                f"Load {number} goes back to Released: no batch takes it until you create "
                f"its invoice again.\nReason: {reason}", "Back to Released"):
            return
        self.run(Job(f"Taking load {number} back", lambda: self.desk.unqueue_loads(
            [number], reason), done=lambda _m: self._moved(
                number, f"Load {number} is Released again.")))

    def void_load(self) -> None:
        number = self._selected_or_say("Void load")
        if number is None:
            return
        reason = self.asker.text("Void load", f"Why is load {number} void?")
        if not reason or not self.asker.confirm(
                "Void load",
                f"Load {number} becomes Void; its number stays taken. It is never billed "
                f"and is listed only under the Void status.\nReason: {reason}", "Void"):
            return
        self.run(Job(f"Voiding load {number}", lambda: self.desk.void_loads([number], reason),
                     done=lambda _m: self._moved(number, f"Load {number} is Void.")))

    def edit_load(self) -> None:
        load = selected_row(self.view)
        if load is None:
            self.asker.info("Edit load", "Select a load first.")
            return
        number = load.load_number

        def opened(fresh) -> None:  # read with its version (#15: two clerks at once)
            dialog = EditLoadDialog(self, fresh)
            dialog.save_requested.connect(lambda changes: self._save_edit(dialog, changes))
            self.edit_dialog = dialog
            dialog.open()

        self.run(Job(f"Reading load {number}", lambda: self.desk.load_to_edit(number),
                     done=opened))

    def _save_edit(self, dialog: EditLoadDialog, changes: dict[str, object]) -> None:
        number = dialog.load_number
        dialog.busy(True)

        def done(edited) -> None:
            dialog.accept()
            said = "; ".join(f"{c.field} {c.old} → {c.new}" for c in edited.changes)
            self._moved(number, f"Load {number} edited: {said}" if said else
                        f"Load {number}: nothing changed.")

        def reload() -> None:  # the load as saved now, into the dialog
            self.run(Job(f"Reading load {number}", lambda: self.desk.load_to_edit(number),
                         done=dialog.show_load))

        def failed(exc: BaseException) -> None:
            dialog.busy(False)  # the dialog stays open with the clerk's values
            if not offer_reload(self.asker, exc, reload):
                self.asker.problem(exc)

        version = dialog.version
        self.run(Job(f"Editing load {number}",
                     lambda: self.desk.edit_load(number, changes, version=version),
                     done=done, error=failed))
