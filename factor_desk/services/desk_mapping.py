"""The Desk's door to column mappings of the factor's files (issue #14): saved per factor and
report kind, applied by themselves to the next file; and the upload of the factor's reports
(preview, apply), which places a file's columns by them. ``Desk`` (services/desk.py)
inherits it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from factor_desk.domain.factor_reports import ReportKind
from factor_desk.services import reports
from factor_desk.services.common import Progress, current_user
from factor_desk.services.factors import find_factor
from factor_desk.services.reports import columns as report_columns
from factor_desk.services.reports import mapping as mappings
from factor_desk.services.reports.mapping import FileLook, MappingField, SavedMapping

if TYPE_CHECKING:
    from factor_desk.db.database import Database
    from factor_desk.db.models import FactoringCompany
    from factor_desk.db.work import Work

# What the last preview read, by where and how (path, kind, sheet, mapping, factor, batch).
ReportKey = tuple[Path, str, str | None, tuple[tuple[str, str], ...], str | None, str | None]


class MappingDoor:
    """Issue #14, through the Desk's database: the fields of each report, a file as the
    mapping assistant shows it, the saved mappings, and the uploads that use them."""

    db: Database
    # The report file read by the last preview_report, by where and what was read.
    _previewed: tuple[ReportKey, reports.ReportFile] | None

    # --- the fields and the saved mappings

    @staticmethod
    def report_fields(kind: str) -> list[MappingField]:
        """The fields of a ``kind`` report (purchase, payments, reserve; loads: the loads
        file's), by the names ``--map`` takes, in the order of the template's columns."""
        if kind == ReportKind.LOADS:
            from factor_desk.services.loads.rows import loads_fields

            return loads_fields().fields
        return report_columns.report_fields(kind)

    @staticmethod
    def parse_map(text: str) -> dict[str, str]:
        """``--map "invoice_number=Inv No,..."`` as {field: header} (the names are checked
        against the file's kind when it is read)."""
        return mappings.parse_map(text)

    @staticmethod
    def map_text(columns: dict[str, str]) -> str:
        """A mapping written as ``--map`` takes it."""
        return mappings.map_text(columns)

    def look_at_report(self, kind: str, path: str | Path, *, factor: str | None = None,
                       sheet: str | None = None, mapping: dict[str, str] | None = None,
                       batch: str | None = None) -> FileLook:
        """The file as the mapping assistant shows it (see FileLook): where each field
        would be read now (``mapping``, else the saved mapping that fits, else the built-in
        spellings). Reads the file only (and the saved mappings)."""
        in_play = self._in_play(kind, factor, batch)
        return report_columns.look_at_report(path, kind, sheet, mapping=mapping, saved=in_play)

    def saved_mapping(self, factor: str, kind: str) -> SavedMapping | None:
        with self.db.read() as work:
            return mappings.saved_mapping(work, find_factor(work, factor), kind)

    def save_mapping(self, factor: str, kind: str, columns: dict[str, str]) -> SavedMapping:
        """Save ``factor``'s mapping of ``kind`` files (field -> header), replacing the one
        before; refused: an unknown field, a header given twice, a required field missing."""
        with self.db.write() as work:
            return mappings.save_mapping(
                work, find_factor(work, factor, lock=True),
                report_columns.report_fields_of(kind), columns, current_user(work))

    def forget_mapping(self, factor: str, kind: str) -> bool:
        """Forget ``factor``'s saved mapping of ``kind``; False when there was none."""
        with self.db.write() as work:
            return mappings.forget_mapping(work, find_factor(work, factor),
                                           ReportKind(kind))

    def named_batches(self, path: str | Path, *, sheet: str | None = None,
                      mapping: dict[str, str] | None = None, factor: str | None = None
                      ) -> list[str]:
        """``report_batches`` of a purchase report, its columns placed by ``mapping`` or
        the saved mapping that fits (``factor``'s when named)."""
        in_play = self._in_play(ReportKind.PURCHASE, factor, None)
        return report_columns.report_batches(path, sheet, mapping=mapping, saved=in_play)

    def saved_report_kind(self, path: str | Path, sheet: str | None = None) -> str | None:
        """purchase, payments or reserve: the one kind of which a factor's saved mapping
        fits the file's headers (``report_kind`` judges by the usual spellings only); None
        when none or several fit."""
        from factor_desk.documents.tabular import read_table

        table = read_table(path, header_only=True, sheet=sheet)
        fitting = []
        for kind in (ReportKind.PURCHASE, ReportKind.PAYMENTS, ReportKind.RESERVE):
            fields = report_columns.report_fields_of(kind)
            if any(mappings.fits(m, table.headers, fields) for m in self._in_play(kind, None,
                                                                                   None)):
                fitting.append(kind.value)
        return fitting[0] if len(fitting) == 1 else None

    def _in_play(self, kind: str, factor: str | None, batch: str | None
                 ) -> list[SavedMapping]:
        with self.db.read() as work:
            return mappings.mappings_in_play(work, kind, factor=factor, batch=batch)

    # --- the factor's reports: preview and apply

    def preview_report(self, kind: str, path: str | Path, *, batch: str | None = None,
                       should_stop: Callable[[], bool] | None = None,
                       sheet: str | None = None, factor: str | None = None,
                       mapping: dict[str, str] | None = None, remember: bool = True
                       ) -> Iterator[Progress]:
        """Check every row of a report and say what applying it would do; changes nothing.
        The last item carries the Preview. ``factor``: the factor whose saved mapping
        places the columns (else the batch's; else the one that fits), and a reserve
        report's factor (needed when its rows name no invoice and there are several).
        ``mapping`` (field -> header) places the columns instead of a saved mapping;
        ``remember``: applying it will save it for the factor (else it is for this file
        only)."""
        in_play = self._in_play(kind, factor, batch)
        upload = reports.read_report(path, kind, sheet, mapping=mapping, saved=in_play)
        self._previewed = (_report_key(path, kind, sheet, mapping, factor, batch), upload)
        with self.db.read() as work:
            for step in reports.preview_report(work, upload, batch=batch,
                                               should_stop=should_stop, factor=factor):
                if isinstance(step.result, reports.Preview):
                    owner = _columns_read(work, upload, step.result, factor, batch)
                    if owner is not None and remember:
                        step.result.mapping_saved = (
                            f"applying saves this mapping for {owner.name} "
                            f"({upload.kind.value} files)")
                yield step

    def apply_report(self, kind: str, path: str | Path, *, batch: str | None = None,
                     allow_missing: bool = False,
                     should_stop: Callable[[], bool] | None = None,
                     sheet: str | None = None, factor: str | None = None,
                     mapping: dict[str, str] | None = None, remember: bool = True
                     ) -> Iterator[Progress]:
        """Apply a report, all or nothing; checked again (and so refused) in a new
        transaction when another clerk applied the same thing at the same moment. The last
        item carries the ImportResult. The parse of the file previewed last is used again
        when this is the same file with the same bytes (SHA-256); else it is read again.
        A ``mapping`` given is saved, in the same transaction, for the factor (``factor``,
        else the batch's, else the one the file's invoices belong to): its next file with
        these columns is placed by itself; not when ``remember`` is False."""
        key, previewed = self._previewed or (None, None)
        same = key == _report_key(path, kind, sheet, mapping, factor, batch)
        in_play = self._in_play(kind, factor, batch)  # the file may have changed since
        upload = reports.read_report(  # before any transaction
            path, kind, sheet, parsed=previewed if same else None, mapping=mapping,
            saved=in_play)
        for attempt in range(1, reports.ATTEMPTS + 1):
            try:
                with self.db.write() as work:
                    result = yield from reports.apply_report(
                        work, upload, batch=batch, allow_missing=allow_missing,
                        should_stop=should_stop, raced=attempt > 1, factor=factor)
                    owner = _columns_read(work, upload, result.preview, factor, batch)
                    if owner is not None and remember:
                        mappings.save_mapping(work, owner,
                                              report_columns.report_fields_of(kind),
                                              upload.placed, current_user(work))
                        result.preview.mapping_saved = (
                            f"the mapping was saved for {owner.name}: its next "
                            f"{upload.kind.value} file with these columns maps itself")
            except reports.RACE_ERRORS as exc:
                reports.raise_unless_retried(exc, attempt)
                continue
            self._previewed = None  # applied: it cannot be applied again
            yield reports.applied(result)
            return


def _columns_read(work: Work, upload: reports.ReportFile, preview: reports.Preview,
                  factor: str | None, batch: str | None) -> FactoringCompany | None:
    """Say on ``preview`` which saved mapping read the file, refusing another factor's
    mapping for rows that belong to this one (no factor or batch named); the factor a
    mapping given would be saved for (``_owner``)."""
    if not (factor or batch):
        mappings.refuse_another_factors_mapping(
            work, report_columns.report_fields_of(upload.kind), upload.table, upload.saved,
            preview)
    preview.mapping_note = upload.mapping_note
    return _owner(work, upload, preview, factor, batch)


def _owner(work: Work, upload: reports.ReportFile, preview: reports.Preview,
           factor: str | None, batch: str | None) -> FactoringCompany | None:
    """The factor a given mapping is saved for (None: no mapping was given, or no one
    factor is known)."""
    if not upload.given:
        return None
    return (mappings.mapping_factor(work, factor=factor, batch=batch)
            or mappings.factor_of_rows(work, preview))


def _report_key(path: str | Path, kind: str, sheet: str | None,
                mapping: dict[str, str] | None, factor: str | None, batch: str | None
                ) -> ReportKey:
    # as named: its name goes on the import
    return (Path(path).absolute(), str(kind), sheet, tuple(sorted((mapping or {}).items())),
            factor, batch)
