"""The chat's services on both engines: the race to take a chat, numbering, transfers."""

import pytest

from chat import service
from chat.errors import ChatError
from chat.models import Author, Chat, ChatStatus, ChatTransfer
from core.unit_of_work import unit_of_work
from desk.models import Role, Staff
from extensions import db
from tests.races import race


def new_chat(**fields) -> int:
    with unit_of_work():
        chat, _token = service.start_chat(name=fields.pop("name", "Ann"), **fields)
    return chat.id


@pytest.mark.slow
def test_two_agents_racing_for_one_chat_one_gets_it(app, make_staff):
    agents = [make_staff(f"a{n}@example.org", role=Role.CALL_AGENT).id for n in range(4)]
    for _round in range(3):
        chat_id = new_chat()

        def take(index, chat_id=chat_id):
            with unit_of_work():
                service.take_chat(chat_id, db.session.get(Staff, agents[index]))
            return agents[index]

        results, errors = race(app, len(agents), take)
        winners = [r for r in results if r is not None]
        assert len(winners) == 1, (results, errors)
        assert all(isinstance(e, ChatError) and e.code == "chat_taken" for e in errors), errors
        db.session.commit()
        assert db.session.get(Chat, chat_id).agent_id == winners[0]


@pytest.mark.slow
def test_racing_messages_get_distinct_numbers(app):
    chat_id = new_chat()

    def post(index):
        with unit_of_work():
            return service.post_message(chat_id, Author.CITIZEN, f"m{index}").seq

    results, errors = race(app, 8, post)
    assert errors == [] and sorted(results) == list(range(1, 9))


def test_a_transfer_to_a_colleague_waits_for_that_colleague_only(app, make_staff):
    first = make_staff("first@example.org", role=Role.CALL_AGENT)
    second = make_staff("second@example.org", role=Role.CALL_AGENT)
    third = make_staff("third@example.org", role=Role.CALL_AGENT)
    chat_id = new_chat()
    with unit_of_work():
        chat = service.take_chat(chat_id, first)
        service.transfer_chat(chat, first, to_staff_id=second.id, note="Vraag over parkeren")
    with pytest.raises(ChatError, match="chat_taken"), unit_of_work():
        service.take_chat(chat_id, third)
    with unit_of_work():
        chat = service.take_chat(chat_id, second)
    assert chat.status == ChatStatus.ACTIVE and chat.agent_id == second.id
    [transfer] = db.session.scalars(db.select(ChatTransfer)).all()
    assert (transfer.from_staff_id, transfer.to_staff_id) == (first.id, second.id)
    assert transfer.note == "Vraag over parkeren"


def test_a_transfer_needs_a_target(app, make_staff):
    first = make_staff("first@example.org", role=Role.CALL_AGENT)
    chat_id = new_chat()
    with unit_of_work():
        service.take_chat(chat_id, first)
    for target in ({}, {"to_staff_id": first.id}, {"to_staff_id": 999}):
        with pytest.raises(ChatError, match="transfer_target"), unit_of_work():
            service.transfer_chat(db.session.get(Chat, chat_id), first, **target)


def test_contact_details_are_normalised_or_refused(app):
    chat_id = new_chat(phone="0470 12 34 56", email=" Ann@Example.ORG ", contact_consent=True)
    chat = db.session.get(Chat, chat_id)
    assert (chat.phone, chat.email, chat.contact_consent) == (
        "+32470123456",
        "ann@example.org",
        True,
    )
    for fields, code in (
        ({"phone": "12"}, "invalid_phone"),
        ({"email": "nope"}, "invalid_email"),
        ({"name": ""}, "name_required"),
        ({"name": "x" * 201}, "name_too_long"),
        ({"name": "Ann\u202e"}, "hidden_characters"),
    ):
        with pytest.raises(ChatError, match=code):
            new_chat(**fields)


def test_place_in_line_and_expected_wait(app):
    ids = [new_chat(name=f"P{n}") for n in range(3)]
    places = [service.place_in_line(db.session.get(Chat, i)) for i in ids]
    assert places == [1, 2, 3]
    assert service.expected_wait_minutes(1, agents=2, handling_seconds=300) == 1
    assert service.expected_wait_minutes(5, agents=2, handling_seconds=300) == 10
    assert service.expected_wait_minutes(5, agents=0, handling_seconds=300) == 20
