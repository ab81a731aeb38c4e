"""What every table of db/models.py stands on: the declarative base with its constraint
names, the column types of money and time, and the columns of a row two clerks may edit."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, cast

from sqlalchemy import BigInteger, DateTime, Index, Integer, MetaData, String, Table, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints so that Alembic's batch mode can alter them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model here is mapped to one Table (not a join or a select); SQLAlchemy
        # types it as any FromClause, which has no insert().
        __table__: ClassVar[Table]


def max_length(model: type[Base], column: str) -> int:
    """The most characters the database keeps in a String column of ``model``."""
    length = cast(String, model.__table__.c[column].type).length
    if length is None:
        raise TypeError(f"{model.__name__}.{column} has no length")
    return length


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


Cents = BigInteger
Stamp = DateTime  # naive UTC everywhere; both databases keep it as given


def partial_unique(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows ``where`` holds, on PostgreSQL and SQLite alike."""
    return Index(name, *columns, unique=True, postgresql_where=text(where),
                 sqlite_where=text(where))


class Versioned:
    """A row two clerks may edit at once (migration 0010): ``version`` goes up by one with
    every edit saved (services/edit_versions.py), which names who saved it and when; a form
    keeps the version it showed, and its save is refused once the row has moved on."""

    # Server defaults only: a Python-side default would make every INSERT of loads name
    # these columns (services.common.insert_rows then leaves its fast SQLite path).
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    changed_by: Mapped[str] = mapped_column(String(100), server_default="")
    changed_at: Mapped[dt.datetime | None] = mapped_column(Stamp)  # UTC; None: not since 0010
