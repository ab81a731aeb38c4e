"""Errors a user can cause. Each carries a message a billing clerk understands.

Anything else that escapes is a bug and is shown as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input: where it is and what was expected."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _rebuild(cls, state: dict) -> FactorDeskError:
    error = Exception.__new__(cls)
    error.__dict__.update(state["attrs"])
    error.args = state["args"]
    return error


class FactorDeskError(Exception):
    """Base of every error the user can cause; the database is left as it was."""

    def __reduce__(self):
        # Subclasses take other arguments than they store: pickle the state itself, so an
        # error raised in a worker process reaches the window whole.
        return _rebuild, (self.__class__, {"attrs": dict(self.__dict__), "args": self.args})


class InputRefused(FactorDeskError):
    """The request was refused and nothing was changed. Holds every reason found."""

    def __init__(self, problems: Iterable[Problem | str], summary: str | None = None):
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        self.summary = summary or (
            self.problems[0].message if len(self.problems) == 1 else
            f"{len(self.problems)} problems found; nothing was changed."
        )
        super().__init__(self.summary)

    def __str__(self) -> str:
        if len(self.problems) == 1 and self.summary == self.problems[0].message:
            return str(self.problems[0])
        lines = [self.summary] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class NotFound(InputRefused):
    """A thing the user named does not exist."""

    def __init__(self, message: str):
        super().__init__([Problem(message)])


class LifecycleError(InputRefused):
    """A billing status move that the lifecycle does not allow."""

    def __init__(self, message: str):
        super().__init__([Problem(message)])
