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
    """The fields of load ``summary`` (a LoadSummary); ``save_requested`` carries the
    fields changed, by the desk's names (see services.loads.EDITABLE)."""

    save_requested = Signal(dict)

    def __init__(self, parent: QWidget | None, summary) -> None:
        super().__init__(parent)
        self.setObjectName("editLoadDialog")
        self.setWindowTitle(f"Edit load {summary.load_number}")
        self.setMinimumWidth(440)
        self.load_number = summary.load_number
        self.fields: dict[str, QLineEdit] = {}
        self._before: dict[str, str] = {}
        form = QFormLayout()
        for name, label, value in (
            ("customer", "Customer", summary.customer),
            ("amount", "Amount", f"{summary.amount:.2f}"),
            ("po_number", "PO number", summary.po_number),
            ("invoice_number", "Invoice number", summary.invoice_number),
            ("pickup_date", "Pickup date", _text(summary.pickup_date)),
            ("delivery_date", "Delivery date", _text(summary.delivery_date)),
        ):
            edit = QLineEdit(value)
            edit.setObjectName(name)
            if name.endswith("_date"):
                edit.setPlaceholderText("2026-11-27 or 11/27/2026")
            form.addRow(label, edit)
            self.fields[name] = edit
            self._before[name] = value
        self.method = QComboBox()
        self.method.setObjectName("invoicing_method")
        self.method.addItems([OWN_DEFAULT, *[m.value for m in InvoicingMethod]])
        form.addRow("Invoicing method", self.method)
        note = QLabel(f"Load {summary.load_number} is {summary.status}. Every change is "
                      "checked as an import checks it and written in the load's history.")
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
