"""The staff desk through HTTP: search, the party page, writes, merges, access log, export."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from desk import record as record_module
from desk.models import AccessLog, Case, CaseStatusChange, Interaction, MergeRecord, Role, Task
from extensions import db
from tests.record_data import JAN, dotted
from tests.units import each_call_committed

record = each_call_committed(record_module)


def count(model, **where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read the English source strings; the Dutch pages have their own test."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def client_for(make_app, login, staff):
    """A second signed-in user needs its own app: the `app` fixture keeps one app context
    pushed, so requests on its clients share `g`, where Flask-Login caches the user."""
    other = make_app().test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(staff, other)
    return other


@pytest.fixture
def clerk(make_staff, login):
    return login(make_staff(email="clerk@example.org", department="burgerzaken"))


@pytest.fixture
def jan(app):
    return record.find_or_create_party(
        name="Jan Peeters", phone="0470123456", email="jan@example.org", national_number=JAN
    )


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_desk_needs_a_signed_in_staff_member(client, jan):
    for path in ("/desk/", f"/desk/parties/{jan.id}", "/desk/?q=jan"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.post(f"/desk/parties/{jan.id}/notes", data={"note-text": "x"}).status_code == 302
    assert count(Interaction) == 0


@pytest.mark.parametrize(
    "typed",
    [
        "Jan Peeters",
        "peeters",
        "jän",
        "0470 12 34 56",
        "+32 470 12 34 56",
        "0032470123456",
        "JAN@EXAMPLE.ORG",
        dotted(JAN),
        JAN,
        "85073003328",
    ],
)
def test_one_search_box_finds_a_person_by_any_key(client, clerk, jan, typed):
    response = client.get("/desk/", query_string={"q": typed, "purpose": "callback"})
    assert response.status_code == 200
    assert f'href="/desk/parties/{jan.id}?purpose=callback"' in response.get_data(as_text=True)
    [log] = db.session.scalars(select(AccessLog)).all()
    assert (log.staff_id, log.party_id, log.action, log.purpose) == (
        clerk.id,
        jan.id,
        "search",
        "callback",
    )


def test_a_search_that_finds_nobody_says_so_and_logs_nothing(client, clerk, jan):
    response = client.get("/desk/", query_string={"q": "Marie Claes"})
    assert "Jan Peeters" not in page_text(response)
    assert count(AccessLog) == 0


def test_the_start_page_shows_open_tasks_and_recent_records(client, clerk, jan):
    record.create_task(party=jan, title="Terugbellen over paspoort", department="burgerzaken")
    client.get(f"/desk/parties/{jan.id}")
    text = page_text(client.get("/desk/"))
    assert "Terugbellen over paspoort" in text
    assert "Recently opened records" in text
    assert text.count("Jan Peeters") >= 2


def add_history(party, total, start=datetime(2026, 1, 1, 8, tzinfo=UTC)):
    channels = ["web", "sms", "phone", "counter", "chat", "email"]
    for n in range(total):
        record.record_interaction(
            party=party,
            channel=channels[n % len(channels)],
            direction="inbound",
            subject=f"contact {n:03d}",
            started_at=start + timedelta(minutes=n),
        )


def subjects(response) -> list[str]:
    return re.findall(r"contact \d{3}", response.get_data(as_text=True))


def test_timeline_shows_every_channel_newest_first_in_pages_of_50(client, clerk, jan):
    add_history(jan, 120)
    first = client.get(f"/desk/parties/{jan.id}")
    assert first.status_code == 200
    assert subjects(first) == [f"contact {n:03d}" for n in range(119, 69, -1)]
    older = re.search(r'href="([^"]*before=[^"]+)"', first.get_data(as_text=True)).group(1)
    second = client.get(older.replace("&amp;", "&"))
    assert subjects(second) == [f"contact {n:03d}" for n in range(69, 19, -1)]
    third_link = re.search(r'href="([^"]*before=[^"]+)"', second.get_data(as_text=True))
    third = client.get(third_link.group(1).replace("&amp;", "&"))
    assert subjects(third) == [f"contact {n:03d}" for n in range(19, -1, -1)]
    assert "Older contacts" not in page_text(third)
    views = db.session.scalars(select(AccessLog).where(AccessLog.action == "view")).all()
    assert len(views) == 3 and {v.party_id for v in views} == {jan.id}


def test_timeline_filters_by_channel_and_case(client, clerk, jan):
    add_history(jan, 12)
    case = record.open_case(party=jan, subject="Verhuis", department="burgerzaken")
    record.record_interaction(
        party=jan, channel="phone", direction="inbound", subject="contact 900", case=case
    )
    phone = client.get(f"/desk/parties/{jan.id}", query_string={"channel": "phone"})
    assert subjects(phone) == ["contact 900", "contact 008", "contact 002"]
    assert '<option selected value="phone">' in phone.get_data(as_text=True)  # filter kept
    by_case = client.get(f"/desk/parties/{jan.id}", query_string={"case": case.id})
    assert subjects(by_case) == ["contact 900"]
    assert f'<option selected value="{case.id}">Verhuis</option>' in by_case.get_data(as_text=True)
    nonsense = client.get(f"/desk/parties/{jan.id}", query_string={"channel": "x", "before": "!!"})
    assert len(subjects(nonsense)) == 13


def test_the_header_shows_masked_identifiers_and_addresses_never_the_number(client, clerk, jan):
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "**.**.**-*33.28" in text
    assert JAN not in text and dotted(JAN) not in text
    assert "+32 470 12 34 56" in text and "jan@example.org" in text


def test_unknown_and_secret_parties_answer_404(client, clerk, make_staff, jan):
    assert client.get("/desk/parties/9999").status_code == 404
    jan.secret = True
    db.session.commit()
    assert client.get(f"/desk/parties/{jan.id}").status_code == 404
    assert client.post(f"/desk/parties/{jan.id}/notes", data={"note-text": "x"}).status_code == 404
    assert "Jan Peeters" not in page_text(client.get("/desk/", query_string={"q": "peeters"}))
    # a department with a case of the party sees it
    record.open_case(party=jan, subject="Identiteitskaart", department="burgerzaken")
    assert client.get(f"/desk/parties/{jan.id}").status_code == 200


def test_a_suggestion_about_a_secret_party_cannot_be_dismissed_by_naming_another(
    client, clerk, jan
):
    from desk.models import DuplicateSuggestion

    other = record.find_or_create_party(name="Jan P.", phone="0470 12 34 56")  # a suggestion
    suggestion = db.session.scalars(select(DuplicateSuggestion)).one()
    jan.secret = True
    db.session.commit()
    url = f"/desk/suggestions/{suggestion.id}/dismiss"
    assert client.post(url, data={"party": other.id}).status_code == 404
    assert client.post(url, data={"party": "abc"}).status_code == 404
    assert db.session.get(DuplicateSuggestion, suggestion.id).resolved_at is None
    jan.secret = False
    db.session.commit()
    response = client.post(url, data={"party": "abc"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/desk/parties/{suggestion.party_id}")
    db.session.expire_all()
    assert db.session.get(DuplicateSuggestion, suggestion.id).resolution == "dismissed"


def test_confidential_cases_show_only_that_something_exists(
    make_app, client, make_staff, login, jan
):
    social = make_staff(email="social@example.org", department="sociaal")
    case = record.open_case(
        party=jan, subject="Schuldbemiddeling", department="sociaal", confidential=True
    )
    record.record_interaction(
        party=jan,
        channel="counter",
        direction="inbound",
        subject="Gesprek budgetbeheer",
        case=case,
        staff=social,
    )
    record.record_interaction(party=jan, channel="web", direction="inbound", subject="Afspraak")
    login(make_staff(email="clerk@example.org", department="burgerzaken"))
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Afspraak" in text
    assert "Schuldbemiddeling" not in text and "budgetbeheer" not in text
    assert "confidential information of another department" in text
    assert (
        client.post(f"/desk/cases/{case.id}/status", data={f"status-{case.id}-status": "closed"})
    ).status_code == 404
    assert db.session.get(Case, case.id).status == "open"

    other = client_for(make_app, login, social)
    own = page_text(other.get(f"/desk/parties/{jan.id}"))
    assert "Schuldbemiddeling" in own and "Gesprek budgetbeheer" in own
    assert "confidential information of another department" not in own


def test_staff_add_a_note_and_bad_notes_write_nothing(client, clerk, jan):
    response = client.post(f"/desk/parties/{jan.id}/notes", data={"note-text": "Belde terug."})
    assert response.status_code == 302
    [note] = db.session.scalars(select(Interaction)).all()
    assert (note.channel, note.direction, note.staff_id) == ("note", "internal", clerk.id)
    assert "Belde terug." in page_text(client.get(response.headers["Location"]))

    empty = client.post(f"/desk/parties/{jan.id}/notes", data={"note-text": "   "})
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.get_data(as_text=True)
    assert count(Interaction) == 1


def test_open_a_case_change_its_status_and_keep_history(client, clerk, jan):
    department_id = clerk.department_id
    response = client.post(
        f"/desk/parties/{jan.id}/cases",
        data={"case-subject": "Verhuis naar Gent", "case-department": department_id},
    )
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert (case.subject, case.department_id, case.owner_id) == (
        "Verhuis naar Gent",
        department_id,
        clerk.id,
    )
    changed = client.post(
        f"/desk/cases/{case.id}/status",
        data={f"status-{case.id}-status": "waiting", f"status-{case.id}-note": "wacht op bewijs"},
    )
    assert changed.status_code == 302
    assert count(CaseStatusChange) == 2
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Waiting for the citizen" in text
    assert "wacht op bewijs" in text


def test_case_for_unknown_department_is_refused_with_a_message(client, clerk, jan):
    response = client.post(
        f"/desk/parties/{jan.id}/cases", data={"case-subject": "x", "case-department": "9999"}
    )
    assert response.status_code == 422
    assert 'id="case-department-error"' in response.get_data(as_text=True)
    assert count(Case) == 0


def test_tasks_for_a_department_and_closing_them(client, clerk, jan):
    response = client.post(
        f"/desk/parties/{jan.id}/tasks",
        data={
            "task-title": "Terugbellen",
            "task-kind": "callback",
            "task-department": clerk.department_id,
            "task-due_at": "2026-06-01T14:30",
        },
    )
    assert response.status_code == 302
    task = db.session.scalar(select(Task))
    assert task.due_at == datetime(2026, 6, 1, 12, 30, tzinfo=UTC)  # Brussels summer time
    assert client.post(f"/desk/tasks/{task.id}/close").status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).done_at is not None


@pytest.mark.parametrize(
    ("department", "assignee", "message_field"),
    [("9999", "", "task-department-error"), ("", "", "task-department-error")],
)
def test_tasks_without_a_known_assignee_are_refused(
    client, clerk, jan, department, assignee, message_field
):
    response = client.post(
        f"/desk/parties/{jan.id}/tasks",
        data={"task-title": "Bellen", "task-department": department, "task-assignee": assignee},
    )
    assert response.status_code == 422
    assert f'id="{message_field}"' in response.get_data(as_text=True)
    assert count(Task) == 0


def test_duplicate_suggestion_preview_merge_and_undo(client, clerk, jan):
    web = record.find_or_create_party(name="J. Peeters", phone="+32470123456")
    record.record_interaction(party=web, channel="web", direction="inbound", subject="Boeking")
    page = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "J. Peeters" in page
    preview = client.get(f"/desk/parties/{jan.id}/merge/{web.id}")
    assert preview.status_code == 200
    assert re.search(r"Contact moments \d", page_text(preview))
    assert count(MergeRecord) == 0

    assert client.post(f"/desk/parties/{jan.id}/merge/{web.id}").status_code == 302
    assert {i.party_id for i in db.session.scalars(select(Interaction))} == {jan.id}
    moved = client.get(f"/desk/parties/{web.id}")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/parties/{jan.id}")

    merge = db.session.scalar(select(MergeRecord))
    assert client.post(f"/desk/merges/{merge.id}/undo").status_code == 302
    assert {i.party_id for i in db.session.scalars(select(Interaction))} == {web.id}
    again = client.post(f"/desk/merges/{merge.id}/undo", follow_redirects=True)
    assert "already been undone" in page_text(again)


def test_merging_a_party_into_itself_is_refused(client, clerk, jan):
    response = client.post(f"/desk/parties/{jan.id}/merge/{jan.id}", follow_redirects=True)
    assert "cannot be merged into itself" in page_text(response)
    assert count(MergeRecord) == 0


def test_admins_see_the_access_log_and_export_the_record(client, make_app, make_staff, login, jan):
    clerk = make_staff(email="clerk@example.org", department="burgerzaken")
    admin = make_staff(email="admin@example.org", role=Role.ADMIN)
    record.log_access(staff=clerk, party_ids=jan.id, action="view", purpose="callback")
    record.record_interaction(party=jan, channel="phone", direction="inbound", subject="Vraag")
    login(clerk)
    assert client.get(f"/desk/parties/{jan.id}/access-log").status_code == 403
    assert client.get(f"/desk/parties/{jan.id}/export.json").status_code == 403

    client = client_for(make_app, login, admin)
    log_page = page_text(client.get(f"/desk/parties/{jan.id}/access-log"))
    assert "Clerk" in log_page and "callback" in log_page
    exported = client.get(f"/desk/parties/{jan.id}/export.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    body = exported.get_json()
    assert body["party"]["name"] == "Jan Peeters"
    assert body["identifiers"] == [
        {
            "kind": "national_number",
            "masked": "**.**.**-*33.28",
            "created_at": body["identifiers"][0]["created_at"],
        }
    ]
    assert [i["subject"] for i in body["interactions"]] == ["Vraag"]
    assert {a["action"] for a in body["access_log"]} >= {"view"}
    assert JAN not in exported.get_data(as_text=True)
    assert count(AccessLog, action="export", staff_id=admin.id, purpose="access_request") == 1


def test_forms_need_the_csrf_token_when_it_is_on(make_app, make_staff, login, jan):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login(make_staff(email="c@example.org", department="burgerzaken"), client)
    response = client.post(f"/desk/parties/{jan.id}/notes", data={"note-text": "x"})
    assert response.status_code == 400
    assert count(Interaction) == 0


def test_the_desk_speaks_dutch_by_default(make_app, make_staff, login, jan):
    dutch = make_app().test_client()
    login(make_staff(email="nl@example.org", department="burgerzaken"), dutch)
    text = page_text(dutch.get(f"/desk/parties/{jan.id}"))
    assert "Alle contacten, nieuwste eerst" in text and "Rijksregisternummer" in text
    refused = dutch.post(
        f"/desk/parties/{jan.id}/cases", data={"case-subject": "x", "case-department": "9999"}
    )
    assert "Deze dienst bestaat niet." in page_text(refused)


def test_case_and_task_forms_have_their_own_pages(client, clerk, jan):
    for kind in ("cases", "tasks"):
        page = client.get(f"/desk/parties/{jan.id}/{kind}/new")
        assert page.status_code == 200
        assert f'action="/desk/parties/{jan.id}/{kind}"' in page.get_data(as_text=True)
        assert client.get(f"/desk/parties/9999/{kind}/new").status_code == 404
    assert "Choose a department, a person, or both." in page_text(page)


def test_representations_show_in_the_header(client, clerk, jan):
    daughter = record.find_or_create_party(name="Lies Peeters")
    record.add_representation(representative=daughter, represented=jan, basis="volmacht")
    record.record_interaction(
        party=jan, channel="phone", direction="inbound", subject="Belt", representative=daughter
    )
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Represented by Lies Peeters (volmacht" in text
    assert "on behalf of the citizen by Lies Peeters" in text
