"""Plain Python rules of the trade: money, dates, the billing lifecycle, errors. No Qt, no SQL."""
