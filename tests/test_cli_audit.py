"""``factor-desk audit``: who did what, when, to which loads and batches, from which file,
as a table or --json; --user (any case), --since (MM/DD/YYYY or YYYY-MM-DD), --limit."""

import datetime as dt
import json

import pytest
from helpers import import_loads, load_row, make_carrier, users_not_stamped, write_loads_csv

from factor_desk.services import loads as load_service
from factor_desk.services.desk import Desk


@pytest.fixture
def worked(db, cli, tmp_path):
    """loads.csv (loads 1, 2, 3) imported and batch ACME-0001 of 1 and 2 submitted by
    test-clerk; load 3 voided by Clerk2."""
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [load_row(n) for n in "123"]),
                 "Acme Freight")
    Desk(db).submit_batch("Acme Freight", ["1", "2"])
    with db.write() as work, users_not_stamped(work):
        work.user = "Clerk2"
        load_service.void_loads(work, ["3"], reason="duplicate of 2")
    return cli


def test_json_names_who_what_loads_batch_and_file(worked):
    code, out, _ = worked("audit", "--json")
    assert code == 0
    log = json.loads(out)
    assert log["more"] is False and log["user"] is None and log["since"] is None
    entries = log["entries"]
    assert [(e["user"], e["action"]) for e in entries] == [
        ("Clerk2", "voided"), ("test-clerk", "submitted_batch"),
        ("test-clerk", "imported_loads"), ("test-clerk", "saved_info")]
    voided, submitted, imported, _noa = entries
    assert (voided["loads"], voided["detail"], voided["what"]) == (
        ["3"], "duplicate of 2", "Voided a load")
    assert (submitted["batch"], submitted["loads"], submitted["load_count"]) == (
        "ACME-0001", ["1", "2"], 2)
    assert (imported["file"], imported["load_count"]) == ("loads.csv", 3)
    assert dt.datetime.fromisoformat(voided["when"]).date() == dt.datetime.now(dt.UTC).date()


def test_the_table_and_the_filters(worked):
    code, out, _ = worked("audit")
    assert code == 0
    header, rule, *rows = out.splitlines()
    assert header.split()[:6] == ["When", "(UTC)", "Who", "What", "Loads", "Batch"]
    assert "File" in header and "Detail" in header and set(rule) <= {"-", " "}
    assert len(rows) == 4 and "Clerk2" in rows[0] and "Voided a load" in rows[0]
    assert "3 loads: 1, 2, 3" in rows[2] and "loads.csv" in rows[2]

    code, out, _ = worked("audit", "--user", "CLERK2", "--json")
    assert [e["loads"] for e in json.loads(out)["entries"]] == [["3"]]
    today = dt.datetime.now(dt.UTC).date()
    for written in (f"{today:%m/%d/%Y}", today.isoformat()):
        code, out, _ = worked("audit", "--since", written, "--json")
        assert code == 0 and len(json.loads(out)["entries"]) == 4
    code, out, _ = worked("audit", "--since", f"{today + dt.timedelta(days=1):%m/%d/%Y}",
                          "--user", " clerk2 ")
    assert code == 0 and out.startswith("Nothing was done by clerk2 since ")


def test_a_limit_says_that_older_entries_were_left_out(worked):
    code, out, _ = worked("audit", "--limit", "2")
    assert code == 0
    assert "The newest 2 entries; older ones were left out" in out
    code, out, _ = worked("audit", "--limit", "2", "--json")
    assert json.loads(out)["more"] is True and len(json.loads(out)["entries"]) == 2


@pytest.mark.parametrize("args, message", [
    (("--since", "13/45/2026"), "--since: "),
    (("--limit", "0"), "--limit: give a number of entries, 1 or more")])
def test_a_bad_day_or_limit_is_a_usage_error(worked, args, message):
    code, out, err = worked("audit", *args)
    assert code == 2 and out == "" and message in err
