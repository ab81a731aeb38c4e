"""What every PDF Factor Desk writes shares: binary streams, fixed dates and ids, text that
the standard fonts can show."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from typing import BinaryIO

from reportlab import rl_config
from reportlab.pdfgen import canvas

# reportlab's default ASCII85 encoding of image streams runs in pure Python and costs about
# 0.3 s per scanned page; PDF carries binary streams perfectly well.
rl_config.useA85 = 0

PRODUCER = "Factor Desk"


def date_formatter(when: dt.datetime) -> Callable[..., str]:
    """A reportlab date formatter that always gives ``when``: the same batch exported twice
    gives the same bytes."""
    stamp = when.strftime("D:%Y%m%d%H%M%S+00'00'")
    return lambda *_args: stamp


def new_canvas(out: BinaryIO, *, title: str, created: dt.datetime,
               pagesize: tuple[float, float]) -> canvas.Canvas:
    # invariant=1: no wall-clock date, and a document id made from the content.
    c = canvas.Canvas(out, pagesize=pagesize, invariant=1, pageCompression=1)
    c.setDateFormatter(date_formatter(created))
    c.setTitle(title)
    c.setCreator(PRODUCER)
    c.setProducer(PRODUCER)
    return c


def pdf_text(text: object) -> str:
    """Text the standard PDF fonts can draw (Windows-1252); anything else becomes '?'.
    Composed first (NFC): ``e`` + combining accent, as macOS and some TMS exports write
    it, prints as ``é``, not ``e?``."""
    s = "" if text is None else unicodedata.normalize("NFC", str(text))
    return s.encode("cp1252", errors="replace").decode("cp1252")
