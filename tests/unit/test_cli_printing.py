"""The command line's JSON writer: typed values in a service's result print as the text the
command line has always printed, so --json output does not change when a result carries
a datetime, a date, an amount or a kind instead of text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from factor_desk.cli import _plain
from factor_desk.cli.printing import print_json, table
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.trade import DocumentKind, InvoicingMethod


@dataclass
class _Result:
    at: dt.datetime
    on: dt.date
    amount: Decimal
    status: BillingStatus
    kinds: tuple[DocumentKind, ...]
    note: str | None = None


def test_typed_values_print_as_their_text():
    moment = dt.datetime(2026, 11, 28, 14, 5, 9, 123456)
    result = _Result(moment, dt.date(2026, 11, 30), Decimal("1250.50"), BillingStatus.QUEUED,
                     (DocumentKind.BOL, DocumentKind.POD))
    assert _plain(result) == {
        "at": "2026-11-28T14:05:09", "on": "2026-11-30", "amount": "1250.50",
        "status": "Queued", "kinds": ["bol", "pod"], "note": None}
    aware = moment.replace(microsecond=0, tzinfo=dt.UTC)
    assert _plain(aware) == "2026-11-28T14:05:09+00:00"  # as isoformat always gave it
    assert _plain({InvoicingMethod.FACTORING: [Decimal("0.10"), 3, True]}) == {
        "Factoring": ["0.10", 3, True]}
    assert type(_plain(result)["status"]) is str  # the value itself, not the enum


def test_a_typed_result_prints_the_same_json_as_its_text(capsys):
    typed = {"submitted_at": dt.datetime(2026, 11, 28, 14, 5, 9),
             "invoice_date": dt.date(2026, 11, 28), "total": Decimal("20388.00"),
             "status": BillingStatus.INVOICED, "method": InvoicingMethod.DIRECT}
    text = {"submitted_at": "2026-11-28T14:05:09", "invoice_date": "2026-11-28",
            "total": "20388.00", "status": "Invoiced", "method": "Direct"}
    print_json(typed)
    typed_out = capsys.readouterr().out
    print_json(text)
    assert typed_out == capsys.readouterr().out


def test_a_table_shows_typed_cells_as_their_text(capsys):
    table(["When (UTC)", "Due", "Status", "Rows"],
          [[dt.datetime(2026, 11, 28, 14, 5, 9), dt.date(2026, 12, 28),
            BillingStatus.FINANCED, 12]])
    typed_out = capsys.readouterr().out
    table(["When (UTC)", "Due", "Status", "Rows"],
          [["2026-11-28T14:05:09", "2026-12-28", "Financed", "12"]])
    assert typed_out == capsys.readouterr().out


def test_a_load_in_a_result_prints_as_an_object_not_an_array():
    """A LoadSummary is a tuple (made fast for 100,000-load lists): in --json it is still
    the object of its keys, as it was when it was a dataclass."""
    from factor_desk.services.loads import LoadSummary

    load = LoadSummary(7, "L7", "INV-7", "Bench Freight", "Broker", "MC-1", "PO-7",
                       dt.date(2026, 11, 20), "Dallas, TX", None, "Atlanta, GA", 125050,
                       "Queued", "Factoring", ("rate_confirmation",), ("pod",))
    out = _plain({"loads": [load]})["loads"][0]
    assert out == load.to_dict()
    assert out["amount"] == "1250.50" and out["pickup_date"] == "2026-11-20"
    assert out["missing_documents"] == ["pod"] and out["factor_flag"] is None
