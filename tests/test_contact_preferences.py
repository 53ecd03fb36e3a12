"""Consent, preferred channel, language and representations: desk.record and the desk page.

On SQLite and PostgreSQL (see conftest). Every change writes one "change" row in the access log;
bad input writes nothing.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from desk import labels
from desk import record as record_module
from desk.errors import Conflict, InvalidInput, NotFound
from desk.models import AccessLog, ContactAddress, Party, Representation
from extensions import db
from tests.record_data import JAN, LISA
from tests.units import each_call_committed

record = each_call_committed(record_module)


def count(model, **where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def fresh(model, ident):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, ident)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def clerk(make_staff, login):
    return login(make_staff(email="clerk@example.org", department="burgerzaken"))


def consenting(party):
    """As if the citizen had said yes to every purpose on every address (nothing is assumed)."""
    for address in party.addresses:
        for column in record.CONSENT_PURPOSES.values():
            setattr(address, column, True)
    db.session.commit()
    return party


@pytest.fixture
def jan(app):
    return consenting(
        record.find_or_create_party(
            name="Jan Peeters", phone="0470123456", email="jan@example.org", national_number=JAN
        )
    )


@pytest.fixture
def lisa(app):
    return consenting(
        record.find_or_create_party(name="Lisa Maes", phone="0471998877", national_number=LISA)
    )


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# --- desk.record ------------------------------------------------------------------------------


def test_consent_per_purpose_and_verification_are_one_logged_change(app, make_staff, jan):
    staff = make_staff(email="clerk@example.org")
    phone = next(a for a in jan.addresses if a.kind == "phone")
    before = count(AccessLog)
    record.set_contact_consent(
        party=jan.id,
        address=phone.id,
        consents={"reminders": False, "queue_alerts": True},
        verified=True,
        staff=staff,
    )
    changed = fresh(ContactAddress, phone.id)
    assert (changed.consent_reminders, changed.consent_queue_alerts) == (False, True)
    assert changed.consent_case_updates is True  # not given: unchanged
    assert changed.verified_at is not None and changed.consent_changed_at is not None
    [log] = db.session.scalars(select(AccessLog).where(AccessLog.id > before)).all()
    assert (log.action, log.party_id, log.staff_id) == ("change", jan.id, staff.id)
    assert log.detail_code == "access.address_changed"
    assert log.detail_params == {
        "address": phone.id,
        "change_codes": ["consent.reminders.no", "verified.yes"],  # queue alerts were yes
    }
    with force_locale("en"):
        words = labels.access_detail(log)
    assert words == f"Address {phone.id}: reminders: no, verified"
    with force_locale("nl"):
        assert labels.access_detail(log) != words  # the reader's language, not the writer's

    record.set_contact_consent(party=jan.id, address=phone.id, verified=False, staff=staff)
    assert fresh(ContactAddress, phone.id).verified_at is None


def test_an_unchanged_consent_writes_nothing(app, make_staff, jan):
    staff = make_staff(email="clerk@example.org")
    phone = next(a for a in jan.addresses if a.kind == "phone")
    before = count(AccessLog)
    record.set_contact_consent(
        party=jan, address=phone, consents={"reminders": True}, verified=False, staff=staff
    )
    assert count(AccessLog) == before


@pytest.mark.parametrize("purpose", ["marketing", "newsletter", ""])
def test_an_unknown_purpose_is_refused_and_nothing_changes(app, make_staff, jan, purpose):
    staff = make_staff(email="clerk@example.org")
    phone = next(a for a in jan.addresses if a.kind == "phone")
    before = count(AccessLog)
    with pytest.raises(InvalidInput) as refused:
        record.set_contact_consent(
            party=jan.id,
            address=phone.id,
            consents={"reminders": False, purpose: True},
            staff=staff,
        )
    assert refused.value.code == "unknown_purpose"
    assert fresh(ContactAddress, phone.id).consent_reminders is True
    assert count(AccessLog) == before


def test_an_address_of_another_party_is_not_found(app, make_staff, jan, lisa):
    staff = make_staff(email="clerk@example.org")
    lisas_phone = lisa.addresses[0]
    before = count(AccessLog)
    for address in (lisas_phone.id, 999_999):
        with pytest.raises(NotFound):
            record.set_contact_consent(
                party=jan.id, address=address, consents={"reminders": False}, staff=staff
            )
    assert fresh(ContactAddress, lisas_phone.id).consent_reminders is True
    assert count(AccessLog) == before


def test_preferred_channel_and_language(app, make_staff, jan):
    staff = make_staff(email="clerk@example.org")
    before = count(AccessLog)
    record.set_preferences(party=jan.id, preferred_channel="email", language="fr", staff=staff)
    party = fresh(Party, jan.id)
    assert (party.preferred_channel, party.preferred_language) == ("email", "fr")
    [log] = db.session.scalars(select(AccessLog).where(AccessLog.id > before)).all()
    assert log.action == "change" and log.detail_code == "access.preferences"
    with force_locale("en"):
        assert labels.access_detail(log) == "Preferences: notices by e-mail, language: French"
    with force_locale("fr"):
        assert "français" in labels.access_detail(log)

    record.set_preferences(party=jan.id, language="", staff=staff)
    assert fresh(Party, jan.id).preferred_language is None
    assert count(AccessLog) == before + 2


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"preferred_channel": "fax"}, "invalid_preferred_channel"),
        ({"preferred_channel": "email", "language": "xx"}, "invalid_language"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_changes(app, make_staff, jan, fields, code):
    staff = make_staff(email="clerk@example.org")
    before = count(AccessLog)
    with pytest.raises(InvalidInput) as refused:
        record.set_preferences(party=jan.id, staff=staff, **fields)
    assert refused.value.code == code
    party = fresh(Party, jan.id)
    assert (party.preferred_channel, party.preferred_language) == ("sms", None)
    assert count(AccessLog) == before


def test_a_channel_needs_an_address_of_its_kind(app, lisa):
    with pytest.raises(InvalidInput) as refused:
        record.set_preferences(party=lisa.id, preferred_channel="email")
    assert refused.value.code == "channel_needs_email"
    assert fresh(Party, lisa.id).preferred_channel == "sms"
    record.set_preferences(party=lisa.id, preferred_channel="post")
    assert fresh(Party, lisa.id).preferred_channel == "post"


def test_a_representation_ends_once(app, make_staff, jan, lisa):
    staff = make_staff(email="clerk@example.org")
    rep = record.add_representation(representative=lisa, represented=jan, basis="volmacht")
    before = count(AccessLog)
    record.end_representation(representation=rep.id, staff=staff)
    ended = fresh(Representation, rep.id)
    assert ended.valid_until is not None and ended.valid_until <= datetime.now(UTC)
    assert count(AccessLog, action="change", party_id=jan.id) >= 1
    assert count(AccessLog) == before + 1
    with pytest.raises(Conflict):
        record.end_representation(representation=rep.id, staff=staff)
    with pytest.raises(NotFound):
        record.end_representation(representation=999_999, staff=staff)
    assert count(AccessLog) == before + 1


# --- the desk page ----------------------------------------------------------------------------


def test_the_party_page_links_to_the_preferences_page(client, clerk, jan):
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Consent: reminders, queue alerts, case updates" in text
    assert "Preferred channel SMS" in text
    page = client.get(f"/desk/parties/{jan.id}/contact")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "+32 470 12 34 56" in html and "jan@example.org" in html


def test_staff_change_consent_on_the_desk(client, clerk, jan):
    phone = next(a for a in jan.addresses if a.kind == "phone")
    prefix = f"address-{phone.id}-"
    response = client.post(
        f"/desk/parties/{jan.id}/addresses/{phone.id}/consent",
        data={prefix + "queue_alerts": "y", prefix + "verified": "y"},
    )
    assert response.status_code == 302
    changed = fresh(ContactAddress, phone.id)
    assert (changed.consent_reminders, changed.consent_queue_alerts) == (False, True)
    assert changed.consent_case_updates is False and changed.verified_at is not None
    assert count(AccessLog, action="change", party_id=jan.id, staff_id=clerk.id) == 1
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Consent: queue alerts" in text


def test_consent_for_an_address_of_another_party_is_404(client, clerk, jan, lisa):
    lisas = lisa.addresses[0]
    before = count(AccessLog)
    for path in (
        f"/desk/parties/{jan.id}/addresses/{lisas.id}/consent",
        f"/desk/parties/{jan.id}/addresses/999999/consent",
        f"/desk/parties/999999/addresses/{lisas.id}/consent",
    ):
        assert client.post(path, data={}).status_code == 404
    assert fresh(ContactAddress, lisas.id).consent_reminders is True
    assert count(AccessLog) == before


def test_staff_change_preferences_and_bad_ones_write_nothing(client, clerk, lisa):
    saved = client.post(
        f"/desk/parties/{lisa.id}/preferences",
        data={"preferences-preferred_channel": "post", "preferences-language": "fr"},
    )
    assert saved.status_code == 302
    party = fresh(Party, lisa.id)
    assert (party.preferred_channel, party.preferred_language) == ("post", "fr")
    logged = count(AccessLog, action="change")  # a refused form shows the page: a "view"

    for data in (
        {"preferences-preferred_channel": "email", "preferences-language": "fr"},  # no e-mail
        {"preferences-preferred_channel": "pigeon", "preferences-language": ""},
        {"preferences-preferred_channel": "sms", "preferences-language": "tlh"},
    ):
        refused = client.post(f"/desk/parties/{lisa.id}/preferences", data=data)
        assert refused.status_code == 422
        assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert "needs an e-mail address" in page_text(
        client.post(
            f"/desk/parties/{lisa.id}/preferences",
            data={"preferences-preferred_channel": "email"},
        )
    )
    party = fresh(Party, lisa.id)
    assert (party.preferred_channel, party.preferred_language) == ("post", "fr")
    assert count(AccessLog, action="change") == logged


def test_staff_add_and_end_a_representation(client, clerk, jan, lisa):
    added = client.post(
        f"/desk/parties/{jan.id}/representations",
        data={
            "representation-representative": "0471 99 88 77",
            "representation-basis": "volmacht",
            "representation-valid_until": "2030-12-31",
        },
    )
    assert added.status_code == 302
    rep = db.session.scalar(select(Representation))
    assert (rep.representative_id, rep.represented_id) == (lisa.id, jan.id)
    assert rep.valid_until == datetime(2030, 12, 31, 22, 59, 59, tzinfo=UTC)  # Brussels winter
    assert "Represented by Lisa Maes" in page_text(client.get(f"/desk/parties/{jan.id}"))

    assert client.post(f"/desk/representations/{rep.id}/end").status_code == 302
    assert fresh(Representation, rep.id).valid_until <= datetime.now(UTC) + timedelta(seconds=1)
    assert "Represented by" not in page_text(client.get(f"/desk/parties/{jan.id}"))


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("0499 00 00 00", "Nobody found"),
        ("Lisa Maes", "Nobody found"),  # names never name a representative
        ("0470 12 34 56", "cannot represent itself"),
    ],
)
def test_a_representative_must_be_named_exactly(client, clerk, jan, lisa, who, message):
    refused = client.post(
        f"/desk/parties/{jan.id}/representations",
        data={"representation-representative": who, "representation-basis": "volmacht"},
    )
    assert refused.status_code == 422
    assert message in page_text(refused)
    assert count(Representation) == 0
