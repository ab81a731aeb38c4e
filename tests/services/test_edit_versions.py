"""Two clerks at once (issue #15): a save over another clerk's newer change is refused,
naming who changed it and when, and changes nothing; after a reload the save goes through;
every save counts one version up. Two Desks on one database, each its own login."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import helpers_versions
import pytest
from helpers_versions import ACME, CLERK, CLERK2, sub_of
from sqlalchemy import select

from factor_desk.db.models import Customer, FactoringCompany, Load, Subsidiary
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.versions import StaleEdit, local_when
from factor_desk.services.desk import Desk

clerks = helpers_versions.clerks

# "test-clerk2 changed load 1042 at 10:42 AM on 11/29/2026, after you opened it."
WHEN = r"at \d{1,2}:\d\d [AP]M on \d\d/\d\d/\d{4}, after you opened it\."


def _form(sub, **general) -> dict:
    """What the Company profile's form sends for ``sub``, with ``general`` changed."""
    fields = ("name", "legal_name", "mc_number", "dot_number", "address", "city", "state",
              "zip_code", "phone", "email")
    return dict(general={k: general.get(k, getattr(sub, k)) for k in fields},
                factoring_company=sub.factoring_company,
                default_invoicing_method=sub.default_invoicing_method,
                required_documents=sub.required_documents)


def _stamp(db, model, **where):
    with db.read() as work:
        row = work.execute(select(model).filter_by(**where)).scalar_one()
        return row.version, row.changed_by, row.changed_at


def _refused(call, what: str, who: str = CLERK2) -> StaleEdit:
    with pytest.raises(StaleEdit) as caught:
        call()
    message = str(caught.value)
    assert re.search(rf"^{who} changed {re.escape(what)} {WHEN}", message), message
    assert message.endswith("Reload it to see their change, then make yours again. "
                            "Nothing was saved.")
    return caught.value


def test_the_company_profile_saved_over_a_newer_one_is_refused_then_saved_after_reload(
        clerks, db):
    a, b = clerks
    seen = sub_of(a)  # A opens the form
    b.save_subsidiary(ACME, **_form(sub_of(b), city="Reno"))
    version, by, at = _stamp(db, Subsidiary, name=ACME)
    assert (version, by) == (seen.version + 1, CLERK2)
    refusal = _refused(lambda: a.save_subsidiary(ACME, **_form(seen, phone="555-0100"),
                                                 version=seen.version),
                       f"the Company profile of {ACME}")
    assert local_when(at) in str(refusal) and refusal.by == CLERK2 and refusal.at == at
    assert (sub_of(a).city, sub_of(a).phone) == ("Reno", "")  # B's change kept, A's not saved
    again = sub_of(a)  # Reload
    saved = a.save_subsidiary(ACME, **_form(again, phone="555-0100"), version=again.version)
    assert (saved.city, saved.phone, saved.version) == ("Reno", "555-0100", version + 1)
    assert _stamp(db, Subsidiary, name=ACME)[:2] == (version + 1, CLERK)
    # the command line's twins, without a version, still save, and count
    assert a.edit_subsidiary(ACME, city="Tulsa").version == version + 2
    assert a.set_subsidiary_factor(ACME, None).profile.version == version + 3
    _refused(lambda: a.set_subsidiary_factor(ACME, "Capital Depot", version=version + 2),
             f"the Company profile of {ACME}", who=CLERK)


def test_the_notice_of_assignment_saved_over_a_newer_one_is_refused(clerks):
    a, b = clerks
    (noa,) = [e for e in sub_of(a).important_info if e.kind == "notice_of_assignment"]
    b.save_important_info(ACME, noa.kind, "NOTICE: PAY CAPITAL DEPOT, BOX 1.",
                          version=noa.version)
    _refused(lambda: a.save_important_info(ACME, noa.kind, "NOTICE: mine",
                                           version=noa.version),
             f"the Notice of Assignment of {ACME}")
    _refused(lambda: a.remove_important_info(ACME, noa.kind, version=noa.version),
             f"the Notice of Assignment of {ACME}")
    assert sub_of(a).notice_of_assignment == "NOTICE: PAY CAPITAL DEPOT, BOX 1."
    (fresh,) = [e for e in sub_of(a).important_info if e.kind == "notice_of_assignment"]
    assert (fresh.version, fresh.updated_by) == (noa.version + 1, CLERK2)
    saved = a.save_important_info(ACME, noa.kind, "NOTICE: mine", version=fresh.version)
    assert saved.notice_of_assignment == "NOTICE: mine"


def test_adding_important_info_another_clerk_added_meanwhile_is_refused(clerks):
    a, b = clerks
    added = b.save_important_info(ACME, "invoice_footer", "Thank you!", version=0)
    (footer,) = [e for e in added.important_info if e.kind == "invoice_footer"]
    _refused(lambda: a.save_important_info(ACME, "invoice_footer", "Thanks", version=0),
             f"the Invoice Footer of {ACME}")
    b.remove_important_info(ACME, "invoice_footer", version=footer.version)
    with pytest.raises(StaleEdit, match=f"^The Invoice Footer of {ACME} was removed after "
                                        "you opened it. Reload it"):
        a.save_important_info(ACME, "invoice_footer", "Thanks", version=footer.version)
    assert [e.kind for e in sub_of(a).important_info] == ["notice_of_assignment"]


def test_a_form_showing_an_entry_since_removed_and_added_again_is_refused(clerks):
    """B removes the notice A's form shows and adds a new one: the new one must not come
    back at the version A's form holds, or A's save would silently replace B's text."""
    a, b = clerks
    for _ in range(2):  # the second round: versions keep climbing, never start again
        (shown,) = [e for e in sub_of(a).important_info if e.kind == "notice_of_assignment"]
        b.remove_important_info(ACME, shown.kind, version=shown.version)
        readded = b.save_important_info(ACME, shown.kind, "NOTICE: PAY RTS FINANCIAL.",
                                        version=0)
        (new,) = [e for e in readded.important_info if e.kind == shown.kind]
        assert new.version > shown.version
        _refused(lambda old=shown.version: a.save_important_info(
            ACME, "notice_of_assignment", "NOTICE: mine", version=old),
            f"the Notice of Assignment of {ACME}")
        _refused(lambda old=shown.version: a.remove_important_info(
            ACME, "notice_of_assignment", version=old), f"the Notice of Assignment of {ACME}")
        assert sub_of(a).notice_of_assignment == "NOTICE: PAY RTS FINANCIAL."


def test_a_customer_edited_over_a_newer_edit_is_refused(clerks, db):
    a, b = clerks
    (seen,) = a.list_customers()
    assert b.update_customer(seen.name, terms_days=45, version=seen.version).version == \
        seen.version + 1
    _refused(lambda: a.update_customer(seen.name, terms_days=15, version=seen.version),
             f"customer {seen.name}")
    (now,) = a.list_customers()
    assert now.terms_days == 45
    assert a.update_customer(seen.name, terms_days=15, version=now.version).terms_days == 15
    assert _stamp(db, Customer, id=seen.id)[:2] == (seen.version + 2, CLERK)


def test_a_factor_saved_over_a_newer_save_is_refused(clerks, db):
    a, b = clerks
    seen = a.factor_profile("Capital Depot")
    b.set_factor("Capital Depot", email="schedules@capitaldepot.com", version=seen.version)
    _refused(lambda: a.set_factor("Capital Depot", remit_to="Elsewhere", fee="2%",
                                  version=seen.version),
             "the factoring company Capital Depot")
    _refused(lambda: a.set_factor_terms("Capital Depot", reserve=Decimal(5),
                                        version=seen.version),
             "the factoring company Capital Depot")
    now = a.factor_profile("Capital Depot")
    assert (now.remit_to.splitlines()[0], now.terms.fee, now.email) == (
        "Capital Depot, Inc.", "2.5%", "schedules@capitaldepot.com")
    # profile and terms saved together count once
    saved = a.set_factor("Capital Depot", remit_to="Elsewhere", fee="2%", version=now.version)
    assert (saved.version, saved.terms.fee) == (now.version + 1, "2%")
    assert _stamp(db, FactoringCompany, name="Capital Depot")[1] == CLERK


def test_a_load_edited_after_another_clerk_edited_it_is_refused(clerks, db):
    a, b = clerks
    seen = a.load_to_edit("1042")
    assert (seen.status, seen.amount, seen.editable) == ("Queued", Decimal("2550.00"), True)
    b.edit_load("1042", {"po_number": "PO-B"}, version=seen.version)
    _refused(lambda: a.edit_load("1042", {"po_number": "PO-A"}, version=seen.version),
             "load 1042")
    latest = a.load_to_edit("1042")
    assert (latest.po_number, latest.version) == ("PO-B", seen.version + 1)
    # a move changes nothing the dialog shows, and a Released load takes the edit as well
    b.unqueue_loads(["1042"], "rate to check")
    a.edit_load("1042", {"po_number": "PO-A"}, version=latest.version)
    assert _stamp(db, Load, load_number="1042")[:2] == (latest.version + 1, CLERK)
    assert a.load_to_edit("1042").po_number == "PO-A"


def test_a_load_submitted_by_another_clerk_is_refused_naming_who_and_the_batch(clerks, db):
    a, b = clerks
    seen = a.load_to_edit("1042")
    batch = b.submit_batch(ACME, ["1042"]).batch
    with pytest.raises(StaleEdit) as caught:
        a.edit_load("1042", {"po_number": "PO-A"}, version=seen.version)
    message = str(caught.value)
    assert re.search(rf"^{CLERK2} changed load 1042 {WHEN} Load 1042 is Invoiced; its "
                     rf"invoice was sent in {batch}; recall it first\. Nothing was saved\.$",
                     message), message
    # without a version (the command line) the load's status alone refuses it, as before
    with pytest.raises(InputRefused, match="recall it first") as plain:
        a.edit_load("1042", {"po_number": "PO-A"})
    assert not isinstance(plain.value, StaleEdit)
    assert a.load_to_edit("1042").po_number == "PO-1042"


def test_what_does_not_change_a_form_leaves_the_version(clerks, db, tmp_path):
    a, _b = clerks
    before = a.load_to_edit("1042").version
    pdf = tmp_path / "pod.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    a.attach("1042", pdf, "pod")
    assert a.edit_load("1042", {"po_number": "PO-1042"}).changes == []  # same value
    assert a.load_to_edit("1042").version == before


def _waiting_on_a_lock(db) -> bool:
    # asked as the superuser clerk: another login's wait is hidden from a plain login
    with db.engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()").scalar())


def test_two_saves_racing_with_the_same_version_one_wins(clerks, db):
    """Both clerks read version v and save at the same moment: the second waits for the
    row the first holds, then finds it at v + 1 and is refused; exactly one text is kept."""
    from factor_desk.services import company

    a, b = clerks
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing interleaves")
    (noa,) = [e for e in sub_of(a).important_info if e.kind == "notice_of_assignment"]
    outcome: list[object] = []

    def save_b() -> None:
        try:
            outcome.append(b.save_important_info(ACME, noa.kind, "B's NOTICE",
                                                 version=noa.version))
        except Exception as exc:  # the refusal, or a bug: looked at below
            outcome.append(exc)

    clerk_b = threading.Thread(target=save_b)
    with db.write() as work:  # A's save, checked and written, not committed yet
        company.set_important_info(work, ACME, noa.kind, "A's NOTICE", version=noa.version)
        clerk_b.start()
        waited = threading.Event()
        for _ in range(1000):  # B reaches the row A holds and waits for it
            if _waiting_on_a_lock(b.db):
                break
            waited.wait(0.02)
        else:
            pytest.fail("B's save never waited for A's")
    clerk_b.join(30)
    (result,) = outcome
    assert isinstance(result, StaleEdit), result
    assert str(result).startswith(f"{CLERK} changed the Notice of Assignment of {ACME}")
    assert sub_of(a).notice_of_assignment == "A's NOTICE"


def test_two_clerks_saving_at_once_one_wins_the_other_is_told(clerks, db):
    """Many rounds of both saving the same version at the same moment: every round, one
    save is kept and the other is refused (never both, never neither)."""
    a, b = clerks
    for _ in range(5):
        seen = a.load_to_edit("1042")
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def save(who: str, desk: Desk, po: str, seen=seen, start=start,
                 outcome=outcome) -> None:
            start.wait()
            try:
                outcome[who] = desk.edit_load("1042", {"po_number": po}, version=seen.version)
            except Exception as exc:
                outcome[who] = exc

        threads = [threading.Thread(target=save, args=("a", a, f"PO-A{seen.version}")),
                   threading.Thread(target=save, args=("b", b, f"PO-B{seen.version}"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        refused = [w for w, r in outcome.items() if isinstance(r, StaleEdit)]
        kept = [w for w, r in outcome.items() if not isinstance(r, Exception)]
        assert len(refused) == 1 and len(kept) == 1, outcome
        now = a.load_to_edit("1042")
        assert now.version == seen.version + 1
        assert now.po_number == f"PO-{kept[0].upper()}{seen.version}"
