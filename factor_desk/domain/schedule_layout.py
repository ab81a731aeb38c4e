"""The schedule of accounts a factor wants (issue #14): which columns, in what order, under
what titles; whether the carrier's MC stands in the header line and whether the PDF ends
with a signature block. Capital Depot's schedule, as Factor Desk always wrote it, is the
default; a factor's own is kept as JSON in FactoringCompany.schedule_layout (None: the
default)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.text import excerpt

MAX_TITLE = 40
LAYOUT_VERSION = 1
# A title is a spreadsheet's header cell: one starting like a formula would be run.
_FORMULA_START = ("=", "+", "-", "@")


class ScheduleField(StrEnum):
    """What a column of the schedule can show, one value per invoice."""

    INVOICE_DATE = "invoice_date"
    DEBTOR = "debtor"
    DEBTOR_MC = "debtor_mc"
    INVOICE_NUMBER = "invoice_number"
    LOAD_NUMBER = "load_number"
    PO_NUMBER = "po_number"
    AMOUNT = "amount"
    DUE_DATE = "due_date"
    TERMS_DAYS = "terms_days"
    CARRIER = "carrier"
    CARRIER_MC = "carrier_mc"
    BATCH = "batch"

    @property
    def default_title(self) -> str:
        """The column's title when the layout does not name it."""
        return _TITLES[self]

    @property
    def meaning(self) -> str:
        """What the column holds, for --help and the window."""
        return _MEANINGS[self]


_TITLES = {
    ScheduleField.INVOICE_DATE: "Invoice Date", ScheduleField.DEBTOR: "Debtor",
    ScheduleField.DEBTOR_MC: "Debtor MC", ScheduleField.INVOICE_NUMBER: "Invoice Number",
    ScheduleField.LOAD_NUMBER: "Load Number", ScheduleField.PO_NUMBER: "PO Number",
    ScheduleField.AMOUNT: "Amount", ScheduleField.DUE_DATE: "Due Date",
    ScheduleField.TERMS_DAYS: "Terms (days)", ScheduleField.CARRIER: "Carrier",
    ScheduleField.CARRIER_MC: "Carrier MC", ScheduleField.BATCH: "Batch",
}
_MEANINGS = {
    ScheduleField.INVOICE_DATE: "the invoice's date",
    ScheduleField.DEBTOR: "the debtor (bill-to) name",
    ScheduleField.DEBTOR_MC: "the debtor's MC number",
    ScheduleField.INVOICE_NUMBER: "the invoice number (required)",
    ScheduleField.LOAD_NUMBER: "the load number",
    ScheduleField.PO_NUMBER: "the PO / reference number",
    ScheduleField.AMOUNT: "the invoice amount (required)",
    ScheduleField.DUE_DATE: "the due date",
    ScheduleField.TERMS_DAYS: "the payment terms in days (30 for Net 30)",
    ScheduleField.CARRIER: "the carrier's legal name, on every row",
    ScheduleField.CARRIER_MC: "the carrier's MC number, on every row",
    ScheduleField.BATCH: "the batch (schedule) number, on every row",
}
REQUIRED = (ScheduleField.INVOICE_NUMBER, ScheduleField.AMOUNT)


def field_names() -> str:
    """``invoice_date, debtor, ...``: every field, for a message."""
    return ", ".join(f.value for f in ScheduleField)


@dataclass(frozen=True)
class ScheduleColumn:
    field: ScheduleField
    title: str


@dataclass(frozen=True)
class ScheduleLayout:
    """The columns in order (each a field and its title), the carrier's MC in the header
    line or not, a signature block at the end of the PDF or not. Build one with
    ``ScheduleLayout.make`` (it refuses a bad one); the debtor's MC appears when it is one
    of the columns."""

    columns: tuple[ScheduleColumn, ...]
    carrier_mc: bool = True
    signature: bool = True

    @classmethod
    def default(cls) -> ScheduleLayout:
        """Capital Depot's schedule, exactly as Factor Desk has always written it."""
        return _DEFAULT

    @classmethod
    def make(cls, columns: Iterable[tuple[str, str | None] | ScheduleColumn], *,
             carrier_mc: bool = True, signature: bool = True) -> ScheduleLayout:
        """A layout from (field, title) pairs; a title None takes the field's own. Refused
        (InputRefused, every problem named) when a field is unknown or used twice, a title
        is empty, too long, used twice or starts like a formula, or the invoice number or
        amount is missing."""
        problems: list[Problem] = []
        made: list[ScheduleColumn] = []
        seen: set[ScheduleField] = set()
        titles: dict[str, str] = {}
        for position, column in enumerate(columns, start=1):
            name, title = ((column.field.value, column.title)
                           if isinstance(column, ScheduleColumn) else column)
            key = str(name).strip().lower()
            try:
                schedule_field = ScheduleField(key)
            except ValueError:
                problems.append(Problem(
                    f"column {position}: {excerpt(name)} is not a field of the "
                    f"schedule; the fields are {field_names()}"))
                continue
            title = (schedule_field.default_title if title is None
                     else " ".join(str(title).split()))
            if schedule_field in seen:
                problems.append(Problem(f"column {position}: {key} is already a column; a "
                                        "field can appear once"))
                continue
            seen.add(schedule_field)
            if not title:
                problems.append(Problem(
                    f"column {position} ({key}): the title is empty; give the title the "
                    f"factor wants (or leave out =TITLE for {schedule_field.default_title!r})"))
            elif len(title) > MAX_TITLE:
                problems.append(Problem(
                    f"column {position} ({key}): the title {excerpt(title)} is "
                    f"{len(title)} characters; at most {MAX_TITLE}"))
            elif title.startswith(_FORMULA_START):
                problems.append(Problem(
                    f"column {position} ({key}): the title {excerpt(title)} cannot start with "
                    "=, +, - or @ (a spreadsheet would take it for a formula)"))
            elif title.casefold() in titles:
                problems.append(Problem(
                    f"column {position} ({key}): the title {excerpt(title)} is already the title "
                    f"of {titles[title.casefold()]}; each column needs its own"))
            titles.setdefault(title.casefold(), key)
            made.append(ScheduleColumn(schedule_field, title))
        for needed in REQUIRED:
            if needed not in seen:
                problems.append(Problem(
                    f"the schedule needs the {needed.value} column ({needed.meaning})"))
        if problems:
            raise InputRefused(problems)
        return cls(tuple(made), carrier_mc=bool(carrier_mc), signature=bool(signature))

    # --- reading it

    @property
    def fields(self) -> tuple[ScheduleField, ...]:
        return tuple(c.field for c in self.columns)

    @property
    def titles(self) -> list[str]:
        return [c.title for c in self.columns]

    @property
    def debtor_mc(self) -> bool:
        """Whether the debtor's MC appears (as a column)."""
        return ScheduleField.DEBTOR_MC in self.fields

    @property
    def is_default(self) -> bool:
        return self == _DEFAULT

    def index(self, schedule_field: ScheduleField) -> int | None:
        """The column's position (0 first), None when it is not shown."""
        fields = self.fields
        return fields.index(schedule_field) if schedule_field in fields else None

    def spec(self) -> str:
        """``invoice_number=Invoice #,amount=Face Amount``: as ``--columns`` takes it."""
        return ",".join(f"{c.field.value}={c.title}" for c in self.columns)

    # --- changing it (each returns a new, checked layout)

    def with_debtor_mc(self, shown: bool) -> ScheduleLayout:
        """The debtor's MC shown (a column right after the debtor's name, or last when
        there is none) or not."""
        if shown == self.debtor_mc:
            return self
        columns = [c for c in self.columns if c.field is not ScheduleField.DEBTOR_MC]
        if shown:
            after = self.index(ScheduleField.DEBTOR)
            mc = ScheduleColumn(ScheduleField.DEBTOR_MC, ScheduleField.DEBTOR_MC.default_title)
            columns.insert(len(columns) if after is None else after + 1, mc)
        return self.make(columns, carrier_mc=self.carrier_mc, signature=self.signature)

    def with_options(self, *, carrier_mc: bool | None = None,
                     signature: bool | None = None) -> ScheduleLayout:
        return replace(self, carrier_mc=self.carrier_mc if carrier_mc is None else carrier_mc,
                       signature=self.signature if signature is None else signature)

    # --- kept as JSON

    def to_json(self) -> dict[str, Any] | None:
        """What FactoringCompany.schedule_layout keeps: None for the default."""
        if self.is_default:
            return None
        return {"version": LAYOUT_VERSION,
                "columns": [{"field": c.field.value, "title": c.title} for c in self.columns],
                "carrier_mc": self.carrier_mc, "signature": self.signature}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ScheduleLayout:
        """The layout kept by ``to_json`` (None: the default); refused like ``make`` when
        what is kept is not a layout."""
        if data is None:
            return _DEFAULT
        columns = data.get("columns") if isinstance(data, Mapping) else None
        if not isinstance(columns, list) or not all(
                isinstance(c, Mapping) and isinstance(c.get("field"), str)
                and isinstance(c.get("title", ""), str | None) for c in columns):
            raise InputRefused([Problem(
                "the factor's schedule layout is not a list of columns (field and title); "
                "set it again or reset it to the default")])
        return cls.make([(c["field"], c.get("title")) for c in columns],
                        carrier_mc=data.get("carrier_mc", True) is not False,
                        signature=data.get("signature", True) is not False)


def parse_columns(spec: str) -> list[tuple[str, str | None]]:
    """``"invoice_number=Invoice #,debtor=Account Debtor,amount"`` as (field, title) pairs,
    in order; a field without ``=TITLE`` keeps its own title (None). ``make`` checks
    them."""
    pairs: list[tuple[str, str | None]] = []
    for part in spec.split(","):
        if not part.strip():
            continue
        name, equals, title = part.partition("=")
        pairs.append((name.strip(), title.strip() if equals else None))
    return pairs


_DEFAULT = ScheduleLayout(tuple(ScheduleColumn(f, f.default_title) for f in (
    ScheduleField.INVOICE_DATE, ScheduleField.DEBTOR, ScheduleField.DEBTOR_MC,
    ScheduleField.INVOICE_NUMBER, ScheduleField.LOAD_NUMBER, ScheduleField.PO_NUMBER,
    ScheduleField.AMOUNT, ScheduleField.DUE_DATE)), carrier_mc=True, signature=True)
