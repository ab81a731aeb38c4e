"""The import of a loads file, in steps a caller runs each in its own unit of work: the
file is read with no transaction open (``read_loads_file``), checked against the database
in a read (``plan_import``), and written in one write transaction (``write_loads``),
all or nothing. When another clerk imported some of the same loads between the check and
the write, ``race_lost`` names them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Connection, Dialect, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from factor_desk.db.models import Customer, Load, LoadCharge, ReportImport, utcnow
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ImportStatus, ReportKind
from factor_desk.domain.text import excerpt
from factor_desk.services.common import chunks, current_user, find_subsidiary, gc_paused
from factor_desk.services.lifecycle import record_new_loads
from factor_desk.services.loads.debtors import (
    Debtor,
    RowCustomer,
    customer_index,
    resolve_customers,
)
from factor_desk.services.loads.rows import LoadRow, LoadsFile


@dataclass
class LoadImportResult:
    """What an import did, or (dry run) would do."""

    file_name: str
    subsidiary: str
    rows_total: int
    rows_valid: int
    problems: list[Problem]
    dry_run: bool
    imported: int = 0
    new_customers: list[str] = field(default_factory=list)
    import_id: int | None = None
    load_numbers: list[str] = field(default_factory=list)
    sheet: str | None = None  # the workbook's sheet that was read; None for a CSV
    row_customers: list[RowCustomer] = field(default_factory=list)

    @property
    def rows_bad(self) -> int:
        return self.rows_total - self.rows_valid


def _existing(session: Session, column: InstrumentedAttribute[str], values: list[str]
              ) -> set[str]:
    found: set[str] = set()
    # Through the connection: the ORM's statement handling doubled the cost of 100 queries;
    # on SQLite, straight to the driver: building each IN (...) statement cost 5x running it.
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        name, table = column.name, column.table.name
        for part in chunks(values):
            found.update(value for (value,) in connection.exec_driver_sql(
                f'SELECT "{name}" FROM "{table}" WHERE "{name}" IN '
                f'({", ".join("?" * len(part))})', tuple(part)))
        return found
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        # One statement with the values as one array, not a hundred IN (...) lists (1.2 s
        # of a 50,000-row import on PostgreSQL, most of it building the statements); the
        # array as its literal, untyped and cast where bound: psycopg's list dumper, in
        # Python, took 1-2 us a value (services/reports/bulk.py's array_of).
        name, table = column.name, column.table.name
        literal = "{" + ",".join(
            '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
        found.update(value for (value,) in connection.exec_driver_sql(
            f'SELECT "{name}" FROM "{table}" WHERE "{name}" = ANY(%s::text[])', (literal,)))
        return found
    for part in chunks(values):
        found.update(connection.execute(select(column).where(column.in_(part))).scalars())
    return found


def _check_against_database(
    session: Session, rows: list[LoadRow], file_name: str
) -> tuple[list[LoadRow], list[Problem]]:
    """Drop rows whose load or invoice number is already used, in the file or the
    database; each becomes a problem naming the row."""
    problems: list[Problem] = []
    taken_loads = _existing(session, Load.load_number, [r.load_number for r in rows])
    taken_invoices = _existing(session, Load.invoice_number, [r.invoice_number for r in rows])
    seen_loads: dict[str, int] = {}
    seen_invoices: dict[str, int] = {}
    good: list[LoadRow] = []
    for r in rows:
        row_problems = []
        if r.load_number in taken_loads:
            row_problems.append(Problem(
                f"load {excerpt(r.load_number)} is already in Factor Desk; it was not "
                "imported again",
                file=file_name, row=r.row, column="Load Number"))
        elif r.load_number in seen_loads:
            row_problems.append(Problem(
                f"load {excerpt(r.load_number)} appears twice in the file (also row "
                f"{seen_loads[r.load_number]})", file=file_name, row=r.row, column="Load Number"))
        if r.invoice_number in taken_invoices:
            row_problems.append(Problem(
                f"invoice number {excerpt(r.invoice_number)} is already used by another load",
                file=file_name, row=r.row, column="Invoice Number"))
        elif r.invoice_number in seen_invoices:
            row_problems.append(Problem(
                f"invoice number {excerpt(r.invoice_number)} appears twice in the file (also row "
                f"{seen_invoices[r.invoice_number]})",
                file=file_name, row=r.row, column="Invoice Number"))
        seen_loads.setdefault(r.load_number, r.row)
        seen_invoices.setdefault(r.invoice_number, r.row)
        if row_problems:
            problems.extend(row_problems)
        else:
            good.append(r)
    return good, problems


@dataclass
class ImportPlan:
    """A loads file checked against the database: what its import would do, and the rows it
    would write."""

    file: LoadsFile
    rows: list[LoadRow]  # the rows that pass every check, the database's too
    result: LoadImportResult
    # The customers as the plan found them, and what resolve_customers made of them: the
    # customer of each row and the new ones. The write reuses them when it finds the same
    # customers (resolve_customers is a function of the rows and the customers alone).
    known: list[tuple[str, str, int | None]] = field(default_factory=list)
    debtors: list[Debtor] = field(default_factory=list)
    new: list[Debtor] = field(default_factory=list)

    def refuse_unless_importable(self, *, only_valid: bool = False) -> None:
        """Refuse (InputRefused, nothing imported) a file with a bad row, unless
        ``only_valid`` asks for the good rows alone, and a file with no good row."""
        result, file_name = self.result, self.file.file_name
        if result.problems and not only_valid:
            raise InputRefused(
                result.problems,
                summary=f"{file_name}: {result.rows_bad} of {result.rows_total} rows have "
                        "problems; nothing was imported.",
            )
        if not self.rows:
            raise InputRefused(result.problems or [Problem("no loads to import")],
                               summary=f"{file_name}: no row can be imported.")


def plan_import(work: Work, file: LoadsFile, subsidiary: str, *, dry_run: bool = False
                ) -> ImportPlan:
    """Check the rows of ``file`` against the database, into ``subsidiary``; changes nothing.
    Its ``result`` is what a dry run reports.

    A load or invoice number already in Factor Desk (or twice in the file) is a problem of
    its row: a load is never duplicated or overwritten. Customers not yet known would be
    created (matched by a real MC or DOT number, else by name); ``row_customers`` says
    which customer each row is billed to, and why when the file's name or MC says
    otherwise."""
    with gc_paused():
        sub_name = find_subsidiary(work, subsidiary).name
        rows, more = _check_against_database(work, file.rows, file.file_name)
        index = customer_index(work)
        known = [(d.name, d.mc, d.id) for d in index]
        debtors, plan, new = resolve_customers(rows, index)
    problems = sorted([*file.problems, *more], key=lambda p: (p.row or 0))
    result = LoadImportResult(
        file_name=file.file_name, subsidiary=sub_name, rows_total=file.rows_total,
        rows_valid=len(rows), problems=problems, dry_run=dry_run,
        new_customers=sorted(d.name for d in new),
        load_numbers=[r.load_number for r in rows], sheet=file.sheet,
        row_customers=plan,
    )
    return ImportPlan(file, rows, result, known, debtors, new)


def race_lost(work: Work, plan: ImportPlan) -> InputRefused:
    """The refusal to raise when the write of ``plan`` failed on a load or invoice number
    another clerk imported between the check and the write: each such row, checked again."""
    file_name = plan.file.file_name
    _, clash = _check_against_database(work, plan.rows, file_name)
    return InputRefused(
        clash or [Problem("some loads were imported by someone else a moment ago")],
        summary=f"{file_name}: some loads were added a moment ago by someone else; "
                "nothing was imported.",
    )


def write_loads(work: Work, plan: ImportPlan, *, user: str | None = None) -> LoadImportResult:
    """Write the good rows of ``plan`` (refuse_unless_importable said it may): the new
    customers, the file in the document store, the loads, their accessorial lines and first
    status, one import record. Call it in one write transaction: all of it or none of it.

    An IntegrityError means another clerk imported some of the same loads since the plan
    was made (see ``race_lost``)."""
    with gc_paused():
        return _write(work, plan, user or current_user(work))


def _write(work: Work, plan: ImportPlan, user: str) -> LoadImportResult:
    rows, result, file = plan.rows, plan.result, plan.file
    sub = find_subsidiary(work, result.subsidiary)
    # Again, in this transaction: a customer may have come in, or changed, since the plan
    # was made. When none did, the plan's answer stands (50,000 rows: 30-40 ms saved).
    index = customer_index(work)
    if [(d.name, d.mc, d.id) for d in index] == plan.known and all(
            d.id is None for d in plan.new):
        debtors, new = plan.debtors, plan.new
    else:
        debtors, result.row_customers, new = resolve_customers(rows, index)
    _create_customers(work, new)
    result.new_customers = sorted(d.name for d in new)

    now = utcnow()
    sha = work.store.put(work, file.data)
    imp = ReportImport(
        kind=ReportKind.LOADS.value, file_name=file.file_name, sha256=sha, imported_at=now,
        imported_by=user, rows_total=result.rows_total, rows_applied=len(rows),
        rows_skipped=result.rows_total - len(rows), status=ImportStatus.APPLIED.value,
    )
    work.add(imp)
    work.flush()
    import_id = imp.id
    _insert_loads(work, rows, [d.id for d in debtors], sub.id, import_id, now)
    # The accessorial lines and the history rows come from the loads just written, in the
    # database: no round trip of ids through Python.
    imported = select(Load.id, Load.accessorials_cents).where(
        Load.import_id == import_id).subquery()
    work.execute(insert(LoadCharge).from_select(
        ["load_id", "position", "description", "amount_cents"],
        select(imported.c.id, literal(1), literal("Accessorials"),
               imported.c.accessorials_cents).where(imported.c.accessorials_cents != 0),
    ))
    record_new_loads(work, import_id, at=now, by=user,
                     reason=f"Imported from {file.file_name} (import #{import_id})")
    result.import_id = import_id
    result.imported = len(rows)
    return result


def _create_customers(session: Session, new: list[Debtor]) -> None:
    """Insert the customers the import creates and give each its id."""
    if not new:
        return
    session.execute(Customer.__table__.insert(), [
        {"name": d.name, "mc_number": d.mc, "address": "", "city": "", "state": "",
         "zip_code": "", "email": "", "terms_days": 30, "invoicing_method": None}
        for d in new
    ])
    ids: dict[str, int] = {}
    for part in chunks([d.name for d in new]):
        ids.update((name, cid) for name, cid in session.execute(
            select(Customer.name, Customer.id).where(Customer.name.in_(part))))
    for d in new:
        d.id = ids[d.name]


_LOAD_KEYS = ("load_number", "invoice_number", "subsidiary_id", "customer_id", "po_number",
              "pickup_date", "pickup_location", "delivery_date", "delivery_location",
              "linehaul_cents", "accessorials_cents", "total_cents", "status",
              "invoicing_method", "created_at", "import_id")


def _insert_loads(session: Session, rows: list[LoadRow], customer_ids: list[int | None],
                  sub_id: int, import_id: int, now: dt.datetime) -> None:
    # Core inserts (the table, not the mapped class): the ORM's bulk path costs 4x more.
    # On SQLite, the driver's executemany of tuples whose dates the columns' own bind
    # processors have written: SQLAlchemy 2.1 spends twice the driver's own time building
    # 50,000 parameter sets (profiled: _init_compiled, construct_params).
    table = Load.__table__
    connection = session.connection()
    dialect = connection.dialect
    if _copies(dialect) and not connection.exec_driver_sql(
            # COPY FROM refuses a table with row-level security on (for a login it applies
            # to): then the Core INSERT below
            "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(%s)",
            (table.name,)).scalar():
        _copy_loads(connection, rows, customer_ids, sub_id, import_id, now)
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=list(_LOAD_KEYS))
    if dialect.name == "sqlite" and tuple(compiled.positiontup or ()) == _LOAD_KEYS:
        def processed(key: str) -> Callable[[object], object]:
            # The dialect's own type (SQLite's DATE, DATETIME): the generic type has no
            # processor, and the driver's deprecated default adapters wrote the values (a
            # created_at without its microseconds when they were 0, unlike other rows).
            processor = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
            return processor or (lambda value: value)

        # Few distinct dates occur in a file: each is written out once, then looked up.
        write_date = processed("pickup_date")
        written: dict[dt.date | None, object] = {None: None}
        for r in rows:
            for day in (r.pickup_date, r.delivery_date):
                if day not in written:
                    written[day] = write_date(day)
        stamp, sub_value = processed("created_at")(now), processed("subsidiary_id")(sub_id)
        connection.exec_driver_sql(compiled.string, [
            (r.load_number, r.invoice_number, sub_value, cid, r.po_number,
             written[r.pickup_date], r.pickup_location, written[r.delivery_date],
             r.delivery_location, r.linehaul_cents, r.accessorials_cents, r.total_cents,
             r.status, r.invoicing_method, stamp, import_id)
            for r, cid in zip(rows, customer_ids, strict=True)
        ])
        return
    session.execute(table.insert(), [
        {
            "load_number": r.load_number, "invoice_number": r.invoice_number,
            "subsidiary_id": sub_id, "customer_id": cid, "po_number": r.po_number,
            "pickup_date": r.pickup_date, "pickup_location": r.pickup_location,
            "delivery_date": r.delivery_date, "delivery_location": r.delivery_location,
            "linehaul_cents": r.linehaul_cents, "accessorials_cents": r.accessorials_cents,
            "total_cents": r.total_cents, "status": r.status,
            "invoicing_method": r.invoicing_method, "created_at": now,
            "import_id": import_id,
        }
        for r, cid in zip(rows, customer_ids, strict=True)
    ])


def _copies(dialect: Dialect) -> bool:
    """Whether the loads go by COPY: PostgreSQL through psycopg 3."""
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _copy_loads(connection: Connection, rows: list[LoadRow], customer_ids: list[int | None],
                sub_id: int, import_id: int, now: dt.datetime) -> None:
    """PostgreSQL (psycopg 3): the loads through ``COPY ... FROM STDIN``, on the session's
    own connection, so in its transaction: a refusal or a clash rolls the COPY back with
    the rest. The values go as the Core path hands them to the driver (dates, a naive UTC
    ``created_at`` for the ``timestamp without time zone`` column), so a row reads back the
    same whichever path wrote it. A unique clash (another clerk imported the same load a
    moment ago) surfaces as SQLAlchemy's IntegrityError, as from the Core path."""
    import psycopg  # only here: the SQLite installs never load the PostgreSQL driver

    columns = ", ".join(f'"{key}"' for key in _LOAD_KEYS)
    statement = f'COPY "{Load.__tablename__}" ({columns}) FROM STDIN'
    raw = cast("psycopg.Connection[object]", connection.connection.dbapi_connection)
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for r, cid in zip(rows, customer_ids, strict=True):
                copy.write_row((
                    r.load_number, r.invoice_number, sub_id, cid, r.po_number,
                    r.pickup_date, r.pickup_location, r.delivery_date, r.delivery_location,
                    r.linehaul_cents, r.accessorials_cents, r.total_cents, r.status,
                    r.invoicing_method, now, import_id))
    except psycopg.IntegrityError as error:
        raise IntegrityError(statement, None, error) from error
    except psycopg.Error:
        if raw.broken:  # the server went away: the engine says so, as for any statement
            connection.exec_driver_sql("SELECT 1")
        raise
