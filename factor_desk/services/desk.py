"""The desk: every job the window and the command line offer, each its own unit of work,
taking and returning plain data. The window calls these (on a worker thread for anything
slow), the command line prints what they return; neither opens a session itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from factor_desk.db.database import Database
from factor_desk.db.file_guard import FileId
from factor_desk.db.location_check import data_folder_warning
from factor_desk.documents.tabular import SheetChoiceRefused, match_columns, read_table
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.permissions import Permission
from factor_desk.location import Location
from factor_desk.services import (
    backup,
    batch_money,
    batches,
    company,
    company_start,
    customers,
    loads,
    recall,
    reports,
)
from factor_desk.services.common import Progress
from factor_desk.services.desk_audit import AuditDoor
from factor_desk.services.desk_factors import FactorsDoor
from factor_desk.services.desk_live import LiveDoor
from factor_desk.services.desk_mapping import MappingDoor
from factor_desk.services.desk_money import MoneyDoor
from factor_desk.services.desk_schedule import ScheduleDoor
from factor_desk.services.desk_send import SendDoor
from factor_desk.services.desk_team import TeamDoor, guard
from factor_desk.services.loads import (
    DocumentInfo,
    HistoryEntry,
    LoadImportResult,
    LoadSummary,
    LoadToEdit,
    MovedLoad,
)
from factor_desk.services.overview import HomeOverview, home_overview

# services.export and services.demo are imported where they are used: they bring the PDF
# libraries, which a command such as ``loads list`` should not wait for at every start.
if TYPE_CHECKING:
    from factor_desk.services import demo


@dataclass
class BatchOverview:
    """A batch as Factoring Reports lists it: the batch and its money so far."""

    batch: batches.BatchSummary
    purchased: Decimal
    paid: Decimal
    open_balance: Decimal


@guard
class Desk(MoneyDoor, FactorsDoor, MappingDoor, ScheduleDoor, SendDoor, TeamDoor, AuditDoor,
           LiveDoor):
    """The one door of the application: the window and the command line both open a Desk
    and call its methods; neither touches the database itself.

    ``with Desk.open(location) as desk: ...`` opens (and migrates) the database and closes
    it at the end."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._previewed = None  # the report file read by the last preview_report (MappingDoor)

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

    def __reduce__(self) -> tuple[Callable[..., Desk],
                                  tuple[Location, tuple[str, Permission], FileId | None]]:
        # A desk travels to a worker process as where its data lives and who works there;
        # the worker opens its own connection (an engine cannot cross processes), lazily:
        # a server gone by then refuses the job, not the worker's start. A SQLite file
        # travels as the file this desk has open: another in its place by then (or later)
        # refuses the worker's work, never giving it to a file the window does not show.
        return _desk_at, (self.db.location, (self.db.user, self.db.permission),
                          self.db.file_id())

    @property
    def location(self) -> str:
        return self.db.location.describe()

    def data_folder_warning(self) -> str | None:
        """The warning for a SQLite database in a synced folder or on a network share (the
        place, and how to move); None when the place is safe. Not a refusal: the face shows
        it and goes on."""
        return data_folder_warning(self.db.location)

    # ---------------------------------------------------------- company profile

    def profile(self) -> company.CompanyProfile:
        with self.db.read() as work:
            return company.get_profile(work)

    def add_subsidiary(self, name: str, **fields: Any) -> company.SubsidiaryProfile:
        with self.db.write() as work:
            return company.add_subsidiary(work, name, **fields)

    def add_factoring_company(self, name: str, remit_to: str, **terms: Any) -> company.FactorInfo:
        with self.db.write() as work:
            return company.add_factoring_company(work, name, remit_to=remit_to, **terms)

    def load_demo(self, *, loads: int = 40, seed: int = 7) -> demo.DemoResult:
        """The demo carrier, in an empty database (one that holds a company is left as is)."""
        from factor_desk.services import demo

        with self.db.write() as work:
            return demo.load_demo(work, loads=loads, seed=seed)

    def save_subsidiary(self, subsidiary: str, general: dict[str, str], *,
                        factoring_company: str | None,
                        default_invoicing_method: str, required_documents: list[str],
                        version: int | None = None) -> company.SubsidiaryProfile:
        """Save the whole form of a subsidiary at once: all of it or none of it; refused
        (StaleEdit) when ``version``, the one the form showed, is not its own any more."""
        with self.db.write() as work:
            return company.save_subsidiary(
                work, subsidiary, general, factoring_company=factoring_company,
                default_invoicing_method=default_invoicing_method,
                required_documents=required_documents, version=version)

    def save_important_info(self, subsidiary: str, kind: str, text: str, *,
                            version: int | None = None) -> company.SubsidiaryProfile:
        """``version``: the entry's as the editor showed it, 0 when adding one."""
        with self.db.write() as work:
            return company.set_important_info(work, subsidiary, kind, text, version=version)

    def remove_important_info(self, subsidiary: str, kind: str, *,
                              version: int | None = None) -> company.SubsidiaryProfile:
        with self.db.write() as work:
            return company.remove_important_info(work, subsidiary, kind, version=version)

    # ---------------------------------------------------------- loads

    def eligible_loads(self, subsidiary: str) -> list[loads.LoadSummary]:
        with self.db.read() as work:
            return loads.eligible_loads(work, subsidiary)

    def loads(self, *, subsidiary: str | None = None, status: str | None = None
              ) -> list[loads.LoadSummary]:
        with self.db.read() as work:
            return loads.list_loads(work, subsidiary=subsidiary, status=status)

    def load_detail(self, load_number: str
                    ) -> tuple[list[HistoryEntry], list[DocumentInfo], str]:
        """A load's status history, its documents, and the factor's flag on it, if any."""
        with self.db.read() as work:
            load = loads.find_load(work, load_number)
            flag = reports.factor_flags(work, [load.id]).get(load.id, "")
            return loads.load_history(work, load_number), \
                loads.load_documents(work, load_number), flag

    def attach(self, load_number: str, path: str | Path, kind: str) -> DocumentInfo:
        document = loads.read_document(path, kind)  # read before the transaction
        with self.db.write() as work:
            return loads.attach_document(work, load_number, document)

    # A job that can stop half way takes ``should_stop`` (the window's job runner passes it
    # only to those); one short transaction cannot, and does not take it.

    def check_loads_file(self, path: str | Path, subsidiary: str, *,
                         sheet: str | None = None, mapping: dict[str, str] | None = None
                         ) -> LoadImportResult:
        """What importing the loads file would do; changes nothing. ``mapping``: field ->
        header for columns the built-in spellings do not place (issue #14)."""
        file = loads.read_loads_file(path, sheet=sheet, mapping=mapping)  # no transaction
        with self.db.read() as work:
            return loads.plan_import(work, file, subsidiary, dry_run=True).result

    def import_loads(self, path: str | Path, subsidiary: str, *, only_valid: bool,
                     sheet: str | None = None, mapping: dict[str, str] | None = None
                     ) -> LoadImportResult:
        """Import the loads file: every good row or (a bad row, unless ``only_valid``)
        none; refused with each problem named. ``mapping``: as ``check_loads_file``."""
        file = loads.read_loads_file(path, sheet=sheet, mapping=mapping)  # no transaction
        with self.db.read() as work:
            plan = loads.plan_import(work, file, subsidiary)
        plan.refuse_unless_importable(only_valid=only_valid)
        try:
            with self.db.write() as work:
                return loads.write_loads(work, plan)
        except IntegrityError:  # another clerk imported some of these loads meanwhile
            with self.db.read() as work:
                raise loads.race_lost(work, plan) from None

    # ---------------------------------------------------------- batches

    def submit_batch(self, subsidiary: str, load_numbers: list[str]) -> batches.BatchSummary:
        with self.db.write() as work:
            return batches.submit_batch(work, subsidiary, load_numbers)

    def batches_overview(self) -> list[BatchOverview]:
        with self.db.read() as work:
            listed = reports.batches_money(work)
        return [BatchOverview(b, t["purchased"], t["paid"], t["open_balance"])
                for b, t in listed]

    def reconcile(self, batch: str | None = None, *, rows: bool | None = None
                  ) -> reports.Reconciliation:
        """The reconciliation of one batch, or of every batch with the reserve per factor;
        the rows of each invoice when ``rows`` (by default: for one batch only)."""
        if rows is None:
            rows = batch is not None
        with self.db.read() as work:
            return reports.reconcile(work, batch, totals_only=not rows, reserve=batch is None)

    def export(self, batch: str, to_dir: str | Path, *, make_zip: bool = False,
               workers: int | None = None, should_stop: Callable[[], bool] | None = None
               ) -> Iterator[Progress]:
        """Download the batch into ``to_dir`` (see services/export.py), the pages drawn by
        ``workers`` processes (None: as many as suit the machine); nothing happens until the
        steps are taken."""
        from factor_desk.services import export

        with self.db.read() as work:
            plan = export.plan_export(work, batch)
        yield from export.export_batch(plan, to_dir, self.db.read, make_zip=make_zip,
                                       workers=workers, should_stop=should_stop)

    # ---------------------------------------------------------- the factor's reports

    @staticmethod
    def report_template(kind: str) -> str:
        return reports.report_template(kind)

    @staticmethod
    def report_kind(path: str | Path, sheet: str | None = None) -> str | None:
        """purchase, payments or reserve, judged by the file's columns (a workbook's: those
        of the sheet of that kind); None when it could be several or none."""
        fits = []
        for kind, specs in ((reports.ReportKind.PURCHASE, reports.PURCHASE_COLUMNS),
                            (reports.ReportKind.PAYMENTS, reports.PAYMENT_COLUMNS),
                            (reports.ReportKind.RESERVE, reports.RESERVE_COLUMNS)):
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

    def import_history(self) -> list[reports.ImportInfo]:
        with self.db.read() as work:
            return reports.import_history(work)

    def import_file(self, import_id: int) -> tuple[str, bytes]:
        """The original file of an import, as it was uploaded."""
        with self.db.read() as work:
            return reports.import_file(work, import_id)

    def undo_import(self, import_id: int) -> reports.UndoResult:
        with self.db.write() as work:
            return reports.undo_import(work, import_id)

    @staticmethod
    def report_batches(path: str | Path, sheet: str | None = None) -> list[str]:
        """The batches a purchase report's Batch Number column names (the file only)."""
        return reports.report_batches(path, sheet)

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
            return home_overview(work, today or dt.date.today(),
                                 reports.reconcile(work, totals_only=True))

    # ---------------------------------------------------------- the command line's jobs
    # What the command line (and the self-test) asks beyond the window's jobs above: each a
    # unit of work, or the service's own steps, and nothing else.

    def set_required_documents(self, subsidiary: str, kinds: list[str], *,
                               version: int | None = None) -> company.SubsidiaryProfile:
        with self.db.write() as work:
            return company.set_required_documents(work, subsidiary, kinds, version=version)

    @staticmethod
    def loads_template() -> str:
        """The text of the Loads.csv template."""
        return loads.loads_template()

    def list_loads(self, *, subsidiary: str | None = None, status: str | None = None,
                   search: str | None = None) -> list[LoadSummary]:
        with self.db.read() as work:
            return loads.list_loads(work, subsidiary=subsidiary, status=status, search=search)

    def load_history(self, load_number: str) -> list[HistoryEntry]:
        with self.db.read() as work:
            return loads.load_history(work, load_number)

    def list_customers(self) -> list[customers.CustomerInfo]:
        with self.db.read() as work:
            return customers.list_customers(work)

    def update_customer(self, name: str, *, version: int | None = None, **changes: Any
                        ) -> customers.CustomerInfo:
        with self.db.write() as work:
            return customers.update_customer(work, name, version=version, **changes)

    def submit_all_eligible(self, subsidiary: str) -> batches.BatchSummary:
        """Submit Batch with every load of ``subsidiary`` that can be factored now."""
        with self.db.write() as work:
            return batches.submit_batch(work, subsidiary, all_eligible=True)

    def list_batches(self, *, subsidiary: str | None = None) -> list[batches.BatchSummary]:
        with self.db.read() as work:
            return batches.list_batches(work, subsidiary=subsidiary)

    def show_batch(self, batch: str) -> batches.BatchDetail:
        with self.db.read() as work:
            return batches.show_batch(work, batch)

    @staticmethod
    def report_refusals(preview: reports.Preview, allow_missing: bool) -> list[Problem]:
        """Why a previewed report cannot be applied; empty when it can."""
        return reports.refusals(preview, allow_missing)

    @staticmethod
    def back_up_at(location: Location, to: str | Path, *, replace: bool = False,
                   should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
        """``make_backup`` of the data at ``location`` without opening it (nothing is
        migrated or made there)."""
        return backup.backup(location, to, replace=replace, should_stop=should_stop)

    # ---------------------------------------------------------- the first run
    # A window opened on data without a company offers to start one (or to try the demo
    # in a folder of its own).

    def has_company(self) -> bool:
        return self.profile().name is not None

    def start_company(self, company_name: str, subsidiary: dict[str, str], *,
                      factor: dict[str, str], notice_of_assignment: str,
                      required_documents: list[str]) -> company.SubsidiaryProfile:
        """The company, its first subsidiary, factoring company and Notice of Assignment,
        in one transaction: all of it or none of it."""
        with self.db.write() as work:
            return company_start.start_company(
                work, company_name, subsidiary, factor=factor,
                notice_of_assignment=notice_of_assignment,
                required_documents=required_documents)

    @staticmethod
    def notice_template(factor_name: str, remit_to: str) -> str:
        return company_start.notice_template(factor_name, remit_to)

    # ---------------------------------------------------------- money, invoice by invoice
    # A batch's invoices and a load's payments (services/batch_money.py, the
    # reconciliation's own figures); a load's documents opened and removed.

    def batch_invoices(self, batch: str) -> list[batch_money.InvoiceMoney]:
        with self.db.read() as work:
            return batch_money.batch_invoices(work, batch)

    def load_money(self, load_number: str) -> batch_money.LoadMoney:
        with self.db.read() as work:
            return batch_money.load_money(work, load_number)

    def document_file(self, document_id: int) -> tuple[str, bytes]:
        """The file name and bytes of an attached document, to open or save a copy."""
        with self.db.read() as work:
            return loads.document_file(work, document_id)

    def remove_document(self, document_id: int) -> DocumentInfo:
        """Take a document off a Released or Queued load (refused otherwise), with a
        history row; one transaction."""
        with self.db.write() as work:
            return loads.remove_document(work, document_id)

    # ---------------------------------------------------------- recall and reverse
    # Invoices the factor has not bought go back to Queued (services/recall.py, issue #12);
    # the batch keeps them as sent. Each is one write transaction.

    def recall_invoices(self, batch: str, load_numbers: list[str], reason: str
                        ) -> recall.RecallResult:
        with self.db.write() as work:
            return recall.recall_invoices(work, batch, load_numbers, reason=reason)

    def reverse_batch(self, batch: str, reason: str) -> recall.RecallResult:
        with self.db.write() as work:
            return recall.reverse_batch(work, batch, reason=reason)

    # ---------------------------------------------------------- load moves
    # Before a batch (services/loads/moves.py): Create invoice, back to Released, Void,
    # Edit. Each one transaction, all or nothing, with a history row.

    def queue_loads(self, load_numbers: list[str], *, invoice_number: str | None = None,
                    invoice_date: dt.date | None = None) -> list[MovedLoad]:
        """Create invoice: Released -> Queued."""
        with self.db.write() as work:
            return loads.queue_loads(work, load_numbers, invoice_number=invoice_number,
                                     invoice_date=invoice_date)

    def unqueue_loads(self, load_numbers: list[str], reason: str) -> list[MovedLoad]:
        """Queued -> Released."""
        with self.db.write() as work:
            return loads.unqueue_loads(work, load_numbers, reason=reason)

    def void_loads(self, load_numbers: list[str], reason: str) -> list[MovedLoad]:
        """Released or Queued -> Void; the load number stays taken."""
        with self.db.write() as work:
            return loads.void_loads(work, load_numbers, reason=reason)

    def load_to_edit(self, load_number: str) -> LoadToEdit:
        """The load as Edit load shows it, with its version."""
        with self.db.read() as work:
            return loads.load_to_edit(work, load_number)

    def edit_load(self, load_number: str, changes: dict[str, object], *,
                  version: int | None = None) -> MovedLoad:
        """Change a Released or Queued load's fields (``loads.EDITABLE``); refused
        (StaleEdit) when ``version``, the one the dialog showed, is not the load's any more."""
        with self.db.write() as work:
            return loads.edit_load(work, load_number, changes, version=version)


def _desk_at(location: Location, login: tuple[str, Permission],
             file: FileId | None = None) -> Desk:
    return Desk(Database(location, migrate=False, login=login, file=file))
