"""The chat's pages: the public chat or callback request, the console, canned answers."""

from chat import service
from chat.models import CannedAnswer, Chat
from core.unit_of_work import unit_of_work
from desk.models import Party, Role, Staff, Task
from extensions import db


def test_every_public_page_offers_the_chat(client, town):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/chat/"' in page


def test_without_an_agent_online_the_chat_offers_a_callback_request(client, town):
    page = client.get("/chat/").get_data(as_text=True)
    assert 'id="chat-widget"' not in page
    assert 'action="/chat/callback"' in page
    assert "The chat is staffed today" in page or "De chat is vandaag" in page


def test_a_callback_request_becomes_a_task_for_the_department(client, town):
    answer = client.post(
        "/chat/callback",
        data={
            "name": "Ann Peeters",
            "phone": "0470 12 34 56",
            "question": "Kan ik mijn rijbewijs online aanvragen?",
            "consent": "y",
        },
    )
    assert answer.status_code == 200
    db.session.commit()
    [task] = db.session.scalars(db.select(Task)).all()
    assert task.kind == "callback" and task.department.code == "contact-centre"
    assert "rijbewijs" in task.title and "+32470123456" in task.description
    assert db.session.get(Party, task.party_id).name == "Ann Peeters"


def test_a_callback_request_needs_a_contact_and_consent(client, town):
    for data, field in (
        ({"name": "Ann", "question": "Vraag", "consent": "y"}, "phone"),
        ({"name": "Ann", "question": "Vraag", "email": "ann@example.org"}, "consent"),
        ({"name": "Ann", "question": "Vraag", "email": "nope", "consent": "y"}, "email"),
    ):
        answer = client.post("/chat/callback", data=data)
        assert answer.status_code == 422
        assert f'href="#{field}"'.encode() in answer.data  # the error summary links the field
    db.session.commit()
    assert db.session.scalars(db.select(Task)).all() == []


def test_the_console_is_for_agents(client, login, make_staff, staff):
    assert client.get("/chat/console").status_code == 302
    login(make_staff("counter@example.org", role=Role.COUNTER))
    assert client.get("/chat/console").status_code == 403
    login(staff)
    page = client.get("/chat/console").get_data(as_text=True)
    assert "chat-console" in page


def test_an_agent_sees_only_chats_they_hold(client, login, make_staff, staff):
    with unit_of_work():
        chat, _token = service.start_chat(name="Ann", email="ann@example.org")
        service.take_chat(chat.id, staff)
    login(make_staff("other@example.org", role=Role.CALL_AGENT))
    assert client.get(f"/chat/console/{chat.id}").status_code == 404
    login(staff)
    page = client.get(f"/chat/console/{chat.id}").get_data(as_text=True)
    assert "Ann" in page and "attach-heading" in page  # on no record yet: search and attach


def test_attaching_the_chat_to_a_party_the_agent_chose(client, login, staff):
    from desk import record

    with unit_of_work():
        party = record.find_or_create_party(name="Ann Peeters", email="ann@example.org")
        chat, _token = service.start_chat(name="Ann", email="ann@example.org")
        service.take_chat(chat.id, staff)
    login(staff)
    page = client.get(f"/chat/console/{chat.id}").get_data(as_text=True)
    assert "Ann Peeters" in page  # the record holding the same address is a candidate
    client.post(f"/chat/console/{chat.id}/attach", data={"party_id": str(party.id)})
    db.session.commit()
    assert db.session.get(Chat, chat.id).party_id == party.id
    page = client.get(f"/chat/console/{chat.id}").get_data(as_text=True)
    assert "Recent chats" in page or "Recente chats" in page  # the party panels


def test_the_message_text_is_shown_escaped(client, login, staff):
    from chat.models import Author

    with unit_of_work():
        chat, _token = service.start_chat(name="<i>Ann</i>")
        service.take_chat(chat.id, staff)
        service.post_message(chat.id, Author.CITIZEN, "<script>alert(1)</script>")
    login(staff)
    page = client.get(f"/chat/console/{chat.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<i>Ann</i>" not in page


def test_admins_write_canned_answers_per_language(client, login, make_staff):
    login(make_staff("admin@example.org", role=Role.ADMIN))
    answer = client.post(
        "/chat/admin/answers",
        data={"language": "fr", "title": "Heures", "text": "Nous sommes ouverts de 9 à 12 h."},
    )
    assert answer.status_code == 302
    db.session.commit()
    [canned] = db.session.scalars(db.select(CannedAnswer)).all()
    assert (canned.language, canned.title) == ("fr", "Heures")
    assert client.post("/chat/admin/answers", data={"language": "fr"}).status_code == 200
    client.post(f"/chat/admin/answers/{canned.id}/delete")
    db.session.commit()
    assert db.session.scalars(db.select(CannedAnswer)).all() == []


def test_an_ended_chat_reads_in_words_on_the_party_page(client, login, staff):
    from chat.models import Author

    with unit_of_work():
        chat, _token = service.start_chat(name="Ann Peeters", email="ann@example.org")
        service.take_chat(chat.id, staff)
        service.post_message(chat.id, Author.CITIZEN, "Waar kan ik parkeren?")
        service.end_chat(chat, outcome="chat.answered", staff=staff)
    login(staff)
    page = client.get(f"/desk/parties/{chat.party_id}").get_data(as_text=True)
    assert "Chat (0 min gewacht)" in page
    assert "Vraag beantwoord" in page
    assert "chat.answered" not in page and "chat.subject" not in page
    assert "Waar kan ik parkeren?" in page


def test_handing_a_chat_over_to_a_colleague_with_a_note(client, login, make_staff, staff):
    from chat.models import ChatStatus, ChatTransfer

    colleague = make_staff("colleague@example.org", role=Role.BACK_OFFICE)
    with unit_of_work():
        chat, _token = service.start_chat(name="Ann")
        service.take_chat(chat.id, staff)
    login(staff)
    page = client.get(f"/chat/console/{chat.id}").get_data(as_text=True)
    assert f'value="staff:{colleague.id}"' in page
    answer = client.post(
        f"/chat/console/{chat.id}/transfer",
        data={"to": f"staff:{colleague.id}", "note": "Vraag over bouwvergunning"},
    )
    assert answer.status_code == 302
    db.session.commit()
    chat = db.session.get(Chat, chat.id)
    assert (chat.status, chat.agent_id) == (ChatStatus.WAITING, colleague.id)
    assert db.session.scalar(db.select(ChatTransfer.note)) == "Vraag over bouwvergunning"
    assert client.get(f"/chat/console/{chat.id}").status_code == 404  # no longer theirs
    login(colleague)
    assert "Ann" in client.get("/chat/console").get_data(as_text=True)


def test_a_chat_handed_to_a_department_waits_for_everyone_with_the_department_named(
    client, login, make_staff, staff
):
    from desk.accounts import get_or_create_department

    other = make_staff("other@example.org", role=Role.CALL_AGENT)
    department = get_or_create_department("stedenbouw")
    department.name = "Stedenbouw"
    db.session.commit()
    with unit_of_work():
        chat, _token = service.start_chat(name="Ann")
        service.take_chat(chat.id, staff)
    login(staff)
    client.post(f"/chat/console/{chat.id}/transfer", data={"to": f"department:{department.id}"})
    login(other)
    page = client.get("/chat/console").get_data(as_text=True)
    assert "Ann" in page and "Stedenbouw" in page


def test_the_departments_console_lists_its_handed_over_chat_first_with_the_note(
    client, login, make_staff, staff
):
    builder = make_staff("bouw@example.org", role=Role.CALL_AGENT, department="stedenbouw")
    with unit_of_work():
        first, _token = service.start_chat(name="Eerste Burger")
        handed, _token = service.start_chat(name="Doorgegeven Burger")
        later, _token = service.start_chat(name="Latere Burger")
        service.take_chat(handed.id, staff)
    login(staff)
    client.post(
        f"/chat/console/{handed.id}/transfer",
        data={"to": f"department:{builder.department_id}", "note": "Vraag over <b>bouwen</b>"},
    )

    def order(page):
        names = ("Eerste Burger", "Doorgegeven Burger", "Latere Burger")
        return sorted(names, key=page.index)

    login(builder)
    page = client.get("/chat/console").get_data(as_text=True)
    assert order(page) == ["Doorgegeven Burger", "Eerste Burger", "Latere Burger"]
    assert "Overgedragen" in page
    assert "Notitie: Vraag over &lt;b&gt;bouwen&lt;/b&gt;" in page
    login(make_staff("elders@example.org", role=Role.CALL_AGENT))
    page = client.get("/chat/console").get_data(as_text=True)
    assert order(page) == ["Eerste Burger", "Doorgegeven Burger", "Latere Burger"]

    with unit_of_work():
        service.take_chat(handed.id, db.session.get(Staff, builder.id))
    login(builder)
    page = client.get(f"/chat/console/{handed.id}").get_data(as_text=True)
    assert "Overgedragen door Eva Agent." in page
    assert "Notitie: Vraag over &lt;b&gt;bouwen&lt;/b&gt;" in page
