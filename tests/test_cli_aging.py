"""``reports aging``: the table, --json with money as text, --by, --as-of, and --to a file
(refused when a file is in the way, unless --replace)."""

import datetime as dt
import json

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import update

from factor_desk.db.models import Invoice
from factor_desk.services.desk import Desk


@pytest.fixture
def aged(db, cli, tmp_path):
    """Batch ACME-0001: load 1 (Alpha, 1000.00) due 2027-01-15, load 2 (Beta, 250.50) due
    2027-03-01."""
    make_carrier(db, required=())
    rows = [load_row("1", Customer="Alpha Logistics", **{"Customer MC": ""}, Total="1000.00",
                     Linehaul="1000.00", Accessorials=""),
            load_row("2", Customer="Beta Brokers", **{"Customer MC": ""}, Total="250.50",
                     Linehaul="250.50", Accessorials="")]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    Desk(db).submit_batch("Acme Freight", ["1", "2"])
    with db.write() as work:
        for number, due in (("1", dt.date(2027, 1, 15)), ("2", dt.date(2027, 3, 1))):
            work.execute(update(Invoice).where(Invoice.invoice_number == number)
                         .values(due_date=due))
    return cli


def test_aging_prints_the_buckets_and_json_gives_money_as_text(aged):
    code, out, _ = aged("reports", "aging", "--as-of", "2027-03-01")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Aging by debtor as of 2027-03-01 (days past due)"
    assert lines[1].split() == ["Debtor", "Current", "1-30", "days", "31-60", "days",
                                "61-90", "days", "Over", "90", "days", "Total"]
    assert lines[3].split() == ["Alpha", "Logistics", "$0.00", "$0.00", "$1,000.00",
                                "$0.00", "$0.00", "$1,000.00"]
    assert lines[-1].split() == ["Total", "$250.50", "$0.00", "$1,000.00", "$0.00", "$0.00",
                                 "$1,250.50"]
    code, out, _ = aged("reports", "aging", "--as-of", "2027-03-01", "--by", "batch",
                        "--json")
    assert code == 0
    assert json.loads(out) == {"as_of": "2027-03-01", "total": "1250.50", "rows": [
        {"name": "ACME-0001", "current": "250.50", "days_1_30": "0.00",
         "days_31_60": "1000.00", "days_61_90": "0.00", "days_over_90": "0.00",
         "total": "1250.50"}]}


def test_aging_usage_errors(aged):
    code, _, err = aged("reports", "aging", "--as-of", "someday")
    assert code == 2 and "--as-of" in err
    code, _, err = aged("reports", "aging", "--by", "factor")
    assert code == 2 and "invalid choice" in err


def test_aging_to_a_file_and_a_file_in_the_way(aged, tmp_path):
    target = tmp_path / "aging.csv"
    code, out, _ = aged("reports", "aging", "--as-of", "2027-03-01", "--to", target)
    assert code == 0 and f"saved to {target}" in out
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[-1] == "Total,250.50,0.00,1000.00,0.00,0.00,1250.50"
    code, _, err = aged("reports", "aging", "--to", target)
    assert code == 3 and "already exists" in err
    assert target.read_text(encoding="utf-8-sig") == text  # left as it was
    code, _, _ = aged("reports", "aging", "--as-of", "2027-04-01", "--to", target,
                      "--replace")
    assert code == 0 and target.read_text(encoding="utf-8-sig") != text
    code, _, err = aged("reports", "aging", "--to", tmp_path / "aging.txt")
    assert code == 3 and ".xlsx, .pdf or .csv" in err
    assert not (tmp_path / "aging.txt").exists()
    code, _, err = aged("reports", "aging", "--to", tmp_path / "nowhere" / "aging.pdf")
    assert code == 3 and "does not exist" in err
    assert sorted(p.name for p in tmp_path.iterdir() if "aging" in p.name) == ["aging.csv"]
