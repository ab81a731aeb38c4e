"""Column mappings of the factor's files (issue #14): which of a file's columns holds each
field, saved per factor and report kind (``column_mappings``) and applied by itself to the
next file of that kind. The fields, ``--map`` and the placing of a file's columns are in
services/placing.py (no database; the loads file uses them too), named here as well.

Which factor's saved mapping is in play: the factor named; else the batch's factor; else
every factor's of that kind, of which the one that fits the file is used (services/placing.py
``place``). Each function works in the ``Work`` it is given."""

from __future__ import annotations

from sqlalchemy import select

from factor_desk.db.models import Batch, ColumnMapping, FactoringCompany, Invoice, utcnow
from factor_desk.db.work import Work
from factor_desk.documents.tabular import Table
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ReportKind
from factor_desk.services.batches import find_batch
from factor_desk.services.common import chunks
from factor_desk.services.factors import find_factor
from factor_desk.services.placing import (
    ID_FIELDS,
    ColumnsNotPlaced,
    Fields,
    FileLook,
    MappingField,
    Placement,
    SavedMapping,
    fits,
    look_of,
    map_text,
    parse_map,
    place,
    public_name,
)
from factor_desk.services.reports.outcomes import Preview, ReserveValues

__all__ = [
    "ID_FIELDS", "AnotherFactorsMapping", "ColumnsNotPlaced", "Fields", "FileLook",
    "MappingField", "Placement",
    "SavedMapping", "factor_of_rows", "fits", "forget_mapping", "map_text", "mapping_factor",
    "mappings_in_play", "parse_map", "public_name", "refuse_another_factors_mapping",
    "save_mapping", "saved_mapping", "saved_mappings",
]


# ------------------------------------------------------------------ saved mappings


def _saved(row: ColumnMapping, factor: str) -> SavedMapping:
    """The row as a SavedMapping; refused, naming the factor, when what is kept is not
    field -> column pairs (only a hand edit of the database can do that)."""
    columns = row.columns or {}
    if not isinstance(columns, dict) or not all(
            isinstance(n, str) and isinstance(h, str) for n, h in columns.items()):
        message = (f"The column mapping saved for {factor} ({row.kind} files) cannot be "
                   "used: it is not field=column pairs. Set it again (factors mapping "
                   f'"{factor}" {row.kind} --set ...) or forget it (--forget).')
        raise InputRefused([Problem(message)], summary=message)
    return SavedMapping(factor, ReportKind(row.kind), dict(columns), row.saved_at,
                        row.saved_by)


def saved_mapping(work: Work, factor: FactoringCompany, kind: str) -> SavedMapping | None:
    row = work.execute(select(ColumnMapping).where(
        ColumnMapping.factoring_company_id == factor.id,
        ColumnMapping.kind == ReportKind(kind).value)).scalar_one_or_none()
    return _saved(row, factor.name) if row is not None else None


def saved_mappings(work: Work, kind: str) -> list[SavedMapping]:
    """Every factor's saved mapping of ``kind``, by factor name."""
    found = work.execute(
        select(ColumnMapping, FactoringCompany.name)
        .join(FactoringCompany, FactoringCompany.id == ColumnMapping.factoring_company_id)
        .where(ColumnMapping.kind == ReportKind(kind).value)
        .order_by(FactoringCompany.name)).all()
    return [_saved(row, name) for row, name in found]


def save_mapping(work: Work, factor: FactoringCompany, fields: Fields,
                 columns: dict[str, str], user: str) -> SavedMapping:
    """Save ``columns`` as ``factor``'s mapping of ``fields.kind``, replacing the one saved
    before. Refused: an unknown field, a header given twice, a required field missing."""
    kept = fields.check(columns)
    fields.check_complete(kept)
    # The factor's row first: two clerks saving its first mapping of a kind at once (an
    # upload with --map saves one) take turns; the later one finds the row and replaces it.
    work.execute(select(FactoringCompany.id).where(FactoringCompany.id == factor.id)
                 .with_for_update())
    row = work.execute(select(ColumnMapping).where(
        ColumnMapping.factoring_company_id == factor.id,
        ColumnMapping.kind == fields.kind.value).with_for_update()).scalar_one_or_none()
    if row is None:
        row = ColumnMapping(factoring_company_id=factor.id, kind=fields.kind.value)
        work.add(row)
    row.columns = kept
    row.saved_at = utcnow()
    row.saved_by = user
    work.flush()
    return _saved(row, factor.name)


def forget_mapping(work: Work, factor: FactoringCompany, kind: str) -> bool:
    row = work.execute(select(ColumnMapping).where(
        ColumnMapping.factoring_company_id == factor.id,
        ColumnMapping.kind == ReportKind(kind).value)).scalar_one_or_none()
    if row is None:
        return False
    work.delete(row)
    work.flush()
    return True


def mapping_factor(work: Work, *, factor: str | None = None, batch: str | None = None
                   ) -> FactoringCompany | None:
    """The factor whose saved mapping is in play: ``factor`` if named, else ``batch``'s."""
    if factor:
        return find_factor(work, factor)
    if batch:
        return work.get(FactoringCompany, find_batch(work, batch).factoring_company_id)
    return None


def mappings_in_play(work: Work, kind: str, *, factor: str | None = None,
                     batch: str | None = None) -> list[SavedMapping]:
    """The saved mappings a ``kind`` file may be placed by: the factor's (named, or the
    batch's), else every factor's of that kind (the one that fits the file is used)."""
    found = mapping_factor(work, factor=factor, batch=batch)
    if found is None:
        return saved_mappings(work, kind) if not (factor or batch) else []
    one = saved_mapping(work, found, kind)
    return [one] if one is not None else []


def factor_of_rows(work: Work, preview: Preview) -> FactoringCompany | None:
    """The one factor the rows of a checked file belong to (their invoices' batches', or a
    reserve row's factor); None when they belong to none or to several."""
    ids = _factors_of_rows(work, preview)
    return work.get(FactoringCompany, ids.pop()) if len(ids) == 1 else None


class AnotherFactorsMapping(ColumnsNotPlaced):
    """The saved mapping that fit a file (no factor or batch named) is one factor's and the
    file's rows are another's: its columns may mean something else there (its "Total" the
    amount paid, this one's the invoice's total). ``look``: the file as the assistant shows
    it without that mapping, so the window opens the assistant to match the columns."""

    def __init__(self, look: FileLook, mapping_of: str, rows_of: list[str]):
        self.look = look
        message = (f"the columns were placed by the mapping saved for {mapping_of}, but the "
                   f"rows are {', '.join(rows_of)}'s invoices; name the factor whose file "
                   f'this is (--factor "{rows_of[0]}") or say which column holds each '
                   "field (--map)")
        InputRefused.__init__(self, [Problem(message, file=look.file_name)], summary=message)


def refuse_another_factors_mapping(work: Work, fields: Fields, table: Table,
                                   saved: SavedMapping | None, preview: Preview) -> None:
    """Refused (AnotherFactorsMapping) when ``saved`` placed ``table``'s columns and the
    rows belong to another factor than the mapping's."""
    if saved is None:
        return
    names = sorted(work.execute(select(FactoringCompany.name).where(
        FactoringCompany.id.in_(_factors_of_rows(work, preview)))).scalars())
    others = [n for n in names if n != saved.factor]
    if others:
        raise AnotherFactorsMapping(look_of(fields, table, place(fields, table)),
                                    saved.factor, others)


def _factors_of_rows(work: Work, preview: Preview) -> set[int]:
    ids: set[int] = set()
    invoices = sorted({r.invoice_id for r in preview.rows if r.invoice_id is not None})
    for part in chunks(invoices):
        ids.update(work.execute(
            select(Batch.factoring_company_id).join(Invoice, Invoice.batch_id == Batch.id)
            .where(Invoice.id.in_(part)).distinct()).scalars())
    ids.update(r.values.factoring_company_id for r in preview.rows
               if isinstance(r.values, ReserveValues))
    return ids
