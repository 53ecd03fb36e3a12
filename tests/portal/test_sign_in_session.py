"""The citizen session's representation: acting for someone holds only while the
representation does, and only a representation the citizen holds can be switched to."""

from datetime import timedelta

import pytest
import time_machine
from flask import g

from core.database import utcnow
from desk import record
from extensions import db
from portal import session as citizen
from tests.portal.helpers import sign_in_as


def whoami():
    who = g.citizen
    return {"own": who.own_party_id, "party": who.party_id, "via": who.representation_id}


def act(representation_id):
    citizen.act_for(g.citizen_session, representation_id or None)
    return whoami()


def probe_client(make_app, **config):
    """A client of an app with two probes: who am I, and act for a representation."""
    app = make_app(**config)
    app.add_url_rule("/my/_whoami", "whoami", citizen.citizen_required(whoami))
    app.add_url_rule(
        "/my/_act/<int:representation_id>", "act", citizen.citizen_required(act), methods=["POST"]
    )
    return app.test_client()


@pytest.fixture
def client(make_app):
    return probe_client(make_app)


@pytest.fixture
def family(app):
    daughter = record.find_or_create_party(name="Els Peeters", phone="0470 12 34 56")
    father = record.find_or_create_party(name="Jan Peeters", phone="0470 65 43 21")
    stranger = record.find_or_create_party(name="Piet Janssens", phone="0470 11 11 11")
    held = record.add_representation(
        representative=daughter,
        represented=father,
        basis="volmacht",
        valid_until=utcnow() + timedelta(days=30),
    )
    others = record.add_representation(representative=stranger, represented=father, basis="x")
    db.session.commit()
    return daughter, father, stranger, held, others


def test_a_representative_switches_to_the_person_they_act_for_and_back(client, family):
    daughter, father, _stranger, held, _others = family
    sign_in_as(client, daughter.id)

    assert client.post(f"/my/_act/{held.id}").json == {
        "own": daughter.id,
        "party": father.id,
        "via": held.id,
    }
    assert client.get("/my/_whoami").json["party"] == father.id
    assert client.post("/my/_act/0").json == {"own": daughter.id, "party": daughter.id, "via": None}


def test_someone_elses_representation_is_a_404(client, family):
    daughter, _father, _stranger, _held, others = family
    sign_in_as(client, daughter.id)
    assert client.post(f"/my/_act/{others.id}").status_code == 404
    assert client.post("/my/_act/999999").status_code == 404
    assert client.get("/my/_whoami").json["party"] == daughter.id


def test_acting_for_ends_with_the_representation(client, family):
    daughter, father, _stranger, held, _others = family
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in_as(client, daughter.id)
        client.post(f"/my/_act/{held.id}")
        record.end_representation(representation=held.id)
        db.session.commit()
        traveller.shift(timedelta(seconds=1))
        assert client.get("/my/_whoami").json == {
            "own": daughter.id,
            "party": daughter.id,
            "via": None,
        }


def test_acting_for_ends_when_the_representation_runs_out(make_app, family):
    daughter, father, _stranger, held, _others = family
    client = probe_client(make_app, MY_IDLE_MINUTES=60 * 24 * 60)  # open for two months
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in_as(client, daughter.id)
        client.post(f"/my/_act/{held.id}")
        traveller.move_to(held.valid_until - timedelta(minutes=1))
        assert client.get("/my/_whoami").json["party"] == father.id
        traveller.move_to(held.valid_until + timedelta(minutes=1))
        assert client.get("/my/_whoami").json["party"] == daughter.id


def test_the_scheduler_forgets_spent_codes_and_old_sessions(app, client, family, runner):
    from sqlalchemy import func, select

    from portal.codes import read_address, request_code
    from portal.models import CitizenSession, SignInCode

    daughter, father, *_rest = family
    with time_machine.travel(utcnow(), tick=False) as traveller:
        request_code(read_address("0470 12 34 56"), "nl")
        db.session.commit()
        sign_in_as(client, daughter.id)
        sign_in_as(client, father.id)
        traveller.shift(timedelta(days=1, minutes=40))
        request_code(read_address("0470 12 34 56"), "nl")  # still within its ten minutes
        db.session.commit()
        sign_in_as(client, daughter.id)  # in use
        assert not runner.invoke(
            args=["scheduler", "--once", "--job", "portal.forget_sign_ins"]
        ).exception
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SignInCode)) == 1
    assert db.session.scalar(select(func.count()).select_from(CitizenSession)) == 1
