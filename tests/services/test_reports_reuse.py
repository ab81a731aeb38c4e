"""Applying the report just previewed uses the preview's parse again (a 50,000-row workbook
takes seconds to parse), but only when the file's bytes are still the same."""

from __future__ import annotations

import os

import pytest
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.reports import columns


@pytest.fixture
def parses(monkeypatch):
    """How many times a report file was parsed."""
    count = [0]
    real = columns.read_table_bytes

    def counted(*args, **kwargs):
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(columns, "read_table_bytes", counted)
    return count


@pytest.fixture
def financed(db, batch, tmp_path):
    rows = [purchase_row(n) for n in "1234"]
    run_to_end(Desk(db).apply_report("purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                                           rows), batch=batch))
    return db


def test_apply_after_preview_of_the_same_file_parses_it_once(financed, tmp_path, parses):
    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [payment_row("1"), payment_row("2")])
    desk = Desk(financed)
    run_to_end(desk.preview_report("payments", path))
    result = run_to_end(desk.apply_report("payments", path))
    assert parses[0] == 1
    assert result.rows_applied == 2
    # applied: a second apply reads the file again (and is refused: already imported)
    with pytest.raises(Exception, match="already imported"):
        run_to_end(desk.apply_report("payments", path))
    assert parses[0] == 2


def test_a_file_changed_between_preview_and_apply_is_read_again(financed, tmp_path, parses):
    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [payment_row("1", "1000.00")])
    desk = Desk(financed)
    seen = run_to_end(desk.preview_report("payments", path))
    assert [r.amount for r in seen.rows] == [1000]
    # Same size, same modification time, other bytes: still read again.
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b"1000.00", b"900.00 "))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    result = run_to_end(desk.apply_report("payments", path))
    assert parses[0] == 2
    assert [r.amount for r in result.preview.rows] == [900]
    assert result.preview.sha256 != seen.sha256
    assert desk.reconcile().batches[0].totals["paid"] == 900


def test_only_the_file_previewed_is_taken_from_the_preview(financed, tmp_path, parses):
    first = write_csv(tmp_path / "a.csv", PAYMENT_HEADER, [payment_row("1")])
    other = tmp_path / "b.csv"
    other.write_bytes(first.read_bytes())  # same bytes, another file: its own name
    desk = Desk(financed)
    run_to_end(desk.preview_report("payments", first))
    result = run_to_end(desk.apply_report("payments", other))
    assert parses[0] == 2
    assert result.file_name == "b.csv"
