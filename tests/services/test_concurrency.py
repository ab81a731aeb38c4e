"""Two clerks press Submit Batch on the same loads at the same moment, from two processes.
Each load must end in exactly one batch; the loser is refused and changes nothing."""

import multiprocessing as mp

from helpers import attach_required, load_row, make_carrier, write_loads_csv
from sqlalchemy import func, select

from factor_desk.db.models import Invoice, Load, StatusHistory


def _submit(url, home, numbers, barrier, results):
    from factor_desk.db.database import Database, Location
    from factor_desk.domain.errors import InputRefused
    from factor_desk.services.batches import submit_batch

    db = Database(Location(url=url, home=home), migrate=False)
    with db.read() as s:  # connect before the race starts
        s.execute(select(1))
    barrier.wait()
    try:
        results.put(("ok", submit_batch(db, "Acme Freight", numbers).loads))
    except InputRefused as exc:
        results.put(("refused", str(exc)))
    except Exception as exc:  # pragma: no cover - reported as the failure it is
        results.put(("bug", repr(exc)))
    finally:
        db.dispose()


def test_two_processes_submitting_overlapping_loads(db, tmp_path, home):
    make_carrier(db)
    numbers = [str(n) for n in range(1, 31)]
    import_loads_ = __import__("factor_desk.services.loads", fromlist=["import_loads"])
    import_loads_.import_loads(db, write_loads_csv(tmp_path / "l.csv",
                                                   [load_row(n) for n in numbers]),
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
