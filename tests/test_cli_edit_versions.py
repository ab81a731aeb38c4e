"""The command line reads and writes at once, so it saves without a version; ``customers set
--if-version N`` saves only over version N (issue #15, two clerks at once)."""

from __future__ import annotations

import json

CUSTOMER = "Summit Freight Brokerage"


def _version(cli) -> int:
    listed = {c["name"]: c for c in json.loads(cli("customers", "list", "--json")[1])}
    return listed[CUSTOMER]["version"]


def test_customers_set_if_version_refuses_a_newer_customer(cli):
    cli("demo", "--loads", "1")
    seen = _version(cli)
    code, out, _ = cli("customers", "set", CUSTOMER, "--terms", "45", "--if-version", seen,
                       "--json")
    assert code == 0 and json.loads(out)["version"] == seen + 1
    code, _, err = cli("customers", "set", CUSTOMER, "--terms", "15", "--if-version", seen)
    assert code == 3
    assert f"test-clerk changed customer {CUSTOMER} at " in err
    assert "Nothing was saved." in err
    listed = {c["name"]: c for c in json.loads(cli("customers", "list", "--json")[1])}
    assert listed[CUSTOMER]["terms_days"] == 45
    assert cli("customers", "set", CUSTOMER, "--terms", "15")[0] == 0  # no version: saved
    assert _version(cli) == seen + 2
