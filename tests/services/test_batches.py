import datetime as dt
from decimal import Decimal

import pytest
from helpers import (
    NOA,
    attach_required,
    dump,
    import_loads,
    load_row,
    make_carrier,
    write_loads_csv,
)
from sqlalchemy import select

from factor_desk.db.models import Invoice, StatusHistory
from factor_desk.domain.errors import InputRefused
from factor_desk.services import batches, company
from factor_desk.services.loads import list_loads


@pytest.fixture
def carrier(db, tmp_path):
    """Acme Freight with Queued factoring loads 1..4 carrying their documents."""
    make_carrier(db)
    rows = [load_row(str(n), Total=f"{1000 + n}.25", Linehaul=f"{1000 + n}.25",
                     Accessorials="") for n in range(1, 5)]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    attach_required(db, tmp_path, ["1", "2", "3", "4"])
    return db


def _submit(db, *args, **kwargs):
    with db.write() as work:
        return batches.submit_batch(work, *args, **kwargs)


def _statuses(db):
    with db.read() as s:
        return {ld.load_number: ld.status for ld in list_loads(s)}


def test_submit_invoices_the_loads_in_one_numbered_batch(carrier):
    summary = _submit(carrier, "Acme Freight", ["1", "3"],
                                   invoice_date=dt.date(2026, 11, 27))
    assert (summary.batch, summary.invoices, summary.total, summary.loads) == (
        "ACME-0001", 2, Decimal("2004.50"), ["1", "3"])
    assert _statuses(carrier) == {"1": "Invoiced", "2": "Queued", "3": "Invoiced",
                                  "4": "Queued"}
    with carrier.read() as s:
        detail = batches.show_batch(s, "acme-0001")
        history = s.execute(select(StatusHistory).where(
            StatusHistory.to_status == "Invoiced")).scalars().all()
    assert [i.invoice_number for i in detail.invoice_lines] == ["1", "3"]
    assert detail.invoice_lines[0].due_date == dt.date(2026, 12, 27)  # Net 30
    assert detail.status == "Submitted"
    assert len(history) == 2
    assert all(h.from_status == "Queued" and h.batch_id == summary.id
               and h.reason == "Submitted in batch ACME-0001" for h in history)
    second = _submit(carrier, "ACME", all_eligible=True)
    assert (second.batch, second.loads) == ("ACME-0002", ["2", "4"])


def test_the_notice_of_assignment_is_frozen_on_each_invoice(carrier):
    _submit(carrier, "Acme Freight", ["1"])
    with carrier.write() as s:
        company.set_important_info(s, "Acme Freight", "noa", "A NEW FACTOR'S TEXT")
        company.update_subsidiary(s, "Acme Freight", mc_number="MC-CHANGED")
    with carrier.read() as s:
        invoice = s.execute(select(Invoice)).scalar_one()
    assert invoice.noa_text == NOA
    assert invoice.snapshot["carrier"]["mc_number"] == "MC-111"
    assert invoice.snapshot["factor"]["name"] == "Capital Depot"
    assert [d["kind"] for d in invoice.snapshot["documents"]] == ["rate_confirmation", "pod"]
    assert invoice.snapshot["lines"] == [{"description": "Linehaul", "amount": "1001.25"}]


def _refused(db, *args, **kwargs):
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        _submit(db, *args, **kwargs)
    assert dump(db) == before, "a refused batch must change nothing"
    return str(err.value)


def test_refused_without_a_notice_of_assignment(carrier):
    with carrier.write() as s:
        company.remove_important_info(s, "Acme Freight", "noa")
    message = _refused(carrier, "Acme Freight", ["1"])
    assert "Acme Freight has no Notice of Assignment" in message
    assert "Manage Important Info" in message


def test_refused_when_a_load_is_no_longer_eligible(carrier):
    _submit(carrier, "Acme Freight", ["1"])
    message = _refused(carrier, "Acme Freight", ["1", "2"])
    assert "Load 1 is Invoiced; only Queued loads can be batched." in message
    assert _statuses(carrier)["2"] == "Queued"


def test_refused_when_a_required_document_is_missing(carrier, tmp_path):
    import_loads(carrier, write_loads_csv(tmp_path / "more.csv", [load_row("9")]),
                 "Acme Freight")
    message = _refused(carrier, "Acme Freight", all_eligible=True)
    assert "Load 9 has no rate confirmation and proof of delivery" in message
    with carrier.write() as s:
        company.set_required_documents(s, "Acme Freight", [])
    assert _submit(carrier, "Acme Freight", ["9"]).invoices == 1


def test_refused_for_unknown_direct_billed_or_other_subsidiarys_loads(carrier, tmp_path):
    import_loads(carrier, write_loads_csv(tmp_path / "d.csv", [load_row(
        "7", **{"Invoicing Method": "Direct"})]), "Acme Freight")
    import_loads(carrier, write_loads_csv(tmp_path / "e.csv", [load_row("8")]), "Beta Haulers")
    message = _refused(carrier, "Acme Freight", ["7", "8", "99"])
    assert "Load 7 is billed Direct, not by factoring" in message
    assert "Load 8 belongs to another subsidiary" in message
    assert "Load 99 is not in Factor Desk" in message
    assert "3 problems" in message


def test_refused_when_nothing_is_selected(carrier):
    assert "No loads were selected" in _refused(carrier, "Acme Freight", [])
    _submit(carrier, "Acme Freight", all_eligible=True)
    assert "no Queued loads billed by factoring" in _refused(
        carrier, "Acme Freight", all_eligible=True)


def test_refused_without_a_factoring_company(carrier, tmp_path):
    with carrier.write() as s:
        company.set_important_info(s, "Beta Haulers", "noa", NOA)
    assert "Beta Haulers has no factoring company" in _refused(carrier, "Beta Haulers", ["1"])


def test_batches_are_numbered_per_subsidiary_and_listed_newest_first(carrier, tmp_path):
    with carrier.write() as s:
        company.set_important_info(s, "Beta Haulers", "noa", NOA)
        company.set_factoring_company(s, "Beta Haulers", "Capital Depot")
    import_loads(carrier, write_loads_csv(tmp_path / "b.csv", [load_row("B1")]), "Beta Haulers")
    attach_required(carrier, tmp_path, ["B1"])
    _submit(carrier, "Acme Freight", ["1"])
    _submit(carrier, "Beta Haulers", ["B1"])
    _submit(carrier, "Acme Freight", ["2"])
    with carrier.read() as s:
        listed = batches.list_batches(s)
        assert batches.find_batch(s, "2").label == "ACME-0002"
        with pytest.raises(InputRefused, match="ambiguous: ACME-0001, BETA-0001"):
            batches.find_batch(s, "1")
    assert [b.batch for b in listed] == ["ACME-0002", "BETA-0001", "ACME-0001"]


def test_eligible_loads_leave_out_batched_ones(carrier):
    _submit(carrier, "Acme Freight", ["2"])
    from factor_desk.services.loads import eligible_loads

    with carrier.read() as s:
        assert [ld.load_number for ld in eligible_loads(s, "Acme Freight")] == ["1", "3", "4"]


def test_batch_status_follows_its_loads():
    assert batches.batch_status({"Invoiced": 3}) == "Submitted"
    assert batches.batch_status({"Invoiced": 1, "Financed": 2}) == "Partially purchased"
    assert batches.batch_status({"Financed": 1, "Completed": 2}) == "Partially paid"
    assert batches.batch_status({"Financed": 2}) == "Purchased"
    assert batches.batch_status({"Invoiced": 1, "Completed": 1}) == "Partially purchased"
    assert batches.batch_status({}, recalled=1) == "Closed"
    assert batches.batch_status({"Invoiced": 1}, reversed_=True) == "Reversed"
    assert batches.batch_status({"Completed": 3}) == "Closed"
    # a charged-back invoice was bought, then given back: not "partially purchased"
    assert batches.batch_status({"Financed": 1, "Charged back": 1}) == "Purchased"
    assert batches.batch_status({"Charged back": 1, "Completed": 1}) == "Partially paid"
