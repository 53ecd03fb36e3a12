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


def test_a_chat_handed_to_a_department_comes_first_in_its_line(app, make_staff):
    """Its agents see it before every chat not handed to them, by when the citizen first began
    to wait; the citizen's place counts only that line."""
    from desk.accounts import get_or_create_department

    building = get_or_create_department("stedenbouw")
    other = get_or_create_department("burgerzaken")
    db.session.commit()
    agent = make_staff("agent@example.org", role=Role.CALL_AGENT)
    first = new_chat(name="First")
    handed = new_chat(name="Handed")
    later = new_chat(name="Later")
    with unit_of_work():
        chat = service.take_chat(handed, db.session.get(Staff, agent.id))
        service.transfer_chat(chat, db.session.get(Staff, agent.id),
                              to_department_id=building.id, note="Bouwvergunning")  # fmt: skip
    also_handed = new_chat(name="Also handed")
    with unit_of_work():
        chat = service.take_chat(also_handed, db.session.get(Staff, agent.id))
        service.transfer_chat(chat, db.session.get(Staff, agent.id), to_department_id=building.id)

    def names(department_id=None):
        return [chat.citizen_name for chat in service.waiting_chats(department_id)]

    assert names(building.id) == ["Handed", "Also handed", "First", "Later"]
    assert names() == names(other.id) == ["First", "Handed", "Later", "Also handed"]

    chats = service.waiting_chats()
    places = service.places_in_line(chats)
    assert [places[chat.id] for chat in chats] == [1, 1, 3, 2]
    assert places == {chat.id: service.place_in_line(chat) for chat in chats}
    transfers = service.latest_transfers(chat.id for chat in chats)
    assert transfers[handed].note == "Bouwvergunning" and first not in transfers
    assert later not in transfers


def test_places_in_line_of_a_colleagues_chat_count_only_theirs(app, make_staff):
    first, second = (make_staff(f"a{n}@example.org", role=Role.CALL_AGENT) for n in (1, 2))
    waiting = new_chat(name="Waiting")
    ids = [new_chat(name=f"P{n}") for n in range(2)]
    for chat_id in ids:
        with unit_of_work():
            chat = service.take_chat(chat_id, db.session.get(Staff, first.id))
            service.transfer_chat(chat, db.session.get(Staff, first.id),
                                  to_staff_id=second.id)  # fmt: skip
    chats = service.waiting_chats()
    places = service.places_in_line(chats)
    assert [places[i] for i in (waiting, *ids)] == [1, 1, 2]
    assert places == {chat.id: service.place_in_line(chat) for chat in chats}
