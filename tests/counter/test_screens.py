"""Admins find each location's kiosk and board address (and the tickets' follow address) on one
page, as absolute addresses on PUBLIC_BASE_URL, linked from the menu."""

from desk.models import Role


def test_admins_see_every_locations_kiosk_and_board_address(client, town, make_staff, login):
    client.application.config["PUBLIC_BASE_URL"] = "https://loket.example.be/"
    login(make_staff("admin@example.org", role=Role.ADMIN))
    administration = client.get("/admin/").get_data(as_text=True)  # the menu's one admin item
    assert 'href="/counter/admin/screens"' in administration and "Schermen" in administration

    answer = client.get("/counter/admin/screens")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    for location in (town.hall, town.closed_office):
        assert f"https://loket.example.be/counter/kiosk/{location.id}" in page
        assert f"https://loket.example.be/counter/board/{location.id}" in page
    assert "https://loket.example.be/counter/follow/" in page
    assert "Adressen van zuilen en borden" in page


def test_the_screens_page_is_for_admins(client, town, make_staff, login):
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    assert client.get("/counter/admin/screens").status_code == 403
    assert "/counter/admin/screens" not in client.get("/desk/").get_data(as_text=True)
