"""Attacks on versioned edits (issue #15): a form's save for a record another clerk renamed
since the form read it is told so, with the offer to reload (StaleEdit), not "no such
record"; nothing is saved."""

from __future__ import annotations

import helpers_versions
import pytest
from helpers_versions import ACME, sub_of

from factor_desk.domain.errors import NotFound
from factor_desk.domain.versions import StaleEdit

clerks = helpers_versions.clerks


def test_a_form_saved_for_a_subsidiary_renamed_since_is_told_to_reload(clerks):
    a, b = clerks
    seen = sub_of(a)  # A opens the Company profile; B renames the subsidiary
    (noa,) = [e for e in seen.important_info if e.kind == "notice_of_assignment"]
    b.edit_subsidiary(ACME, name="Acme Freight LLC", version=seen.version)
    saves = {
        "profile": lambda: a.edit_subsidiary(ACME, phone="555", version=seen.version),
        "factor": lambda: a.set_subsidiary_factor(ACME, None, version=seen.version),
        "NOA": lambda: a.save_important_info(ACME, noa.kind, "NOTICE: mine",
                                             version=noa.version),
        "NOA removed": lambda: a.remove_important_info(ACME, noa.kind,
                                                       version=noa.version),
    }
    for save in saves.values():
        with pytest.raises(StaleEdit, match=f"^{ACME} was renamed or removed after you "
                                            "opened it. Reload it"):
            save()
    after = sub_of(a, "Acme Freight LLC")
    assert (after.phone, after.factoring_company, after.version) == (
        seen.phone, seen.factoring_company, seen.version + 1)
    assert after.notice_of_assignment == seen.notice_of_assignment
    # without a version (the command line), a name that is not there is just not found
    with pytest.raises(NotFound):
        a.edit_subsidiary(ACME, phone="555")
