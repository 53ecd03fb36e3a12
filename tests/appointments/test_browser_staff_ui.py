"""Staff pages in Chromium at 1280×800: the menu in one row, badges that are no buttons, a
checkbox beside its label, the staff wording when booking for a caller, the day view on the
clerk's office; and the month grid with the keyboard alone. axe-core finds nothing."""

from datetime import date, timedelta

import pytest

from appointments import booking
from desk.models import Role
from extensions import db
from tests.appointments.conftest import local, next_weekday
from tests.appointments.test_browser_booking import accessible, tab_to

pytestmark = pytest.mark.browser


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None
    return found


def style(page, selector: str) -> dict:
    return page.eval_on_selector(
        selector,
        """e => { const s = getComputedStyle(e);
                  return {cursor: s.cursor, borderTop: s.borderTopWidth,
                          radius: s.borderTopLeftRadius, background: s.backgroundColor}; }""",
    )


def test_staff_pages_at_1280_pixels(page, live_server, office, make_staff, browser_sign_in):
    monday = next_weekday(0)
    booking.book(
        service_ids=[office.id_card.id],
        start=local(monday, 9),
        name="An Peeters",
        phone="0470 12 34 56",
    )
    admin = make_staff(
        email="admin@example.org", role=Role.ADMIN, home_location_id=office.town_hall.id
    )
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_sign_in(page, admin)
    page.goto(f"{live_server.url}/desk/appointments/?day={monday.isoformat()}")
    accessible(page)
    assert "Stadhuis" in page.locator("h1").inner_text()  # the clerk's own office

    # The menu: every item on one row, none wrapped under another.
    items = page.locator("nav.service-nav li")
    assert items.count() == 7  # six everyday pages, and one for administration
    tops = {round(box(items.nth(n))["y"]) for n in range(items.count())}
    assert len(tops) == 1, tops
    lefts = [box(items.nth(n))["x"] for n in range(items.count())]
    assert lefts == sorted(lefts)
    nav = box(page.locator("nav.service-nav"))
    assert nav["x"] + nav["width"] <= 1280

    # A status badge is flat text, a button is a raised target with a pointer.
    badge = style(page, "td .tag.status-booked")
    button = style(page, "td.actions button.secondary")
    assert badge["cursor"] == "default" and button["cursor"] == "pointer"
    assert badge["borderTop"] == "0px" and button["borderTop"] != "0px"
    assert badge["radius"] == "0px" and button["radius"] != "0px"
    assert badge["background"] != button["background"]

    # Booking for a caller speaks about the citizen.
    query = f"service={office.id_card.id}&people=1&location={office.town_hall.id}&behalf=phone"
    start = local(monday, 10).isoformat().replace("+", "%2B")
    page.goto(f"{live_server.url}/appointments/details?{query}&start={start}")
    accessible(page)
    assert page.locator("h1").inner_text() == "Gegevens van de burger"
    assert page.get_by_label("Naam van de burger").is_visible()
    assert "Uw gegevens" not in page.content() and "Stuur me" not in page.content()

    # The location form: each checkbox sits on its label's line, just before it.
    page.goto(f"{live_server.url}/admin/booking/locations/{office.town_hall.id}")
    accessible(page)
    checkboxes = page.locator("form input[type=checkbox]")
    assert checkboxes.count() >= 1
    for n in range(checkboxes.count()):
        checkbox = checkboxes.nth(n)
        label = page.locator(f"label[for='{checkbox.get_attribute('id')}']")
        cb, lb = box(checkbox), box(label)
        assert cb["x"] + cb["width"] <= lb["x"] <= cb["x"] + cb["width"] + 24
        assert abs((cb["y"] + cb["height"] / 2) - (lb["y"] + lb["height"] / 2)) < 12

    # An admin sets where a clerk works.
    page.goto(f"{live_server.url}/admin/staff/{admin.id}")
    accessible(page)
    assert page.get_by_label("Werkt in").input_value() == str(office.town_hall.id)


def test_the_month_grid_with_arrow_keys(page, live_server, office):
    query = f"service={office.id_card.id}&people=1&location={office.town_hall.id}"
    page.goto(f"{live_server.url}/appointments/when?{query}")
    accessible(page)
    grid = page.locator("table.month-grid")
    assert grid.get_attribute("role") == "grid"
    # One stop in the Tab order: the first day with free time.
    assert page.locator("table.month-grid [tabindex='0']").count() == 1
    tab_to(page, "table.month-grid [tabindex='0']")
    first = page.evaluate("document.activeElement.parentNode.dataset.day")

    def focused_day() -> str:
        return page.evaluate("document.activeElement.parentNode.dataset.day")

    def days_after(day: str, n: int) -> str:
        return (date.fromisoformat(day) + timedelta(days=n)).isoformat()

    def in_grid(day: str) -> bool:
        return page.locator(f"table.month-grid td[data-day='{day}']").count() == 1

    # A day and a week on, and back (or back and on, at the month's end).
    for forward, back, step in (("ArrowRight", "ArrowLeft", 1), ("ArrowDown", "ArrowUp", 7)):
        if not in_grid(days_after(first, step)):
            forward, back, step = back, forward, -step
        page.keyboard.press(forward)
        assert focused_day() == days_after(first, step)
        page.keyboard.press(back)
        assert focused_day() == first
    page.keyboard.press("Home")  # the week's Monday, or the month's first day
    week_start = date.fromisoformat(focused_day())
    assert week_start.weekday() == 0 or week_start.day == 1
    page.keyboard.press("End")  # the week's Sunday, or the month's last day
    week_end = date.fromisoformat(focused_day())
    assert week_end.weekday() == 6 or (week_end + timedelta(days=1)).day == 1
    assert (
        (week_end - week_start).days == 6
        or week_start.day == 1
        or week_end.month != (week_end + timedelta(days=1)).month
    )
    # The roving stop follows the focus: one day is in the Tab order, the focused one.
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
    assert page.locator("table.month-grid [tabindex='0']").count() == 1

    # Back to a day with free time by arrow keys, and Enter chooses it.
    page.keyboard.press("Home")
    for _ in range(40):
        if page.evaluate("document.activeElement.tagName") == "A":
            break
        page.keyboard.press("ArrowRight")
    chosen = focused_day()
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/times**")
    assert f"day={chosen}" in page.url
    accessible(page)

    # Page Down opens the next month, whose grid again has one stop in the Tab order.
    page.go_back()
    page.wait_for_url("**/appointments/when**")
    next_month = page.locator(".pager a[rel=next]").get_attribute("href")
    tab_to(page, "table.month-grid [tabindex='0']")
    page.keyboard.press("PageDown")
    page.wait_for_url(f"**{next_month}")
    assert page.locator("table.month-grid [tabindex='0']").count() == 1
    accessible(page)
