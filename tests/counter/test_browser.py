"""Kiosk and board in Chromium: accessible (axe-core, zero violations), and the board shows a
call live while the page stays open."""

import pytest

from tests.browser import axe_violations

pytestmark = pytest.mark.browser


def test_a_walk_in_takes_a_ticket_at_the_kiosk(page, live_server, town):
    page.goto(f"{live_server.url}/counter/kiosk/{town.hall.id}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Identiteitskaart").first.click()
    page.wait_for_url("**/counter/ticket/**")
    assert page.locator("#ticket-number").inner_text() == "A001"
    assert axe_violations(page) == []
    page.goto(page.url.replace("/ticket/", "/follow/"))
    assert "0" in page.locator("#follow-status").inner_text()
    assert axe_violations(page) == []


def test_the_board_shows_a_call_live(page, live_server, town, counter_token, client):
    import requests

    client.post(
        "/api/v1/tickets", json={"service_id": town.id_card.id, "location_id": town.hall.id}
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
