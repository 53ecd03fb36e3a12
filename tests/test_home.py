"""The public home page: each place's address and hours (today and the week), the number to
call as a tel: link, "follow my ticket", names in the reader's language, no repeated brand."""

from datetime import time

import pytest

from extensions import db
from office.models import Counter, Location, OpeningPeriod


@pytest.fixture
def town_hall(app):
    place = Location(
        name="Stadhuis", name_fr="Hôtel de ville", name_en="Town hall", address="Markt 1, 9000 Gent"
    )
    place.opening_periods = [
        OpeningPeriod(weekday=day, opens=time(8, 30), closes=time(12, 0)) for day in range(7)
    ]
    db.session.add(place)
    db.session.add(Counter(name="Loket 1", name_fr="Guichet 1", location=place))
    db.session.commit()
    return place


def home(make_app, language="en", **config):
    client = make_app(**config).test_client()
    return client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)


def test_each_place_shows_its_address_and_hours(make_app, town_hall):
    page = home(make_app)
    assert "Town hall" in page and "Markt 1, 9000 Gent" in page
    assert "Today:</strong> 08:30–12:00" in page
    assert page.count("<tr") >= 7  # the week from today
    assert "Hôtel de ville" in home(make_app, "fr")
    assert "Stadhuis" in home(make_app, "nl")


def test_the_phone_number_is_a_tel_link(make_app, town_hall):
    page = home(make_app, MUNICIPALITY_PHONE="+32 9 123 45 67")
    assert '<a href="tel:+3291234567">+32 9 123 45 67</a>' in page


def test_the_brand_is_not_repeated(make_app, town_hall):
    page = home(make_app, MUNICIPALITY_NAME="Gemeente Loket")
    assert "Gemeente Loket Loket" not in page
    assert 'class="brand-product">Loket' in home(make_app, MUNICIPALITY_NAME="Stad Gent")


def test_follow_my_ticket_leads_to_the_ticket_page(make_app, town_hall):
    client = make_app().test_client()
    typed = "https://loket.example.org/counter/follow/abc123DEF_-x"
    answer = client.get("/follow", query_string={"ticket": typed})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/counter/follow/abc123DEF_-x")
    assert client.get("/follow", query_string={"ticket": "<script>"}).status_code == 302
    assert 'action="/follow"' in home(make_app)


def test_counter_names_follow_the_reader(app, town_hall):
    counter = town_hall.counters[0]
    assert counter.name_in("fr") == "Guichet 1"
    assert counter.name_in("en") == "Loket 1"  # no English name: the stored one
    assert town_hall.name_in("nl") == "Stadhuis"
