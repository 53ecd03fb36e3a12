"""`appointments.of_party`: what other packages (Mijn Loket, the desk, the phone console) may
know of a citizen's appointments, following merges in the case record."""

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import appointments
from appointments import booking
from desk import merging as merging_module
from desk.models import Role
from tests.appointments.conftest import local
from tests.units import each_call_committed

merging = each_call_committed(merging_module)

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # a Monday morning before opening
MONDAY = date(2027, 3, 1)
NATIONAL_NUMBER = "85.07.30-033.28"


def book(office, start, **fields):
    values = {
        "service_ids": [office.id_card.id],
        "start": start,
        "name": "An Peeters",
        "email": "an.peeters@example.be",
        "national_number": NATIONAL_NUMBER,  # every booking finds the same party
        "now": NOW,
    }
    values.update(fields)
    return booking.book(**values)


def test_a_partys_appointments_upcoming_soonest_first_then_past_latest_first(office):
    early = book(office, local(MONDAY, 9))
    later = book(office, local(MONDAY, 10), service_ids=[office.id_card.id, office.address.id])
    tomorrow = book(office, local(MONDAY + timedelta(days=1), 9))
    next_week = book(office, local(MONDAY + timedelta(days=7), 9))
    booking.cancel(next_week, now=NOW)
    book(office, local(MONDAY, 11), name="Bert Claes", national_number=None)  # someone else

    at_noon = local(MONDAY, 12)
    found = appointments.of_party(early.party_id, now=at_noon, language="nl")
    assert [a.reference for a in found] == [
        tomorrow.reference,
        next_week.reference,
        later.reference,
        early.reference,
    ]
    assert [(a.upcoming, a.status) for a in found] == [
        (True, "booked"),
        (True, "cancelled"),
        (False, "booked"),
        (False, "booked"),
    ]
    assert asdict(found[2]) == {
        "id": later.id,
        "reference": later.reference,
        "starts_at": local(MONDAY, 10),
        "ends_at": later.ends_at,
        "location": "Stadhuis",
        "services": ("Identiteitskaart", "Adreswijziging"),
        "status": "booked",
        "upcoming": False,
    }
    assert appointments.of_party(early.party_id, now=at_noon, language="fr")[2].services == (
        "Carte d'identité",
        "Changement d'adresse",
    )


def test_appointments_of_a_merged_party_count_as_the_survivors(office, make_staff):
    clerk = make_staff(email="clerk@example.org", role=Role.COUNTER)
    own = book(office, local(MONDAY, 9))
    # Booked with a phone number only: the record cannot know it is the same citizen.
    other = book(office, local(MONDAY, 10), national_number=None, email=None, phone="0470123456")
    assert other.party_id != own.party_id
    assert [a.reference for a in appointments.of_party(own.party_id, now=NOW)] == [own.reference]

    merge = merging.merge_parties(survivor=own.party_id, absorbed=other.party_id, staff=clerk)
    both = [own.reference, other.reference]
    assert [a.reference for a in appointments.of_party(own.party_id, now=NOW)] == both
    # Asked by the id it was booked under, the absorbed party answers as the survivor.
    assert [a.reference for a in appointments.of_party(other.party_id, now=NOW)] == both

    merging.undo_merge(merge=merge.id, staff=clerk)
    assert [a.reference for a in appointments.of_party(own.party_id, now=NOW)] == [own.reference]
    assert [a.reference for a in appointments.of_party(other.party_id, now=NOW)] == [
        other.reference
    ]


def test_an_unknown_party_has_no_appointments(office):
    assert appointments.of_party(999_999) == []
