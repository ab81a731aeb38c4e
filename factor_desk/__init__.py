"""Factor Desk: factor a trucking carrier's invoices through a non-API factoring company."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("factor-desk")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"
