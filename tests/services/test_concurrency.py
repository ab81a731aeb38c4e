"""Two clerks press Submit Batch on the same loads, or apply the factor's reports, at the
same moment, from two processes. Each load must end in exactly one batch, each report and
payment reference be applied once; the loser is refused and changes nothing."""

import multiprocessing as mp

import pytest
from helpers import attach_required, import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import func, select

from factor_desk.db.models import (
    Invoice,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    StatusHistory,
)

# Two processes race in every test here: seconds each.
pytestmark = pytest.mark.slow


def _submit(url, home, numbers, barrier, results):
    from factor_desk.db.database import Database, Location
    from factor_desk.domain.errors import InputRefused
    from factor_desk.services.desk import Desk

    db = Database(Location(url=url, home=home), migrate=False)
    with db.read() as s:  # connect before the race starts
        s.execute(select(1))
    barrier.wait()
    try:
        results.put(("ok", Desk(db).submit_batch("Acme Freight", numbers).loads))
    except InputRefused as exc:
        results.put(("refused", str(exc)))
    except Exception as exc:  # pragma: no cover - reported as the failure it is
        results.put(("bug", repr(exc)))
    finally:
        db.dispose()


def test_two_processes_submitting_overlapping_loads(db, tmp_path, home):
    make_carrier(db)
    numbers = [str(n) for n in range(1, 31)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row(n) for n in numbers]),
                 "Acme Freight")
    attach_required(db, tmp_path, numbers)
    ctx = mp.get_context("spawn")
    # Round 1: the very same loads. Round 2: overlapping halves.
    rounds = [(numbers[:10], numbers[:10]), (numbers[10:22], numbers[16:30])]
    for first, second in rounds:
        barrier = ctx.Barrier(2)
        results = ctx.Queue()
        procs = [ctx.Process(target=_submit, args=(db.location.url, home, n, barrier, results))
                 for n in (first, second)]
        for p in procs:
            p.start()
        outcomes = sorted(results.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        kinds = [k for k, _ in outcomes]
        assert kinds == ["ok", "refused"], outcomes
        assert "only Queued loads can be batched" in outcomes[1][1]

    with db.read() as s:
        per_load = dict(s.execute(
            select(Load.load_number, func.count(Invoice.id))
            .outerjoin(Invoice, Invoice.load_id == Load.id).group_by(Load.load_number)).all())
        invoiced = set(s.execute(select(Load.load_number).where(
            Load.status == "Invoiced")).scalars())
        history = s.execute(select(func.count()).select_from(StatusHistory).where(
            StatusHistory.to_status == "Invoiced")).scalar_one()
    assert all(n <= 1 for n in per_load.values())
    assert invoiced == {n for n, c in per_load.items() if c == 1}
    assert history == len(invoiced)
    # Round 1 made one batch of 10; round 2 one batch of 12 or 14.
    assert len(invoiced) in (22, 24)


# ------------------------------------------------------------------ the factor's reports
#
# Two clerks upload the factor's reports at the same moment. "Is this reference (this file,
# this invoice) already there?" followed by an insert lets both through on PostgreSQL at
# READ COMMITTED; the database itself must refuse the second.

ROUNDS = 20


def _report_worker(url, home, barrier, commands, results):
    from factor_desk.db.database import Database, Location
    from factor_desk.domain.errors import InputRefused
    from factor_desk.services.common import run_to_end
    from factor_desk.services.desk import Desk

    db = Database(Location(url=url, home=home), migrate=False)
    with db.read() as s:  # connect before the race starts
        s.execute(select(1))
    try:
        for kind, path, batch in iter(commands.get, None):
            barrier.wait(timeout=120)
            try:
                result = run_to_end(Desk(db).apply_report(kind, path, batch=batch,
                                                          allow_missing=True))
                results.put(("ok", result.import_id, ""))
            except InputRefused as exc:
                results.put(("refused", None, str(exc)))
            except Exception as exc:  # pragma: no cover - reported as the failure it is
                results.put(("bug", None, repr(exc)))
    finally:
        db.dispose()


def _csv(path, header, rows):
    from test_reports import write_csv

    return str(write_csv(path, header, rows))


def _scenario(name, tmp_path):
    """(kind, the two files, what the winner alone leaves) of each race."""
    from test_reports import PAYMENT_HEADER, PURCHASE_HEADER, payment_row, purchase_row

    if name == "payments with the same references":
        # Different invoices, same references: only the references can catch it.
        return "payments", (
            _csv(tmp_path / "pay-a.csv", PAYMENT_HEADER,
                 [payment_row("1", ref="R-1"), payment_row("2", ref="R-2")]),
            _csv(tmp_path / "pay-b.csv", PAYMENT_HEADER,
                 [payment_row("3", "990.00", ref="R-1"), payment_row("4", ref="R-2")]))
    if name == "the same payment file twice":
        path = _csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                    [payment_row(n) for n in "1234"])
        return "payments", (path, path)
    if name == "the same held-only purchase file twice":
        rows = [purchase_row(n, Status="Held - missing POD") for n in "1234"]
        first = _csv(tmp_path / "held.csv", PURCHASE_HEADER, rows)
        copy = tmp_path / "copy of held.csv"
        copy.write_bytes(tmp_path.joinpath("held.csv").read_bytes())
        return "purchase", (first, str(copy))
    assert name == "two purchase files buying the same invoice"
    # at different amounts: a later report that agrees with the one that bought an invoice
    # is already applied for that row (#12); one that disagrees is refused
    return "purchase", (
        _csv(tmp_path / "buy-a.csv", PURCHASE_HEADER, [purchase_row("1"), purchase_row("2")]),
        _csv(tmp_path / "buy-b.csv", PURCHASE_HEADER, [purchase_row("2", "1200.00"),
                                                       purchase_row("3")]))


def _money_state(db):
    """What the applied imports hold: references, purchases, flags, loads' statuses."""
    applied = ReportImport.status == "applied"
    with db.read() as s:
        imports = s.execute(select(ReportImport.id, ReportImport.kind, ReportImport.sha256)
                            .where(applied, ReportImport.kind != "loads")).all()
        payments = s.execute(select(Payment.reference_number, Payment.invoice_id,
                                    Payment.amount_cents, Payment.import_id)).all()
        records = s.execute(select(PurchaseRecord.invoice_id, PurchaseRecord.status,
                                   PurchaseRecord.import_id)).all()
        loads = dict(s.execute(select(Load.load_number, Load.status)).all())
    return imports, payments, records, loads


@pytest.mark.parametrize("name", ["payments with the same references",
                                  "the same payment file twice",
                                  "the same held-only purchase file twice",
                                  "two purchase files buying the same invoice"])
def test_two_processes_applying_reports_at_the_same_moment(db, batch, tmp_path, home, name):
    from test_reports import PURCHASE_HEADER, apply, purchase_row, undo

    kind, files = _scenario(name, tmp_path)
    report_batch = batch if kind == "purchase" else None
    if kind == "payments":
        apply(db, "purchase", _csv(tmp_path / "bought.csv", PURCHASE_HEADER,
                                   [purchase_row(n) for n in "1234"]), batch)
    start = _money_state(db)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    commands = [ctx.Queue(), ctx.Queue()]
    workers = [ctx.Process(target=_report_worker,
                           args=(db.location.url, home, barrier, q, results))
               for q in commands]
    for w in workers:
        w.start()
    alone: dict[str, tuple] = {}  # what each file leaves when it wins
    try:
        for round_ in range(ROUNDS):
            for q, path in zip(commands, files, strict=True):
                q.put((kind, path, report_batch))
            outcomes = sorted((results.get(timeout=120) for _ in workers),
                              key=lambda o: o[0])
            assert [o[0] for o in outcomes] == ["ok", "refused"], (round_, outcomes)
            winner = outcomes[0][1]
            message = outcomes[1][2]
            assert f"import #{winner}" in message, message
            assert "nothing was changed" in message, message
            imports, payments, records, loads = _money_state(db)
            new = [i for i in imports if i not in start[0]]
            assert [i[0] for i in new] == [winner], (round_, new)
            refs = [p[0] for p in payments]
            assert len(refs) == len(set(refs)), f"a reference applied twice: {payments}"
            bought = [r[0] for r in records if r[1] == "purchased"]
            assert len(bought) == len(set(bought)), f"an invoice bought twice: {records}"
            assert {r[2] for r in records if r not in start[2]} <= {winner}
            with db.read() as s:
                file_name = s.get(ReportImport, winner).file_name
            state = (sorted(p[:3] for p in payments),
                     sorted(r[:2] for r in records), loads)
            # the same file always leaves the same money, whichever process won
            assert alone.setdefault(file_name, state) == state
            undo(db, winner)  # and undo frees it for the next round
            assert _money_state(db) == start
    finally:
        for q in commands:
            q.put(None)
        for w in workers:
            w.join(timeout=60)
    assert all(w.exitcode == 0 for w in workers)


def _waiting_on_a_lock(db) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()").scalar())


def test_a_document_removed_while_a_batch_is_submitted_keeps_the_load_out(db, tmp_path):
    """Clerk A removes a load's proof of delivery while clerk B submits a batch with that
    load: B must not batch a load whose required document is gone."""
    import threading

    from factor_desk.domain.errors import InputRefused
    from factor_desk.services.desk import Desk
    from factor_desk.services.loads import remove_document

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing interleaves")
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [load_row("1")]), "Acme Freight")
    attach_required(db, tmp_path, ["1"])
    pod = next(d for d in Desk(db).load_detail("1")[1] if d.kind == "pod")
    outcome: list[object] = []

    def submit() -> None:
        try:
            outcome.append(Desk(db).submit_batch("Acme Freight", ["1"]))
        except Exception as exc:  # the refusal, or a bug: either is looked at below
            outcome.append(exc)

    clerk_b = threading.Thread(target=submit)
    with db.write() as work:
        remove_document(work, pod.id)  # clerk A's transaction, not committed yet
        clerk_b.start()
        waited = threading.Event()
        for _ in range(1000):  # B reaches the load A holds and waits for it (20 s at most)
            if _waiting_on_a_lock(db):
                break
            waited.wait(0.02)
        else:
            pytest.fail("the batch submit never waited for the load being changed")
    clerk_b.join(30)
    (result,) = outcome
    assert isinstance(result, InputRefused), result
    assert "no proof of delivery" in str(result)
    assert Desk(db).loads(status="Invoiced") == []
