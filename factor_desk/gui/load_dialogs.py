"""Edit load: the fields of a Released or Queued load, checked by the desk as the import
checks them. The dialog asks for the change; the page runs it and keeps the dialog open
with the desk's refusal when a value is wrong."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.trade import InvoicingMethod

# The load's own method: none (the customer's or the subsidiary's applies), or one.
OWN_DEFAULT = "(customer's or subsidiary's)"


def _text(value: object) -> str:
    if value is None:
        return ""
    iso = getattr(value, "isoformat", None)
    return iso() if iso else str(value)


class EditLoadDialog(QDialog):
    """The fields of load ``load`` (services.loads.LoadToEdit, read with its version);
    ``save_requested`` carries the fields changed, by the desk's names (see
    services.loads.EDITABLE); the page sends ``version`` with them."""

    save_requested = Signal(dict)

    def __init__(self, parent: QWidget | None, load) -> None:
        super().__init__(parent)
        self.setObjectName("editLoadDialog")
        self.setWindowTitle(f"Edit load {load.load_number}")
        self.setMinimumWidth(440)
        self.load_number = load.load_number
        self.version: int | None = None
        self.fields: dict[str, QLineEdit] = {}
        self._before: dict[str, str] = {}
        form = QFormLayout()
        for name, label in (("customer", "Customer"), ("amount", "Amount"),
                            ("po_number", "PO number"), ("invoice_number", "Invoice number"),
                            ("pickup_date", "Pickup date"), ("delivery_date", "Delivery date")):
            edit = QLineEdit()
            edit.setObjectName(name)
            if name.endswith("_date"):
                edit.setPlaceholderText("2026-11-27 or 11/27/2026")
            form.addRow(label, edit)
            self.fields[name] = edit
        self.method = QComboBox()
        self.method.setObjectName("invoicing_method")
        self.method.addItems([OWN_DEFAULT, *[m.value for m in InvoicingMethod]])
        form.addRow("Invoicing method", self.method)
        self.note = note = QLabel()
        note.setWordWrap(True)
        self.method_touched = False
        self.method.activated.connect(lambda _i: setattr(self, "method_touched", True))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.show_load(load)

    def show_load(self, load) -> None:
        """Show ``load`` as saved now (on opening, or reloaded after another clerk changed
        it): its fields, and the version its save sends."""
        self.version = load.version
        for name, value in (("customer", load.customer), ("amount", f"{load.amount:.2f}"),
                            ("po_number", load.po_number),
                            ("invoice_number", load.invoice_number),
                            ("pickup_date", _text(load.pickup_date)),
                            ("delivery_date", _text(load.delivery_date))):
            self.fields[name].setText(value)
            self._before[name] = value
        self.method_touched = False
        editable = getattr(load, "editable", True)
        self.save_button.setEnabled(editable)
        self.note.setText(
            f"Load {load.load_number} is {load.status}. Every change is checked as an "
            "import checks it and written in the load's history." if editable else
            f"Load {load.load_number} is {load.status} now: it can no longer be edited here "
            "(a batched load is recalled first).")

    def changes(self) -> dict[str, object]:
        """The fields the clerk changed, as typed."""
        out: dict[str, object] = {name: edit.text().strip()
                                  for name, edit in self.fields.items()
                                  if edit.text().strip() != self._before[name]}
        if self.method_touched:
            chosen = self.method.currentText()
            out["invoicing_method"] = "" if chosen == OWN_DEFAULT else chosen
        return out

    def _save(self) -> None:
        changes = self.changes()
        if not changes:
            self.reject()
            return
        self.save_requested.emit(changes)

    def busy(self, on: bool) -> None:
        self.save_button.setEnabled(not on)
