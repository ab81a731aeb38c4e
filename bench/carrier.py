"""The benches' carrier: one subsidiary, Bench Freight (BF), factored through Capital Depot,
and the loads files they import. Each bench keeps the shape it has always measured (which
columns, how many brokers, whether documents are required), so its figures stay comparable
from one run to the next."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

SUBSIDIARY = "Bench Freight"
FACTOR = "Capital Depot"


def make_carrier(db: Any, *, factor: bool = True, mc_number: str = "",
                 required_documents: list[str] | None = None,
                 remit_to: str = "Dallas, TX", noa: str = "NOTICE OF ASSIGNMENT") -> str:
    """Bench Freight, with Capital Depot and its Notice of Assignment unless ``factor`` is
    False (a bare subsidiary: enough to import loads). ``required_documents`` None: the
    trade's default (rate confirmation and proof of delivery). Returns its name."""
    from factor_desk.domain.trade import InfoKind
    from factor_desk.services import company

    fields: dict[str, Any] = {"code": "BF"}
    if mc_number:
        fields["mc_number"] = mc_number
    if required_documents is not None:
        fields["required_documents"] = required_documents
    with db.write() as work:
        if factor:
            company.add_factoring_company(work, FACTOR, remit_to=remit_to)
        company.add_subsidiary(work, SUBSIDIARY, **fields)
        if factor:
            company.set_factoring_company(work, SUBSIDIARY, FACTOR)
            company.set_important_info(work, SUBSIDIARY, InfoKind.NOTICE_OF_ASSIGNMENT, noa)
    return SUBSIDIARY


def write_loads(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A loads file as a TMS exports it: a header and one row per load."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def submit_all(db: Any) -> str:
    """Every eligible load of Bench Freight in one batch; its number."""
    from factor_desk.services.batches import submit_batch

    with db.write() as work:
        return submit_batch(work, SUBSIDIARY, all_eligible=True).batch
