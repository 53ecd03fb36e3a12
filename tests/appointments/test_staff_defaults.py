"""Staff pages start where the clerk works and speak to the clerk, not to the citizen."""

from desk.models import Role, Staff
from extensions import db
from office.models import Counter, Location
from tests.appointments.conftest import local, next_weekday


def branch_office() -> Location:
    """A second office whose name sorts before the town hall's: the old default."""
    branch = Location(name="Bijkantoor Aalter", address="Dorp 1")
    db.session.add_all([branch, Counter(name="Balie A", location=branch)])
    db.session.commit()
    return branch


def heading(page: str) -> str:
    return page.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_the_day_view_opens_on_the_clerks_own_office(client, office, make_staff, login):
    branch = branch_office()
    clerk = make_staff(email="clerk@example.org", role=Role.COUNTER)
    clerk.home_location_id = office.town_hall.id
    db.session.commit()
    login(clerk)
    page = client.get("/desk/appointments/").text
    assert "Stadhuis" in heading(page)
    # Another office is one choice away, and a chosen one wins over the home office.
    chosen = client.get("/desk/appointments/", query_string={"location": branch.id}).text
    assert "Bijkantoor Aalter" in heading(chosen)


def test_without_a_home_office_the_day_view_opens_on_the_first(client, office, make_staff, login):
    branch_office()
    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    assert "Bijkantoor Aalter" in heading(client.get("/desk/appointments/").text)


def test_an_admin_sets_where_a_clerk_works(client, office, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    clerk = make_staff(email="clerk@example.org", role=Role.COUNTER)
    form = client.get(f"/admin/staff/{clerk.id}").text
    assert f'<option value="{office.town_hall.id}">Stadhuis</option>' in form
    data = {"name": clerk.name, "email": clerk.email, "role": "counter", "department_id": 0}
    saved = client.post(
        f"/admin/staff/{clerk.id}", data=data | {"home_location_id": office.town_hall.id}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Staff, clerk.id).home_location_id == office.town_hall.id
    # A location that does not exist is refused on the form, not stored.
    refused = client.post(f"/admin/staff/{clerk.id}", data=data | {"home_location_id": 999999})
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(Staff, clerk.id).home_location_id == office.town_hall.id


def test_booking_for_a_caller_speaks_to_the_clerk(client, office, make_staff, login):
    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    start = client.get("/appointments/", query_string={"behalf": "phone"}).text
    assert "geen account nodig" not in start and "Kies wat de burger nodig heeft" in start
    assert "in het leven van de burger" in start
    citizen_start = client.get("/appointments/").text
    assert "U hebt geen account nodig" in citizen_start


def test_the_details_step_speaks_about_the_citizen_to_staff(client, office, make_staff, login):
    start = local(next_weekday(0), 9).isoformat()
    query = {"service": office.id_card.id, "location": office.town_hall.id, "start": start}
    citizen = client.get("/appointments/details", query_string=query).text
    assert "Uw gegevens" in citizen
    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    staff = client.get("/appointments/details", query_string=query | {"behalf": "phone"}).text
    assert "Uw gegevens" not in staff and "Gegevens van de burger" in staff
    assert "Stuur me" not in staff
    # A mistake keeps the staff wording: the form comes back about the citizen.
    refused = client.post(
        "/appointments/details", data=query | {"behalf": "phone", "name": "Mia Maes"}
    )
    assert refused.status_code == 422
    assert "zodat we de burger kunnen bereiken" in refused.text
