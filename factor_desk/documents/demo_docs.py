"""Supporting documents for the demo carrier: a rate confirmation and a signed proof of
delivery per load, drawn with reportlab so they look like what a clerk attaches."""

from __future__ import annotations

import io
import random
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

# Fixed metadata so the same seed gives the same bytes.
_INVARIANT = 1


def _canvas(buffer: io.BytesIO, title: str) -> canvas.Canvas:
    c = canvas.Canvas(buffer, pagesize=LETTER, invariant=_INVARIANT, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Factor Desk demo")
    return c


def rate_confirmation_pdf(load: dict[str, Any], broker: dict[str, Any],
                          carrier: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    c = _canvas(buf, f"Rate Confirmation {load['load_number']}")
    w, h = LETTER
    c.setFont("Helvetica-Bold", 18)
    c.drawString(0.75 * inch, h - 0.9 * inch, broker["name"])
    c.setFont("Helvetica", 9)
    c.drawString(0.75 * inch, h - 1.1 * inch, f"MC {broker['mc_number']}  ·  {broker['address']}, "
                 f"{broker['city']}, {broker['state']} {broker['zip_code']}")
    c.setFont("Helvetica-Bold", 14)
    c.drawRightString(w - 0.75 * inch, h - 0.9 * inch, "CARRIER RATE CONFIRMATION")
    c.setFont("Helvetica", 10)
    c.drawRightString(w - 0.75 * inch, h - 1.1 * inch, f"Load # {load['load_number']}")
    y = h - 1.6 * inch
    rows = [
        ("Carrier", f"{carrier['name']}  (MC {carrier['mc_number']}, DOT {carrier['dot_number']})"),
        ("Reference / PO", load["po_number"]),
        ("Pickup", f"{load['pickup_location']}  on {load['pickup_date']}"),
        ("Delivery", f"{load['delivery_location']}  on {load['delivery_date']}"),
        ("Equipment", "53' Dry Van"),
        ("Commodity", load.get("commodity", "General freight")),
        ("Weight", f"{load.get('weight', 38000):,} lb"),
    ]
    for label, value in rows:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(0.75 * inch, y, label)
        c.setFont("Helvetica", 10)
        c.drawString(2.2 * inch, y, value)
        y -= 0.28 * inch
    y -= 0.2 * inch
    c.setFont("Helvetica-Bold", 11)
    c.drawString(0.75 * inch, y, "Rate")
    y -= 0.3 * inch
    c.setFont("Helvetica", 10)
    for description, amount in load["lines"]:
        c.drawString(1.0 * inch, y, description)
        c.drawRightString(4.5 * inch, y, f"${amount:,.2f}")
        y -= 0.25 * inch
    c.setFont("Helvetica-Bold", 10)
    c.drawString(1.0 * inch, y, "Total carrier pay")
    c.drawRightString(4.5 * inch, y, f"${load['total']:,.2f}")
    y -= 0.6 * inch
    c.setFont("Helvetica", 8)
    c.drawString(0.75 * inch, y, "Carrier agrees to the terms above. Invoice with signed POD to "
                 "the broker's billing department or to its factoring company.")
    y -= 0.8 * inch
    c.line(0.75 * inch, y, 3.5 * inch, y)
    c.line(4.5 * inch, y, 7.5 * inch, y)
    c.drawString(0.75 * inch, y - 12, "Broker signature")
    c.drawString(4.5 * inch, y - 12, "Carrier signature")
    c.showPage()
    c.save()
    return buf.getvalue()


def proof_of_delivery_pdf(load: dict[str, Any], carrier: dict[str, Any], seed: int) -> bytes:
    """A bill of lading with a receiver's signature and a 'delivered' stamp."""
    rng = random.Random(seed)
    buf = io.BytesIO()
    c = _canvas(buf, f"POD {load['load_number']}")
    w, h = LETTER
    c.setFont("Helvetica-Bold", 16)
    c.drawString(0.75 * inch, h - 0.9 * inch, "STRAIGHT BILL OF LADING")
    c.setFont("Helvetica", 9)
    c.drawRightString(w - 0.75 * inch, h - 0.9 * inch, f"BOL # {load['po_number']}")
    c.rect(0.75 * inch, h - 3.2 * inch, w - 1.5 * inch, 2.0 * inch)
    c.drawString(0.9 * inch, h - 1.5 * inch, f"Ship from: {load['pickup_location']}")
    c.drawString(0.9 * inch, h - 1.75 * inch, f"Ship to:   {load['delivery_location']}")
    c.drawString(0.9 * inch, h - 2.0 * inch, f"Carrier:   {carrier['name']}   "
                 f"Load # {load['load_number']}")
    c.drawString(0.9 * inch, h - 2.25 * inch, f"Pieces: {rng.randint(8, 26)} pallets   "
                 f"Weight: {load.get('weight', 38000):,} lb")
    c.drawString(0.9 * inch, h - 2.5 * inch, f"Delivered: {load['delivery_date']}")
    # the receiver's scrawl
    c.setLineWidth(1.2)
    x, y = 1.2 * inch, 2.2 * inch
    p = c.beginPath()
    p.moveTo(x, y)
    for _ in range(14):
        x += rng.uniform(6, 14)
        p.lineTo(x, y + rng.uniform(-10, 14))
    c.drawPath(p)
    c.setLineWidth(0.5)
    c.line(0.75 * inch, 2.0 * inch, 3.8 * inch, 2.0 * inch)
    c.drawString(0.75 * inch, 1.85 * inch, "Receiver signature / date")
    c.saveState()
    c.setStrokeColorRGB(0.75, 0.1, 0.1)
    c.setFillColorRGB(0.75, 0.1, 0.1)
    c.translate(5.4 * inch, 2.3 * inch)
    c.rotate(12)
    c.setLineWidth(2)
    c.roundRect(-1.0 * inch, -0.3 * inch, 2.0 * inch, 0.6 * inch, 6)
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(0, -0.08 * inch, "DELIVERED")
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()
