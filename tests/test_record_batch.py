"""record_interactions and find_or_create_parties: a channel's batch in one transaction."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from core.unit_of_work import run_in_transaction, unit_of_work
from desk import record as record_module
from desk import signals
from desk.errors import InvalidInput
from desk.models import (
    AccessLog,
    ContactAddress,
    DuplicateSuggestion,
    Interaction,
    Party,
    PartyIdentifier,
    Role,
)
from desk.record import parties as parties_module
from extensions import db
from tests.record_data import JAN, dotted, national_number
from tests.statements import statements_during
from tests.units import each_call_committed

record = each_call_committed(record_module)


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_batch_lands_in_order_with_one_commit(app, make_staff):
    agent = make_staff(role=Role.CALL_AGENT)
    jan = record.find_or_create_party(name="Jan")
    an = record.find_or_create_party(name="An")
    commits, heard = [], []
    event.listen(db.session(), "after_commit", lambda session: commits.append(1))
    moments = [
        dict(party=jan, channel="sms", direction="outbound", subject="Reminder 1",
             link_type="appointment", link_id=7),
        dict(party=an.id, channel="email", direction="outbound", subject="Reminder 2"),
        dict(party=jan, channel="phone", direction="inbound", subject="Call", staff=agent,
             started_at=datetime(2026, 3, 2, 9, tzinfo=UTC)),
    ]  # fmt: skip
    with signals.interaction_recorded.connected_to(lambda _s, **kw: heard.append(kw)):
        made = record.record_interactions(moments)
    assert len(commits) == 1
    assert [m.subject for m in made] == ["Reminder 1", "Reminder 2", "Call"]
    assert [m.party_id for m in made] == [jan.id, an.id, jan.id]
    assert (made[0].subject_type, made[0].subject_id) == ("appointment", 7)
    assert [h["interaction_id"] for h in heard] == [m.id for m in made]
    assert count(Interaction) == 3
    # only the staff member's moment is a change in the access log
    assert [(a.staff_id, a.party_id) for a in db.session.scalars(select(AccessLog))] == [
        (agent.id, jan.id)
    ]


def test_one_bad_moment_refuses_the_batch_and_writes_nothing(app):
    jan = record.find_or_create_party(name="Jan")
    good = dict(party=jan, channel="sms", direction="outbound", subject="Fine")
    with pytest.raises(InvalidInput) as refused:
        record.record_interactions([good, {**good, "channel": "pigeon"}])
    assert refused.value.code == "invalid_channel"
    assert count(Interaction) == 0


def test_the_caller_s_pending_writes_commit_with_the_batch(app):
    """What a channel relies on: its own row and the moments are one transaction."""
    jan = record.find_or_create_party(name="Jan")
    jan.name = "Jan Peeters"  # pending, not committed by the caller
    record.record_interactions([dict(party=jan, channel="sms", direction="outbound", subject="x")])
    db.session.rollback()
    assert db.session.get(type(jan), jan.id).name == "Jan Peeters"


def test_an_empty_batch_is_nothing(app):
    assert record.record_interactions([]) == []


# --- find_or_create_parties -----------------------------------------------------------------


def known_citizens() -> dict[str, int]:
    """Parties already on record before a batch, by what the batch should do with them."""
    jan = record.find_or_create_party(name="Jan Peeters", national_number=JAN)
    piet = record.find_or_create_party(name="Piet", phone="0470 11 11 11", verified=True)
    mia = record.find_or_create_party(name="Mia", phone="0470 22 22 22")  # unverified
    return {"jan": jan.id, "piet": piet.id, "mia": mia.id}


KAREL = national_number("900101123")
BERT = national_number("880202456")

MIXED = [
    dict(name="An", phone="0470 00 00 01", email="an@example.be", language="fr"),
    dict(national_number=dotted(JAN), email="jan@example.org", language="nl"),  # Jan, by number
    dict(name="Bert", email="bert@example.be", national_number=BERT),
    dict(name="Piet P.", phone="+32 470 11 11 11", email="piet@example.be"),  # Piet, verified
    dict(name="Zoë", email="zoe@example.be"),
    dict(name="Karel", national_number=KAREL, preferred_channel="post"),
    dict(name="Zoë Z", email="ZOE@example.be"),  # Zoë's unverified e-mail: a new party
    dict(name="Mia M", phone="0032 470 22 22 22"),  # Mia's unverified phone: a new party
    dict(name="Naamloos"),
    dict(name="Karel K", national_number=dotted(KAREL), phone="0470 44 44 44"),  # Karel again
    dict(name="Bakkerij", kbo_number="0403.170.701", kind="organisation"),
    dict(name="Lies", phone="0470 33 33 33", verified=True),
    dict(name="Lies L", phone="0470333333", email="zoe@example.be"),  # Lies, verified phone
]


def the_record(answer: list[Party], known: dict[str, int]) -> dict:
    """What the case record holds, with parties named by what they are instead of their ids:
    a known one by its name in `known`, a new one by its first place in the batch."""
    names = {party_id: name for name, party_id in known.items()}
    for place, party in enumerate(answer):
        names.setdefault(party.id, f"new {place}")
    parties = db.session.scalars(select(Party)).all()
    assert {p.id for p in parties} == set(names)  # no party outside the answer was made
    return {
        "answer": [names[p.id] for p in answer],
        "parties": sorted(
            (names[p.id], p.name, p.search_name, p.kind, p.preferred_language, p.preferred_channel)
            for p in parties
        ),
        "addresses": sorted(
            (names[a.party_id], a.kind, a.value, a.is_default, a.verified_at is not None)
            for a in db.session.scalars(select(ContactAddress))
        ),
        "identifiers": sorted(
            (names[i.party_id], i.kind, i.digest, i.masked)
            for i in db.session.scalars(select(PartyIdentifier))
        ),
        "suggestions": sorted(
            (names[s.party_id], names[s.candidate_id], s.reason)
            for s in db.session.scalars(select(DuplicateSuggestion))
        ),
    }


class Undone(Exception):
    pass


def test_a_batch_gives_what_the_calls_one_by_one_give(app):
    known = known_citizens()
    with pytest.raises(Undone), unit_of_work():
        one_by_one = the_record([record.find_or_create_party(**c) for c in MIXED], known)
        raise Undone  # the same database for the batch: undo the calls one by one
    assert count(Party) == 3
    batch = the_record(record.find_or_create_parties(MIXED), known)
    assert batch == one_by_one
    answer = batch["answer"]
    assert answer[1] == "jan" and answer[3] == "piet"
    assert answer[4] != answer[6] and answer[7] != "mia"
    assert answer[9] == answer[5] and answer[12] == answer[11]
    assert set(batch["suggestions"]) == {
        (answer[6], answer[4], "email"),
        (answer[7], "mia", "phone"),
        (answer[12], answer[4], "email"),
        (answer[12], answer[6], "email"),
    }


def test_brand_new_citizens_cost_the_same_statements_however_many(app):
    def citizens(first: int, many: int) -> list[dict]:
        return [
            dict(
                name=f"Burger {n}",
                phone=f"0470 5{n:05d}",
                email=f"burger{n}@example.be",
                national_number=national_number(f"{850730100 + n}"),
            )
            for n in range(first, first + many)
        ]

    db.session.execute(select(1))
    db.session.commit()
    [one], alone = statements_during(lambda: record.find_or_create_parties(citizens(0, 1)))
    forty, together = statements_during(lambda: record.find_or_create_parties(citizens(1, 40)))
    assert [len(p.addresses) for p in forty] == [2] * 40
    assert [len(p.identifiers) for p in forty] == [1] * 40
    assert len({p.id for p in [one, *forty]}) == 41 and count(Party) == 41
    assert count(ContactAddress) == 82 and count(PartyIdentifier) == 41

    def reads(statements):
        return [s.split()[0] for s in statements if not s.startswith("INSERT")]

    def tables(statements):
        return [s.split()[2] for s in statements if s.startswith("INSERT")]

    assert reads(together) == reads(alone)  # the holders of all keys: one query each kind
    assert (
        set(tables(together))
        == set(tables(alone))
        == {
            "party",
            "party_identifier",
            "contact_address",
        }
    )
    assert len(together) == len(alone)


@pytest.mark.parametrize(
    ("bad", "code", "field"),
    [
        ({"phone": "0470 12 34"}, "invalid_phone", "phone"),
        ({"language": "xx"}, "invalid_language", "language"),
        ({"kind": "robot"}, "invalid_kind", "kind"),
        ({"preferred_channel": "pigeon"}, "invalid_preferred_channel", "preferred_channel"),
    ],
)
def test_one_bad_contact_refuses_the_batch_and_writes_nothing(app, bad, code, field):
    good = [dict(name=f"Burger {n}", email=f"burger{n}@example.be") for n in range(4)]
    with pytest.raises(InvalidInput) as refused:
        record.find_or_create_parties([*good[:2], {**good[2], **bad}, good[3]])
    assert (refused.value.code, refused.value.field) == (code, field)
    assert count(Party) == 0 and count(ContactAddress) == 0


def test_a_batch_commits_nothing_itself_the_caller_s_unit_of_work_does(app):
    commits = []
    first = [dict(name="An"), dict(name="Jan", national_number=JAN)]
    event.listen(db.session(), "after_commit", lambda session: commits.append(1))
    record_module.find_or_create_parties(first)
    assert commits == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Party)) == 0  # rolled back
    with unit_of_work():
        record_module.find_or_create_parties(
            [dict(name="An"), dict(name="Jan", national_number=JAN)]
        )
        again = record_module.find_or_create_parties([dict(national_number=JAN), dict(name="Piet")])
        assert commits == []
    assert commits == [1] and again[0].name == "Jan"
    assert record.find_or_create_parties([]) == [] and count(Party) == 3


def test_a_lost_race_retries_the_caller_s_whole_unit_of_work(app, monkeypatch):
    real_create = parties_module._create

    def lost_race_once(*args, **kwargs):
        monkeypatch.setattr(parties_module, "_create", real_create)
        raise IntegrityError("INSERT", {}, Exception("concurrent insert of the identifier"))

    monkeypatch.setattr(parties_module, "_create", lost_race_once)
    made = run_in_transaction(
        record_module.find_or_create_parties,
        [dict(name="An"), dict(name="Jan", national_number=JAN)],
        retry_if=record_module.lost_race,
    )
    assert parties_module._create is real_create  # the race did happen
    assert [p.name for p in made] == ["An", "Jan"] and count(Party) == 2
