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
