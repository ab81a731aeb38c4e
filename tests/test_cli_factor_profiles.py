"""The command line of issue #14's factors as records: factors list/show/add/set with the
profile (remit-to, email, default NOA, integration), company set-factor with its warning,
and the Company profile's twins: add-subsidiary, set, remove-noa; set-noa's warning."""

from __future__ import annotations

import json

import pytest

FREIGHT = "Blue Ridge Freight LLC"  # the demo's factoring subsidiary (Capital Depot, NOA)
RTS_NOA = "NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL SERVICE, INC., P.O. BOX 840267, DALLAS"


def _json(out):
    return json.loads(out)


def _sub(cli, name):
    profile = _json(cli("company", "show", "--json")[1])
    return next(s for s in profile["subsidiaries"] if s["name"] == name)


def test_factors_add_show_list_and_set_the_profile(cli, tmp_path):
    cli("demo", "--loads", "1")
    code, out, err = cli("factors", "add", "RTS Financial", "--remit-to",
                         "RTS Financial Service, Inc.; P.O. Box 840267; Dallas, TX 75284",
                         "--email", "schedules@rtsfinancial.com", "--fee", "3%", "--reserve",
                         "10", "--json")
    assert (code, err) == (0, "")
    added = _json(out)
    assert (added["name"], added["remit_to"], added["email"], added["integration"],
            added["advance_percent"], added["fee"], added["subsidiaries"]) == (
        "RTS Financial", "RTS Financial Service, Inc.\nP.O. Box 840267\nDallas, TX 75284",
        "schedules@rtsfinancial.com", "non_api", "87.00", "3%", [])
    noa = tmp_path / "noa.txt"
    noa.write_text(RTS_NOA + "\n", encoding="utf-8")
    code, out, _ = cli("factors", "set", "rts financial", "--noa-file", noa, "--integration",
                       "email", "--advance", "86")
    assert code == 0 and "Integration: email (batch emailed to the factor)" in out
    shown = _json(cli("factors", "show", "RTS FINANCIAL", "--json")[1])
    assert (shown["default_noa"], shown["integration"], shown["advance_percent"]) == (
        RTS_NOA, "email", "86.00")
    code, out, _ = cli("factors", "show", "Capital Depot")
    assert code == 0 and f"Subsidiaries: {FREIGHT}" in out and "Email: -" in out
    code, out, _ = cli("factors", "list")
    assert code == 0
    header, _rule, *rows = out.splitlines()
    assert header.split("  ")[0] == "Factoring company" and "Remit to" in header \
        and "Email" in header and "Integration" in header
    rts = next(r for r in rows if r.startswith("RTS Financial"))
    assert "schedules@rtsfinancial.com" in rts and "RTS Financial Service, Inc., P.O. Box" \
        in rts and rts.rstrip().endswith("email")
    listed = {f["name"]: f for f in _json(cli("factors", "list", "--json")[1])}
    assert listed["Capital Depot"]["email"] == "" and listed["RTS Financial"]["email"]


@pytest.mark.parametrize("args, message", [
    (("factors", "add", "capital depot", "--remit-to", "x"), "already exists"),
    (("factors", "add", "RTS", "--remit-to", "x", "--email", "rts.com"), "Email is 'rts.com'"),
    (("factors", "add", "RTS", "--remit-to", "x", "--integration", "email"),
     "RTS has no email address"),
    (("factors", "set", "Capital Depot", "--email", "a b@c.com"), "no spaces"),
    (("factors", "set", "Capital Depot", "--integration", "email"), "has no email address"),
    (("company", "set-factor", "--subsidiary", FREIGHT, "Nobody"), "No factoring company"),
    (("company", "add-subsidiary", "Blue Ridge Freight LLC"), "already exists"),
    (("company", "set", "--subsidiary", FREIGHT, "--method", "barter"),
     "expected Factoring or Direct"),
])
def test_refusals_exit_3_and_change_nothing(cli, args, message):
    cli("demo", "--loads", "1")
    before = cli("company", "show", "--json")[1], cli("factors", "list", "--json")[1]
    code, out, err = cli(*args, "--json")
    assert code == 3 and message in err
    assert _json(out)["ok"] is False
    assert (cli("company", "show", "--json")[1], cli("factors", "list", "--json")[1]) == before


@pytest.mark.parametrize("args", [
    ("factors", "add", "RTS"),  # --remit-to is required
    ("factors", "set", "Capital Depot", "--noa-text", "x", "--noa-file", "f"),
    ("factors", "set", "Capital Depot", "--integration", "fax"),
    ("company", "set", "--subsidiary", FREIGHT),  # nothing to change
    ("company", "set-factor", "--subsidiary", FREIGHT),  # no factor, no --none
])
def test_usage_errors_exit_2(cli, args):
    cli("demo", "--loads", "1")
    assert cli(*args)[0] == 2


def test_set_factor_warns_on_stderr_and_in_json_but_is_done(cli):
    cli("demo", "--loads", "1")
    cli("factors", "add", "RTS Financial", "--remit-to", "RTS Financial Service, Inc.")
    code, out, err = cli("company", "set-factor", "--subsidiary", FREIGHT, "rts financial",
                         "--json")
    assert code == 0
    body = _json(out)
    assert body["factoring_company"] == "RTS Financial"
    (warning,) = body["warnings"]
    assert warning.startswith(f"The Notice of Assignment of {FREIGHT} does not name RTS "
                              "Financial")
    assert err.strip() == f"Warning: {warning}"
    assert _sub(cli, FREIGHT)["factoring_company"] == "RTS Financial"
    code, out, err = cli("company", "set-noa", "--subsidiary", FREIGHT, "--text", RTS_NOA)
    assert (code, err) == (0, "")  # names the factor: nothing to warn about
    code, out, err = cli("company", "set-noa", "--subsidiary", FREIGHT, "--text",
                         "PAY CAPITAL DEPOT", "--json")
    assert code == 0 and _json(out)["warnings"] == [err.strip().removeprefix("Warning: ")]
    assert "does not name RTS Financial" in err
    code, out, err = cli("company", "set-factor", "--subsidiary", FREIGHT, "--none")
    assert (code, err) == (0, "") and "no factoring company" in out


def test_batches_keep_their_factor_in_batch_show_and_list(cli):
    cli("demo", "--loads", "4")
    cli("factors", "add", "RTS Financial", "--remit-to", "RTS Financial Service, Inc.")
    loads = [ld["load_number"] for ld in _json(cli("loads", "list", "--subsidiary", FREIGHT,
                                                   "--eligible", "--json")[1])]
    old = _json(cli("batch", "submit", "--subsidiary", FREIGHT, "--loads",
                    ",".join(loads[:2]), "--json")[1])["batch"]
    assert cli("company", "set-factor", "--subsidiary", FREIGHT, "RTS Financial")[0] == 0
    cli("company", "set-noa", "--subsidiary", FREIGHT, "--text", RTS_NOA)
    new = _json(cli("batch", "submit", "--subsidiary", FREIGHT, "--loads",
                    ",".join(loads[2:]), "--json")[1])["batch"]
    assert _json(cli("batch", "show", old, "--json")[1])["factoring_company"] == \
        "Capital Depot"
    assert _json(cli("batch", "show", new, "--json")[1])["factoring_company"] == \
        "RTS Financial"
    listed = {b["batch"]: b["factoring_company"]
              for b in _json(cli("batch", "list", "--json")[1])}
    assert listed == {old: "Capital Depot", new: "RTS Financial"}


def test_add_subsidiary_set_and_remove_noa(cli):
    cli("demo", "--loads", "1")
    cli("factors", "set", "Capital Depot", "--noa-text", "PAY CAPITAL DEPOT, INC. ONLY")
    code, out, err = cli("company", "add-subsidiary", "Granite Haulers", "--code", "gh",
                         "--mc", "MC-5", "--dot", "77", "--city", "Tulsa", "--state", "OK",
                         "--factor", "capital depot", "--method", "Direct", "--json")
    assert (code, err) == (0, "")
    added = _json(out)
    assert (added["code"], added["mc_number"], added["dot_number"], added["city"],
            added["factoring_company"], added["default_invoicing_method"],
            added["warnings"]) == ("GH", "MC-5", "77", "Tulsa", "Capital Depot", "Direct", [])
    assert added["important_info"][0]["text"] == "PAY CAPITAL DEPOT, INC. ONLY"
    code, out, _ = cli("company", "set", "--subsidiary", "GH", "--phone", "555-0100",
                       "--address", "1 Main St", "--zip", "74101", "--email",
                       "ops@granite.com", "--method", "factoring")
    assert code == 0 and "Granite Haulers saved" in out
    sub = _sub(cli, "Granite Haulers")
    assert (sub["phone"], sub["address"], sub["zip_code"], sub["email"],
            sub["default_invoicing_method"], sub["mc_number"]) == (
        "555-0100", "1 Main St", "74101", "ops@granite.com", "Factoring", "MC-5")
    code, out, _ = cli("company", "remove-noa", "--subsidiary", "Granite Haulers")
    assert code == 0 and "removed" in out
    assert _sub(cli, "Granite Haulers")["important_info"] == []
    assert cli("company", "remove-noa", "--subsidiary", "Granite Haulers")[0] == 3
    code, out, err = cli("company", "add-subsidiary", "Slate Lines")  # no factor: no NOA
    assert code == 0 and "Notice of Assignment not set yet" in out
