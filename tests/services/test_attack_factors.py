"""Attacks on #14's factor profiles: a factor whose name starts with a capital letter
outside A-Z (SQLite's lower() lowers A-Z only)."""

from __future__ import annotations

import pytest

from factor_desk.domain.errors import InputRefused
from factor_desk.services.desk import Desk


def test_a_factor_named_with_an_accented_capital_is_found_in_any_case(db, batch):
    desk = Desk(db)
    added = desk.add_factor("Éclair Factoring", remit_to="Éclair Factoring\nBox 1")
    assert added.name == "Éclair Factoring"
    assert desk.factor_profile("éclair factoring").name == "Éclair Factoring"
    with pytest.raises(InputRefused, match="'Éclair Factoring' already exists"):
        desk.add_factor("ÉCLAIR FACTORING", remit_to="Box 2")
    desk.set_factor("ÉCLAIR factoring", email="s@eclair.test")
    change = desk.set_subsidiary_factor("Acme Freight", "éclair factoring")
    assert change.profile.factoring_company == "Éclair Factoring"
    assert sorted(f.name for f in desk.factors()) == ["Capital Depot", "Éclair Factoring"]
