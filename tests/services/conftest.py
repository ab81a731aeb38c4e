"""Fixtures the service tests share."""

import pytest
from helpers import submitted_batch
from helpers_files import replaced_office


@pytest.fixture
def batch(db, tmp_path):
    """Batch ACME-0001 of invoices 1..4 at $1,000.00; load 9 is Queued, not batched."""
    return submitted_batch(db, tmp_path)


@pytest.fixture
def billing_batch(db, team, tmp_path):
    """The same, submitted by the billing login (PostgreSQL: the ``team`` fixture)."""
    from factor_desk.domain.permissions import Permission

    return submitted_batch(db, tmp_path, desk=team.desk(Permission.BILLING))


@pytest.fixture
def office(tmp_path, sqlite_template):
    """A desk whose SQLite file another is moved over (helpers_files.replaced_office)."""
    yield from replaced_office(tmp_path, sqlite_template)
