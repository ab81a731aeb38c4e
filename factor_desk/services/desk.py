"""The desk: every job the window offers, each its own unit of work, taking and returning
plain data. The window calls these (on a worker thread for anything slow) and never opens
a session itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from factor_desk.db.database import Database, Location
from factor_desk.documents.tabular import SheetChoiceRefused, match_columns, read_table
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.money import from_cents
from factor_desk.services import backup, batches, company, export, loads, reports
from factor_desk.services.common import Progress
from factor_desk.services.loads import DocumentInfo, HistoryEntry, LoadImportResult
from factor_desk.services.overview import HomeOverview, home_overview


@dataclass
class BatchOverview:
    """A batch as Factoring Reports lists it: the batch and its money so far."""

    batch: batches.BatchSummary
    purchased: Decimal
    paid: Decimal
    open_balance: Decimal


class Desk:
    """The one door of the application: the window and the command line both open a Desk
    and call its methods; neither touches the database itself.

    ``with Desk.open(location) as desk: ...`` opens (and migrates) the database and closes
    it at the end."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, location: Location, *, migrate: bool = True) -> Desk:
        """Open the data at ``location``; refused (EnvironmentRefused, a FactorDeskError)
        when it cannot be opened."""
        return cls(Database(location, migrate=migrate))

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Callable[[Location], Desk], tuple[Location]]:
        # A desk travels to a worker process as where its data lives; the worker opens its
        # own connection (an engine cannot cross processes).
        return _desk_at, (self.db.location,)

    @property
    def location(self) -> str:
        return self.db.location.describe()

    # ---------------------------------------------------------- company profile

    def profile(self) -> company.CompanyProfile:
        with self.db.read() as s:
            return company.get_profile(s)

    def add_subsidiary(self, name: str, **fields: Any) -> company.SubsidiaryProfile:
        with self.db.write() as s:
            return company.add_subsidiary(s, name, **fields)

    def add_factoring_company(self, name: str, remit_to: str, **terms: Any) -> company.FactorInfo:
        with self.db.write() as s:
            return company.add_factoring_company(s, name, remit_to=remit_to, **terms)

    def save_subsidiary(self, subsidiary: str, general: dict[str, str], *,
                        factoring_company: str | None,
                        default_invoicing_method: str, required_documents: list[str]
                        ) -> company.SubsidiaryProfile:
        """Save the whole form of a subsidiary at once: all of it or none of it."""
        with self.db.write() as s:
            profile = company.update_subsidiary(s, subsidiary, **general)
            company.set_factoring_company(s, profile.name, factoring_company)
            company.set_default_invoicing_method(s, profile.name, default_invoicing_method)
            return company.set_required_documents(s, profile.name, required_documents)

    def save_important_info(self, subsidiary: str, kind: str, text: str
                            ) -> company.SubsidiaryProfile:
        with self.db.write() as s:
            return company.set_important_info(s, subsidiary, kind, text)

    def remove_important_info(self, subsidiary: str, kind: str) -> company.SubsidiaryProfile:
        with self.db.write() as s:
            return company.remove_important_info(s, subsidiary, kind)

    # ---------------------------------------------------------- loads

    def eligible_loads(self, subsidiary: str) -> list[loads.LoadSummary]:
        with self.db.read() as s:
            return loads.eligible_loads(s, subsidiary)

    def loads(self, *, subsidiary: str | None = None, status: str | None = None
              ) -> list[loads.LoadSummary]:
        with self.db.read() as s:
            return loads.list_loads(s, subsidiary=subsidiary, status=status)

    def load_detail(self, load_number: str
                    ) -> tuple[list[HistoryEntry], list[DocumentInfo], str]:
        """A load's status history, its documents, and the factor's flag on it, if any."""
        with self.db.read() as s:
            load = loads.find_load(s, load_number)
            flag = reports.factor_flags(s, [load.id]).get(load.id, "")
            return loads.load_history(s, load_number), loads.load_documents(s, load_number), \
                flag

    def attach(self, load_number: str, path: str | Path, kind: str) -> DocumentInfo:
        return loads.attach_document(self.db, load_number, path, kind)

    # The slow jobs take ``should_stop`` like every job the window runs; those that are one
    # short transaction cannot stop half way and ignore it.

    def check_loads_file(self, path: str | Path, subsidiary: str, *,
                         should_stop: Callable[[], bool] | None = None,
                         sheet: str | None = None) -> LoadImportResult:
        return loads.import_loads(self.db, path, subsidiary, dry_run=True, sheet=sheet)

    def import_loads(self, path: str | Path, subsidiary: str, *, only_valid: bool,
                     should_stop: Callable[[], bool] | None = None,
                     sheet: str | None = None) -> LoadImportResult:
        return loads.import_loads(self.db, path, subsidiary, only_valid=only_valid,
                                  sheet=sheet)

    # ---------------------------------------------------------- batches

    def submit_batch(self, subsidiary: str, load_numbers: list[str], *,
                     should_stop: Callable[[], bool] | None = None) -> batches.BatchSummary:
        return batches.submit_batch(self.db, subsidiary, load_numbers)

    def batches_overview(self) -> list[BatchOverview]:
        with self.db.read() as s:
            listed = batches.list_batches(s)
            money = {b.batch: b.totals for b in reports.reconcile(s).batches}
        out = []
        for b in listed:
            t = money.get(b.batch, {})
            out.append(BatchOverview(b, from_cents(t.get("purchased", 0)),
                                     from_cents(t.get("paid", 0)),
                                     from_cents(t.get("open_balance", 0))))
        return out

    def reconcile(self, batch: str | None = None) -> reports.Reconciliation:
        with self.db.read() as s:
            return reports.reconcile(s, batch)

    def export(self, batch: str, to_dir: str | Path, *, make_zip: bool = False,
               should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
        return export.export_batch(self.db, batch, to_dir, make_zip=make_zip,
                                   should_stop=should_stop)

    # ---------------------------------------------------------- the factor's reports

    @staticmethod
    def report_template(kind: str) -> str:
        return reports.report_template(kind)

    @staticmethod
    def report_kind(path: str | Path, sheet: str | None = None) -> str | None:
        """purchase or payments, judged by the file's columns (a workbook's: those of the
        sheet of that kind); None when it could be either or neither."""
        fits = []
        for kind, specs in ((reports.PURCHASE, reports.PURCHASE_COLUMNS),
                            (reports.PAYMENTS, reports.PAYMENT_COLUMNS)):
            try:
                table = read_table(path, header_only=True, sheet=sheet,
                                   fits=reports.report_fits(kind))
            except SheetChoiceRefused:
                continue  # several sheets and none (or several) of this kind
            try:
                match_columns(table, specs, what="a report")
            except InputRefused:
                continue
            fits.append(kind)
        return fits[0] if len(fits) == 1 else None

    def preview_report(self, kind: str, path: str | Path, *, batch: str | None = None,
                       should_stop: Callable[[], bool] | None = None,
                       sheet: str | None = None) -> Iterator[Progress]:
        return reports.preview_report(self.db, kind, path, batch=batch,
                                      should_stop=should_stop, sheet=sheet)

    def apply_report(self, kind: str, path: str | Path, *, batch: str | None = None,
                     allow_missing: bool = False,
                     should_stop: Callable[[], bool] | None = None,
                     sheet: str | None = None) -> Iterator[Progress]:
        return reports.apply_report(self.db, kind, path, batch=batch,
                                    allow_missing=allow_missing, should_stop=should_stop,
                                    sheet=sheet)

    def import_history(self) -> list[reports.ImportInfo]:
        with self.db.read() as s:
            return reports.import_history(s)

    def undo_import(self, import_id: int) -> reports.UndoResult:
        return reports.undo_import(self.db, import_id)

    # ---------------------------------------------------------- backup and restore

    def check_can_back_up(self) -> None:
        """Refuse at once (before asking where) when the data is on a server."""
        backup.check_can_back_up(self.db.location)

    def make_backup(self, to: str | Path, *, replace: bool = False,
                    should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
        """Back up the database and documents into the .zip ``to``."""
        return backup.backup(self.db.location, to, replace=replace, should_stop=should_stop)

    @staticmethod
    def restore_backup(archive: str | Path, home: str | Path, *,
                       should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
        """Restore a backup into the new, empty data folder ``home``."""
        return backup.restore(archive, home, should_stop=should_stop)

    # ---------------------------------------------------------- home

    def home(self, today: dt.date | None = None) -> HomeOverview:
        """What needs the clerk today: the Home page's figures (the money from the
        reconciliation)."""
        with self.db.read() as work:
            return home_overview(work, today or dt.date.today(), reports.reconcile(work))


def _desk_at(location: Location) -> Desk:
    return Desk.open(location, migrate=False)
