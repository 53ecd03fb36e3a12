"""Kiosk and board in Chromium: accessible (axe-core, zero violations), and the board shows a
call live while the page stays open."""

import pytest

from tests.browser import axe_violations

pytestmark = pytest.mark.browser


def test_a_walk_in_takes_a_ticket_at_the_kiosk(page, live_server, town, kiosk):
    """The kiosk's browser is paired once, through the link an admin hands out."""
    page.goto(f"{live_server.url}/counter/kiosk/pair/{kiosk.code}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Maak van deze browser de kiosk").click()
    page.wait_for_url(f"**/counter/kiosk/{town.hall.id}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Identiteitskaart").first.click()
    page.wait_for_url("**/counter/ticket/**")
    assert page.locator("#ticket-number").inner_text() == "A001"
    assert axe_violations(page) == []
    page.goto(page.url.replace("/ticket/", "/follow/"))
    assert "0" in page.locator("#follow-status").inner_text()
    assert axe_violations(page) == []


def test_the_board_shows_a_call_live(page, live_server, town, counter_token, client, kiosk):
    import requests

    client.post(
        "/api/v1/tickets",
        json={"service_id": town.id_card.id, "location_id": town.hall.id},
        headers=kiosk.headers,
    )
    page.goto(f"{live_server.url}/counter/board/{town.hall.id}")
    assert axe_violations(page) == []
    page.wait_for_function("() => document.body.dataset.boardConnected === 'yes'")
    response = requests.post(
        f"{live_server.url}/api/v1/counters/{town.desk_2.id}/call-next",
        headers=counter_token(),
        timeout=30,
    )
    assert response.status_code == 200
    page.locator("#board-now-number", has_text="A001").wait_for()
    assert page.locator("#board-now-counter").inner_text() == "Loket 2"
    assert axe_violations(page) == []


def test_a_citizen_takes_a_ticket_on_their_own_phone(page, live_server, town):
    """No kiosk: the page asks for a mobile number, shows what is missing, then follows."""
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    assert axe_violations(page) == []
    page.get_by_label("Identiteitskaart").check()
    page.get_by_role("button", name="Neem een ticket").click()
    summary = page.get_by_role("alert")
    assert "Geef uw gsm-nummer." in summary.inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Identiteitskaart").check()
    page.get_by_label("Gsm-nummer").fill("0470 12 34 56")
    page.get_by_role("button", name="Neem een ticket").click()
    page.wait_for_url("**/counter/follow/**")
    assert "sms" in page.locator("main").inner_text()
    assert axe_violations(page) == []


def test_an_admin_registers_a_kiosk_and_clears_a_flooded_queue(
    page, live_server, town, make_staff, browser_sign_in, client
):
    admin = make_staff(email="admin@example.org", role="admin")
    for number in ("0470 12 34 56", "0471 12 34 56", "0472 12 34 56"):
        body = {"service_id": town.id_card.id, "location_id": town.hall.id, "phone": number}
        assert client.post("/api/v1/tickets", json=body).status_code == 201
    browser_sign_in(page, admin)

    page.goto(f"{live_server.url}/counter/desk")
    page.get_by_role("link", name="Kiosken").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Kiosk registreren").click()  # no name: refused
    assert "Geef de kiosk een naam." in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Naam van de kiosk").fill("Inkomhal")
    page.get_by_label("Locatie").select_option(label="Stadhuis")
    page.get_by_role("button", name="Kiosk registreren").click()
    assert page.locator("#device-token").inner_text().startswith("lkk_")
    assert "/counter/kiosk/pair/" in page.locator("#pairing-url").inner_text()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Terug naar de kiosken").click()
    page.get_by_role("link", name="Wachtende tickets").click()
    page.get_by_role("navigation", name="Locatie").get_by_role("link", name="Stadhuis").click()
    assert page.locator("tbody tr").count() == 3
    assert axe_violations(page) == []
    page.get_by_label("Alles selecteren").check()
    page.get_by_role("button", name="Geselecteerde tickets verwijderen").click()
    assert "3 tickets verwijderd uit de wachtrij." in page.locator(".flashes").inner_text()
    assert "Niemand wacht." in page.locator("main").inner_text()
    assert axe_violations(page) == []


def paired(tab, live_server, kiosk):
    """The tab's browser as the town hall's paired kiosk (the cookie its pairing link sets)."""
    from counter import kiosks

    with live_server.app.app_context():
        value = kiosks.cookie_for(kiosk)
    tab.context.add_cookies(
        [{"name": kiosks.COOKIE, "value": value, "url": f"{live_server.url}{kiosks.COOKIE_PATH}"}]
    )
    return tab


def no_sideways_scroll(tab) -> bool:
    return tab.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_refused_check_in_says_why_on_the_kiosk(page, live_server, town, kiosk):
    paired(page, live_server, kiosk)
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    page.get_by_label("Uw referentie").fill("ZZZ-999")
    page.get_by_role("button", name="Aanmelden").click()
    error = page.locator("#check-in-error")
    error.get_by_text("We vinden geen afspraak met deze referentie.").wait_for()
    assert error.is_visible()
    assert axe_violations(page) == []
    # The kiosk stays usable: a ticket after the refusal.
    page.get_by_role("button", name="Identiteitskaart").first.click()
    page.wait_for_url("**/counter/ticket/**")


def test_the_ticket_shows_its_qr_code_and_the_follow_address(page, live_server, town, kiosk):
    paired(page, live_server, kiosk)
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    page.get_by_role("button", name="Identiteitskaart").first.click()
    page.wait_for_url("**/counter/ticket/**")
    qr = page.locator("img.ticket-qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0
    follow = page.url.replace("/ticket/", "/follow/")
    assert page.locator("#follow-url").inner_text() == follow
    assert page.locator("#follow-url").is_visible()


def test_the_kiosk_speaks_dutch_again_after_a_ticket(page, live_server, town, kiosk):
    paired(page, live_server, kiosk)
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    page.get_by_role("button", name="Français").click()
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    page.locator("button.kiosk-button").first.click()
    page.wait_for_url("**/counter/ticket/**")
    assert page.locator("html").get_attribute("lang") == "fr"  # this citizen's ticket
    page.locator("#back-to-start").click()
    page.wait_for_url(f"**/counter/kiosk/{town.hall.id}")
    assert page.locator("html").get_attribute("lang") == "nl"  # the next citizen's kiosk


def test_an_untouched_kiosk_goes_back_to_dutch(page, live_server, town, kiosk):
    paired(page, live_server, kiosk)
    live_server.app.config["COUNTER_KIOSK_IDLE_SECONDS"] = 1
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    page.get_by_role("button", name="Français").click()
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    page.wait_for_function("() => document.documentElement.lang === 'nl'", timeout=10_000)
    assert page.get_by_role("button", name="Identiteitskaart").first.is_visible()


def test_life_events_are_large_touch_targets(page, live_server, town, kiosk):
    paired(page, live_server, kiosk)
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    event = page.locator("summary.kiosk-event-name").first
    box = event.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    event.click()
    assert page.locator("details.kiosk-event").first.get_attribute("open") is not None
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [320, 390])
def test_kiosk_ticket_and_board_fit_a_narrow_screen(page, live_server, town, client, width, kiosk):
    paired(page, live_server, kiosk)
    client.post(
        "/api/v1/tickets",
        json={"service_id": town.id_card.id, "location_id": town.hall.id},
        headers=kiosk.headers,
    )
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    page.locator("details.kiosk-event").first.locator("summary").click()
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Identiteitskaart").first.click()
    page.wait_for_url("**/counter/ticket/**")
    assert no_sideways_scroll(page)
    page.goto(f"{live_server.url}/counter/board/{town.hall.id}")
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []


def test_the_board_before_the_first_call(page, live_server, town):
    page.goto(f"{live_server.url}/counter/board/{town.hall.id}")
    assert page.get_by_text("Nog niemand opgeroepen.").is_visible()
    assert not page.locator("#board-now-call").is_visible()
    clock = page.locator("#board-clock")
    assert clock.is_visible()
    assert clock.inner_text().replace(".", ":").count(":") == 1  # HH:MM, Brussels time
    assert page.locator("thead th").first.inner_text() == "Nummer"
    sound = page.get_by_role("button", name="Zet geluid aan")
    assert sound.get_attribute("aria-pressed") == "false"
    sound.click()
    assert page.get_by_role("button", name="Zet geluid uit").get_attribute("aria-pressed") == "true"
    assert axe_violations(page) == []


def test_the_board_of_a_closed_office_says_so(page, live_server, town):
    page.goto(f"{live_server.url}/counter/board/{town.closed_office.id}")
    assert page.get_by_text("Dit kantoor is nu gesloten.").is_visible()
    assert not page.get_by_text("Nog niemand opgeroepen.").is_visible()
    page.wait_for_function("() => document.body.dataset.boardConnected === 'yes'")
    assert page.get_by_text("Dit kantoor is nu gesloten.").is_visible()  # after the socket's state
    assert axe_violations(page) == []


def test_the_clerk_searches_the_record_and_attaches_the_visit_in_one_step(
    page, live_server, town, make_staff, browser_sign_in
):
    from counter import calling, tickets
    from counter.models import Ticket
    from desk import record
    from desk.models import Party, Role
    from extensions import db

    clerk = make_staff("balie@example.org", role=Role.COUNTER)
    marie = record.find_or_create_party(name="Marie Dubois", phone="+32478556677")
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    calling.call_next(town.desk_1.id)
    db.session.commit()
    marie_id, ticket_id = marie.id, ticket.id

    browser_sign_in(page, clerk)
    page.goto(f"{live_server.url}/counter/desk/{town.desk_1.id}")
    assert axe_violations(page) == []
    page.locator("#attach-q").fill("0478 55 66 77")
    page.locator("form.attach-search button[type=submit]").click()
    page.wait_for_load_state()
    candidates = page.locator(".attach-candidates li")
    assert candidates.count() == 1 and "Marie Dubois" in candidates.first.inner_text()
    assert axe_violations(page) == []
    candidates.first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#attach-q").count() == 0  # attached: the record link instead
    assert page.locator(f'a[href="/desk/parties/{marie_id}?purpose=contact"]').count() == 1
    assert axe_violations(page) == []
    db.session.commit()  # a fresh look at what the page wrote
    assert db.session.get(Ticket, ticket_id).party_id == marie_id
    assert db.session.query(Party).count() == 1
