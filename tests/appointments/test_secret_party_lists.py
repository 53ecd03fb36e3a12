"""The day view applies the party page's rule row by row (issue 16, point 14) and logs every
citizen it shows (point 17)."""

from sqlalchemy import select

from appointments import booking
from appointments.models import Appointment
from desk.models import AccessLog, Party, Role
from extensions import db
from tests.appointments.conftest import local, next_weekday


def day_view(client, office, day):
    return client.get(
        "/desk/appointments/",
        query_string={"location": office.town_hall.id, "day": day.isoformat()},
    )


def test_a_secret_citizen_is_hidden_on_the_day_view_and_the_others_are_logged(
    client, office, make_staff, login
):
    clerk = login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    monday = next_weekday(0)
    common = dict(service_ids=[office.id_card.id], location_id=office.town_hall.id)
    secret = booking.book(
        **common, start=local(monday, 10), name="Sara Geheim", phone="0470 55 55 55"
    )
    open_one = booking.book(
        **common, start=local(monday, 11), name="Mia Maes", phone="0470 11 22 33"
    )
    db.session.commit()
    secret_party = db.session.get(Appointment, secret.id).party_id
    db.session.get(Party, secret_party).secret = True
    db.session.commit()

    page = day_view(client, office, monday).get_data(as_text=True)
    assert "Sara Geheim" not in page and secret.reference not in page
    assert "+32 470 55 55 55" not in page and "verborgen (vertrouwelijk)" in page
    assert "Mia Maes" in page and open_one.reference in page
    db.session.commit()
    logged = db.session.scalars(select(AccessLog).where(AccessLog.staff_id == clerk.id)).all()
    assert [(row.party_id, row.action) for row in logged] == [
        (db.session.get(Appointment, open_one.id).party_id, "view")
    ]
    # nor can its actions be reached by id
    assert client.post(f"/desk/appointments/{secret.id}/cancel").status_code == 404
    assert client.get(f"/desk/appointments/{secret.id}/reschedule").status_code == 404


def test_an_admin_sees_the_secret_citizen_and_it_is_logged(client, office, make_staff, login):
    admin = login(make_staff(email="admin@example.org", role=Role.ADMIN))
    monday = next_weekday(0)
    secret = booking.book(
        service_ids=[office.id_card.id],
        location_id=office.town_hall.id,
        start=local(monday, 10),
        name="Sara Geheim",
        phone="0470 55 55 55",
    )
    db.session.commit()
    party_id = db.session.get(Appointment, secret.id).party_id
    db.session.get(Party, party_id).secret = True
    db.session.commit()
    assert "Sara Geheim" in day_view(client, office, monday).get_data(as_text=True)
    db.session.commit()
    assert db.session.scalars(
        select(AccessLog.party_id).where(AccessLog.staff_id == admin.id)
    ).all() == [party_id]


def test_the_staff_feeds_name_no_citizen_and_show_a_secret_one_as_reserved(client, office):
    """A feed is read through a link, by no one signed in: nothing a staff read would have to
    log (no name, no contact), and a secret citizen's booking without even its reference."""
    monday = next_weekday(0)
    common = dict(service_ids=[office.id_card.id], location_id=office.town_hall.id)
    secret = booking.book(
        **common, start=local(monday, 10), name="Sara Geheim", phone="0470 55 55 55"
    )
    open_one = booking.book(
        **common, start=local(monday, 11), name="Mia Maes", email="mia@example.org"
    )
    db.session.commit()
    db.session.get(Party, db.session.get(Appointment, secret.id).party_id).secret = True
    db.session.commit()
    logged = db.session.scalar(select(db.func.count()).select_from(AccessLog))

    for token in (office.town_hall.feed_token, office.desk_1.feed_token):
        feed = client.get(f"/appointments/feeds/{token}.ics").get_data(as_text=True)
        unfolded = feed.replace("\r\n ", "")
        for personal in ("Sara Geheim", "Mia Maes", "mia@example.org", "470 55", "470555"):
            assert personal not in unfolded
        assert secret.reference not in unfolded and open_one.reference in unfolded
        assert unfolded.count("Gereserveerd") == 1
    assert db.session.scalar(select(db.func.count()).select_from(AccessLog)) == logged
