"""A demo carrier to try Factor Desk on: two subsidiaries, Capital Depot with its Notice of
Assignment on the first, customers, and Queued factoring loads with their rate
confirmations and proofs of delivery."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from factor_desk.db.models import (
    Company,
    Customer,
    Load,
    LoadCharge,
    SupportingDocument,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.documents.demo_docs import proof_of_delivery_pdf, rate_confirmation_pdf
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import to_cents
from factor_desk.domain.trade import DocumentKind, InfoKind, InvoicingMethod
from factor_desk.services import company as company_service
from factor_desk.services.common import current_user
from factor_desk.services.lifecycle import record_first_status

CAPITAL_DEPOT_REMIT_TO = "Capital Depot, Inc.\nP.O. Box 207431\nDallas, TX 75320-7431"
CAPITAL_DEPOT_NOA = (
    "NOTICE OF ASSIGNMENT: THIS INVOICE HAS BEEN ASSIGNED TO AND MUST BE PAID DIRECTLY TO "
    "CAPITAL DEPOT, INC., P.O. BOX 207431, DALLAS, TX 75320-7431. PAYMENT TO ANY OTHER "
    "PARTY DOES NOT DISCHARGE YOUR OBLIGATION. QUESTIONS: (214) 555-0142."
)

SUBSIDIARIES: list[dict[str, Any]] = [
    dict(name="Blue Ridge Freight LLC", code="BRF", legal_name="Blue Ridge Freight LLC",
         mc_number="MC-1184420", dot_number="3391022", address="1450 Industrial Pkwy",
         city="Roanoke", state="VA", zip_code="24012", phone="(540) 555-0190",
         email="billing@blueridgefreight.example"),
    dict(name="Blue Ridge Logistics Inc", code="BRL", legal_name="Blue Ridge Logistics Inc",
         mc_number="MC-1202315", dot_number="3412876", address="88 Commerce Dr",
         city="Salem", state="VA", zip_code="24153", phone="(540) 555-0123",
         email="ar@blueridgelogistics.example"),
]

CUSTOMERS = [
    ("Summit Freight Brokerage", "MC-612044", "200 Peachtree St NE", "Atlanta", "GA", "30303",
     30, None),
    ("Lone Star Logistics LLC", "MC-845210", "4100 Commerce St", "Dallas", "TX", "75226",
     30, None),
    ("Great Lakes Transport Partners", "MC-377105", "1 Lakeshore Dr", "Chicago", "IL",
     "60611", 45, None),
    ("Pacific Crest Shipping", "MC-903312", "700 Harbor Blvd", "Long Beach", "CA", "90802",
     30, None),
    ("Keystone Carrier Services", "MC-520871", "55 Market St", "Harrisburg", "PA", "17101",
     15, None),
    ("Mile High Freight Co", "MC-698034", "1600 Blake St", "Denver", "CO", "80202", 30, None),
    ("Bayou Brokerage Group", "MC-731559", "400 Poydras St", "New Orleans", "LA", "70130",
     30, None),
    # Pays the carrier directly: its loads are never factored.
    ("Carolina Direct Distributors", "MC-455870", "21 Tryon St", "Charlotte", "NC", "28202",
     30, InvoicingMethod.DIRECT.value),
]

CITIES = [
    "Atlanta, GA", "Dallas, TX", "Chicago, IL", "Memphis, TN", "Columbus, OH",
    "Charlotte, NC", "Nashville, TN", "Indianapolis, IN", "Kansas City, MO", "Denver, CO",
    "Phoenix, AZ", "Jacksonville, FL", "Richmond, VA", "Louisville, KY", "Harrisburg, PA",
]
COMMODITIES = ["Paper products", "Canned goods", "Auto parts", "Building materials",
               "Beverages", "Packaged food", "Furniture", "Household goods"]


@dataclass
class DemoResult:
    created: bool
    subsidiaries: list[str]
    loads: int
    message: str


def load_demo(work: Work, *, loads: int = 40, seed: int = 7) -> DemoResult:
    """Fill an empty database with the demo carrier (``work``: a write). A database that
    already holds a company is left as it is."""
    if work.execute(select(Company.id)).first():
        return DemoResult(False, [], 0,
                          "This database already holds a company; no demo data was added.")
    rng = random.Random(seed)
    user = current_user(work)
    today = dt.date.today()
    company_service.ensure_company(work, "Blue Ridge Transport Group")
    factor = company_service.add_factoring_company(
        work, "Capital Depot", remit_to=CAPITAL_DEPOT_REMIT_TO, fee_percent="2.5",
        advance_percent="97.5", reserve_percent="0",
    )
    names = []
    for i, fields in enumerate(SUBSIDIARIES):
        profile = company_service.add_subsidiary(
            work, **fields,
            default_invoicing_method=(InvoicingMethod.FACTORING if i == 0
                                      else InvoicingMethod.DIRECT).value,
        )
        names.append(profile.name)
    company_service.set_factoring_company(work, names[0], factor.name)
    company_service.set_important_info(
        work, names[0], InfoKind.NOTICE_OF_ASSIGNMENT, CAPITAL_DEPOT_NOA, user=user)
    work.execute(insert(Customer), [
        dict(name=n, mc_number=mc, address=a, city=c, state=s, zip_code=z, email="",
             terms_days=t, invoicing_method=m)
        for n, mc, a, c, s, z, t, m in CUSTOMERS
    ])
    customers = {name: cid for cid, name in work.execute(select(Customer.id,
                                                                    Customer.name))}
    subs = {p.name: p for p in company_service.get_profile(work).subsidiaries}
    factoring_customers = [c for c in CUSTOMERS if c[7] is None]

    plan = []  # (subsidiary, customer tuple, with documents)
    plan += [(names[0], rng.choice(factoring_customers), True) for _ in range(loads)]
    # Not eligible for a batch, so the grid and the lists show why:
    plan += [(names[0], CUSTOMERS[-1], True)] * 2  # the customer pays directly
    plan += [(names[1], rng.choice(CUSTOMERS), False) for _ in range(4)]  # direct billing
    now = utcnow()
    made: list[int] = []
    for n, (sub_name, cust, with_docs) in enumerate(plan):
        number = str(10001 + n) if sub_name == names[0] else f"L-{20001 + n}"
        origin, dest = rng.sample(CITIES, 2)
        pickup = today - dt.timedelta(days=rng.randint(3, 20))
        delivery = pickup + dt.timedelta(days=rng.randint(1, 3))
        linehaul = Decimal(rng.randrange(120000, 420000, 2500)) / 100
        charges = []
        if rng.random() < 0.35:
            charges.append(("Detention", Decimal(rng.choice([75, 150, 225]))))
        if rng.random() < 0.25:
            charges.append(("Lumper", Decimal(rng.choice([95, 140, 185]))))
        if rng.random() < 0.5:
            charges.append(("Fuel surcharge",
                            (linehaul * Decimal("0.12")).quantize(Decimal("0.01"))))
        accessorials = sum((a for _, a in charges), Decimal(0))
        total = linehaul + accessorials
        sub = subs[sub_name]
        load_id = work.execute(insert(Load).returning(Load.id), [dict(
            load_number=number, invoice_number=number, subsidiary_id=sub.id,
            customer_id=customers[cust[0]], po_number=f"PO-{rng.randint(100000, 999999)}",
            pickup_date=pickup, pickup_location=origin, delivery_date=delivery,
            delivery_location=dest, linehaul_cents=to_cents(linehaul),
            accessorials_cents=to_cents(accessorials), total_cents=to_cents(total),
            status=BillingStatus.QUEUED.value, invoicing_method=None, created_at=now,
        )]).scalar_one()
        if charges:
            work.execute(insert(LoadCharge), [
                dict(load_id=load_id, position=i, description=d, amount_cents=to_cents(a))
                for i, (d, a) in enumerate(charges, start=1)
            ])
        made.append(load_id)
        if not with_docs:
            continue
        load = dict(
            load_number=number, po_number=f"PO-{number}", pickup_location=origin,
            delivery_location=dest, pickup_date=pickup.strftime("%m/%d/%Y"),
            delivery_date=delivery.strftime("%m/%d/%Y"), total=total,
            lines=[("Linehaul", linehaul), *charges],
            commodity=rng.choice(COMMODITIES), weight=rng.randrange(18000, 44000, 500),
        )
        broker = dict(zip(("name", "mc_number", "address", "city", "state", "zip_code"),
                          cust[:6], strict=True))
        carrier = {"name": sub.name, "mc_number": sub.mc_number,
                   "dot_number": sub.dot_number}
        for kind, data, fname in (
            (DocumentKind.RATE_CONFIRMATION, rate_confirmation_pdf(load, broker, carrier),
             f"RateCon_{number}.pdf"),
            (DocumentKind.POD, proof_of_delivery_pdf(load, carrier, seed * 100003 + n),
             f"POD_{number}.pdf"),
        ):
            sha = work.store.put(work, data)
            work.add(SupportingDocument(
                load_id=load_id, kind=kind.value, file_name=fname,
                content_type="application/pdf", sha256=sha, size=len(data),
                added_at=now, added_by=user))
    record_first_status(work, made, BillingStatus.QUEUED, by=user, reason="Demo data")
    work.flush()
    return DemoResult(True, names, len(plan),
                      f"Demo carrier loaded: {len(plan)} loads, {loads} of them ready to "
                      f"factor in {names[0]}.")
