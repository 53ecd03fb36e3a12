"""The booking flow's fixes in Chromium: nothing preselected, the error summary takes the focus
and names both contact fields, the month grid works with the keyboard, a move is confirmed
first, a cancelled appointment offers a new one; the home page. axe-core finds nothing."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from appointments import booking
from appointments.models import Appointment, Status
from core.database import utcnow
from extensions import db
from tests.appointments.conftest import local, next_weekday
from tests.appointments.test_browser_booking import accessible, tab_to

pytestmark = pytest.mark.browser


def focused(page, selector: str, timeout_ms: int = 5000) -> bool:
    """Whether focus reaches `selector` (a page's script moves it once the page has loaded:
    waiting for the element alone races that script)."""
    try:
        page.wait_for_function(
            "s => document.activeElement && document.activeElement.matches(s)",
            arg=selector,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        return False
    return True


def booked(live_server, office):
    monday = next_weekday(0, after=utcnow().date() + timedelta(days=7))
    appointment = booking.book(
        service_ids=[office.id_card.id],
        start=local(monday, 10),
        name="An Peeters",
        phone="0470 12 34 56",
    )
    db.session.commit()
    token = booking.manage_token(appointment)
    url = f"{live_server.url}/appointments/manage/{appointment.reference}?token={token}"
    return appointment, url, monday


def test_times_start_unchosen_and_the_error_summary_takes_the_focus(page, live_server, office):
    monday = next_weekday(0)
    query = f"service={office.id_card.id}&people=1&location={office.town_hall.id}"
    page.goto(f"{live_server.url}/appointments/times?{query}&day={monday.isoformat()}")
    accessible(page)
    assert page.locator("input[name=start]").count() > 1
    assert page.locator("input[name=start]:checked").count() == 0

    start = local(monday, 10).isoformat()
    page.goto(f"{live_server.url}/appointments/details?{query}&start={start.replace('+', '%2B')}")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert focused(page, ".error-summary")
    links = page.locator(".error-summary a").evaluate_all("as => as.map(a => a.hash)")
    assert links == ["#name", "#phone", "#email"]
    page.keyboard.press("Tab")  # the summary's first link, then to its field
    page.keyboard.press("Enter")
    assert focused(page, "#name")
    accessible(page)


def test_the_month_grid_is_keyboard_operable(page, live_server, office):
    query = f"service={office.id_card.id}&people=1&location={office.town_hall.id}"
    page.goto(f"{live_server.url}/appointments/when?{query}")
    accessible(page)
    assert page.locator("table.month-grid th[scope=col]").count() == 7
    tab_to(page, ".first-free a")  # the shortcut comes first
    tab_to(page, "table.month-grid td.free a")
    day = page.evaluate("document.activeElement.href").split("day=")[1][:10]
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/times**")
    assert day in page.url
    page.go_back()
    page.wait_for_url("**/appointments/when**")
    page.locator(".first-free a").click()
    page.wait_for_url("**/appointments/details**")
    accessible(page)


def test_a_move_is_confirmed_before_it_happens(page, live_server, office):
    appointment, url, monday = booked(live_server, office)
    page.goto(url)
    accessible(page)
    page.get_by_role("link", name="Kies een ander tijdstip").click()
    page.wait_for_selector("table.month-grid")
    accessible(page)
    day = page.locator(f"table.month-grid a[href*='day={monday.isoformat()}']")
    if not day.count():  # the Monday is in next month (public holidays at the year's end)
        page.locator("a[rel=next]").click()
        page.wait_for_selector("table.month-grid")
    day.click()
    page.wait_for_selector("input[name=start]")
    page.locator("input[name=start][value*='T14:00']").check()
    page.locator("button[type=submit].primary").click()
    page.wait_for_selector("input[name=confirmed]", state="attached")
    accessible(page)
    db.session.commit()
    assert db.session.get(Appointment, appointment.id).starts_at == local(monday, 10)  # not yet
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**moved=1**")
    assert page.locator(".confirmation-notice").inner_text().startswith("We stuurden")
    accessible(page)
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Appointment, appointment.id)
    assert moved.starts_at == local(monday, 14)
    assert isinstance(moved.starts_at, datetime)


def test_a_cancelled_appointment_offers_a_new_one(page, live_server, office):
    appointment, url, _monday = booked(live_server, office)
    page.goto(url)
    page.get_by_role("link", name="Deze afspraak annuleren").click()
    page.locator("button.danger").click()
    page.wait_for_selector("text=Deze afspraak is geannuleerd.")
    assert page.get_by_role("link", name="Een nieuwe afspraak maken").is_visible()
    assert page.locator("text=Wat breng je mee").count() == 0
    accessible(page)
    db.session.commit()
    assert db.session.scalar(select(Appointment)).status == Status.CANCELLED
    page.get_by_role("link", name="Een nieuwe afspraak maken").click()
    page.wait_for_selector("table.month-grid")


def test_the_home_page_is_accessible(page, live_server, office):
    live_server.app.config["MUNICIPALITY_PHONE"] = "+32 9 123 45 67"
    page.goto(f"{live_server.url}/")
    accessible(page)
    assert page.locator("a[href='tel:+3291234567']").is_visible()
    assert "Stadhuis" in page.locator(".places").inner_text()
    assert "Loket Loket" not in page.locator(".site-header").inner_text()
