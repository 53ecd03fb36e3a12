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
