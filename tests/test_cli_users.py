"""factor-desk users list / grant / revoke (issue #15), and a refusal for permission on
the command line: exit 3 with the permission named."""

from __future__ import annotations

import json

import pytest

from factor_desk.domain.permissions import Permission


def test_users_on_sqlite_is_refused_saying_the_one_clerk_may_do_everything(cli, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's answer; the server's is below")
    for args in (("users", "list"), ("users", "grant", "clerk2", "billing"),
                 ("users", "revoke", "clerk2", "billing")):
        code, out, err = cli(*args)
        assert code == 3, args
        assert "one clerk, who may do everything" in err and out == ""


def test_users_list_grant_and_revoke_as_the_admin_login(team, capsys):
    clerk = team.make_login()
    code, out, _ = team.cli(Permission.ADMIN, "users", "grant", clerk, "billing",
                            capsys=capsys)
    assert code == 0 and out == f"Granted: {clerk} has Billing permission.\n"
    code, out, _ = team.cli(Permission.ADMIN, "users", "list", "--json", capsys=capsys)
    assert code == 0
    listed = {u["login"]: u for u in json.loads(out)}
    assert listed[clerk] == {"login": clerk, "permission": "billing", "can_log_in": True,
                             "how": "factor_desk_billing"}
    for permission, login in team.logins.items():
        assert listed[login]["permission"] == permission.name.lower()
    assert listed["test-clerk"]["how"] == "database owner"
    code, out, _ = team.cli(Permission.ADMIN, "users", "list", capsys=capsys)
    assert code == 0 and out.splitlines()[0].split() == ["Login", "Permission", "Can",
                                                         "log", "in", "Why"]
    assert any(line.split()[:2] == [clerk, "Billing"] for line in out.splitlines())
    code, out, _ = team.cli(Permission.ADMIN, "users", "revoke", clerk, "billing",
                            capsys=capsys)
    assert code == 0 and out == f"Revoked: {clerk} has Viewer permission.\n"


def test_a_refused_permission_is_exit_3_naming_it(team, capsys):
    code, out, err = team.cli(Permission.VIEWER, "batch", "submit", "--subsidiary", "Acme",
                              "--all-eligible", capsys=capsys)
    assert code == 3 and out == ""
    viewer = team.logins[Permission.VIEWER]
    assert "needs the Billing permission" in err
    assert f"factor-desk users grant {viewer} billing" in err
    code, _, err = team.cli(Permission.BILLING, "users", "list", capsys=capsys)
    assert code == 3 and "Listing the users needs the Admin permission" in err
    code, _, err = team.cli(Permission.ADMIN, "users", "grant", "nobody_" + team.tag,
                            "viewer", capsys=capsys)
    assert code == 3 and "There is no login" in err and "CREATE ROLE" in err
    stranger = team.make_login()
    code, _, err = team.cli(stranger, "loads", "list", capsys=capsys)
    assert code == 3 and f"users grant {stranger} viewer" in err


def test_every_desk_job_that_writes_needs_billing_or_admin():
    """The one table of who may do what misses no job: a Desk method that opens a write
    transaction (or hands db.write to a step) is named in NEEDS, and NEEDS names only
    jobs the Desk has."""
    import inspect

    from factor_desk.services.desk import Desk
    from factor_desk.services.desk_team import NEEDS

    assert [job for job in NEEDS if not hasattr(Desk, job)] == []
    writers = {name for name, method in inspect.getmembers(Desk, inspect.isfunction)
               if "db.write" in inspect.getsource(inspect.unwrap(method))}
    assert {"import_loads", "submit_batch", "send_batch", "set_factor_terms"} <= writers
    assert sorted(writers - set(NEEDS)) == []
    assert all(NEEDS[job] >= Permission.BILLING for job in writers)
    assert NEEDS["users"] is NEEDS["grant_user"] is Permission.ADMIN


def test_revoking_from_the_owner_or_a_superuser_is_refused_and_revokes_nothing(team, capsys):
    """They keep Admin whatever roles they hold: "Revoked" would be a lie."""
    # the logins of this test only: another run on the same server makes and drops its own
    ours = {*team.logins.values(), "test-clerk", "postgres"}

    def users():
        return {u.login: u for u in team.desk(Permission.ADMIN).users() if u.login in ours}

    before = users()
    assert {"test-clerk", "postgres"} <= set(before)
    for login, why in (("test-clerk", "owns the database"),
                       ("postgres", "is a superuser of this database server")):
        code, out, err = team.cli(Permission.ADMIN, "users", "revoke", login, "viewer",
                                  capsys=capsys)
        assert code == 3 and out == "", login
        assert why in err and "nothing was revoked" in err and "ALTER " in err
    assert users() == before
