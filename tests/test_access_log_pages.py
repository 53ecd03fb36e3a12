"""Every staff read of a party's data leaves an access-log row (issue 16, point 17): the pages
that showed a party without logging it."""

import pytest
from sqlalchemy import select

from desk import record as record_module
from desk.models import AccessLog, Role
from extensions import db
from tests.units import each_call_committed

record = each_call_committed(record_module)


def views_of(staff) -> list[tuple[int, str, str]]:
    db.session.commit()
    return [
        (row.party_id, row.action, row.purpose)
        for row in db.session.scalars(
            select(AccessLog).where(AccessLog.staff_id == staff.id).order_by(AccessLog.id)
        )
    ]


@pytest.mark.parametrize(
    ("path", "purpose"),
    [
        ("/desk/parties/{id}/contact", "contact"),
        ("/desk/parties/{id}/cases/new", "contact"),
        ("/desk/parties/{id}/tasks/new", "contact"),
        ("/desk/parties/{id}/access-log", "quality"),
    ],
)
def test_a_page_showing_a_party_logs_the_view(client, login, make_staff, path, purpose):
    admin = login(make_staff("admin@example.org", role=Role.ADMIN))
    jan = record.find_or_create_party(name="Jan Peeters", phone="0470 12 34 56")
    assert client.get(path.format(id=jan.id)).status_code == 200
    assert views_of(admin) == [(jan.id, "view", purpose)]


def test_the_merge_preview_logs_both_parties(client, login, make_staff):
    clerk = login(make_staff("balie@example.org", role=Role.COUNTER))
    jan = record.find_or_create_party(name="Jan Peeters", phone="0470 12 34 56")
    other = record.find_or_create_party(name="J. Peeters", phone="0470 12 34 56")
    assert client.get(f"/desk/parties/{jan.id}/merge/{other.id}").status_code == 200
    assert views_of(clerk) == [(jan.id, "view", "merge"), (other.id, "view", "merge")]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Case {case} opened"),
        ("nl", "Dossier {case} geopend"),
        ("fr", "Dossier {case} ouvert"),
    ],
)
def test_the_access_log_reads_in_the_readers_language(client, login, make_staff, language, words):
    """What a row read or changed is stored as a code: an English, Dutch or French admin reads
    it in their own language, whoever wrote it (issue 16, point 5)."""
    admin = login(make_staff("admin@example.org", role=Role.ADMIN, department="mobiliteit"))
    jan = record.find_or_create_party(name="Jan Peeters", phone="0470 12 34 56")
    case = record.open_case(
        party=jan.id, subject="Parkeerkaart", department="mobiliteit", staff=admin
    )
    with client.session_transaction() as session:
        session["lang"] = language
    page = client.get(f"/desk/parties/{jan.id}/access-log").get_data(as_text=True)
    assert words.format(case=case.id) in page
    assert "access.case_opened" not in page and f"case {case.id} opened" not in page
