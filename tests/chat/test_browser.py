"""The widget and the console in Chromium: keyboard only, zero axe-core violations, and a
conversation between the browser and a real socket on the other side."""

import re

import pytest

from tests.browser import axe_violations
from tests.chat.clients import agent, citizen

pytestmark = pytest.mark.browser


def tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has the focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_a_citizen_chats_with_the_keyboard_only(page, live_server, town, staff):
    console = agent(live_server, staff)  # an agent online: the chat is open
    console.next("chat_waiting")
    page.goto(f"{live_server.url}/chat/")
    assert axe_violations(page) == []
    tab_to(page, "chat-name")
    page.keyboard.type("Ann Peeters")
    tab_to(page, "chat-email")
    page.keyboard.type("ann@example.org")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the consent checkbox
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # start
    page.locator("#chat-status", has_text="nummer 1").wait_for()
    waiting = console.next("chat_waiting")["chats"]
    while not waiting:
        waiting = console.next("chat_waiting")["chats"]
    chat_id = waiting[0]["chat_id"]
    assert console.call("take", {"chat_id": chat_id})["ok"]
    page.locator("#chat-status", has_text="Eva").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "chat-text"
    page.keyboard.type("<b>Wanneer</b> is het stadhuis open?")
    page.keyboard.press("Enter")
    received = console.next("message")
    assert received["text"] == "<b>Wanneer</b> is het stadhuis open?"
    console.call("message", {"chat_id": chat_id, "text": "Van 9 tot 12 uur."})
    page.locator(".chat-message.from-agent", has_text="Van 9 tot 12 uur.").wait_for()
    assert page.locator(".chat-message.from-citizen .chat-text").inner_text() == (
        "<b>Wanneer</b> is het stadhuis open?"
    )  # shown as typed, not as markup
    assert axe_violations(page) == []

    page.reload()  # the conversation comes back, each message once
    page.locator(".chat-message.from-agent", has_text="Van 9 tot 12 uur.").wait_for()
    assert page.locator(".chat-message").count() == 2

    tab_to(page, "chat-leave")
    page.keyboard.press("Enter")
    page.locator("#chat-status", has_text="beëindigd").wait_for()
    console.close()


def test_an_agent_takes_and_answers_a_chat_in_the_console(
    page, live_server, town, staff, browser_sign_in
):
    browser_sign_in(page, staff)
    page.goto(f"{live_server.url}/chat/console")
    assert axe_violations(page) == []
    person, started = citizen(live_server.url, name="Bob Janssens")
    take = page.get_by_role("button", name=re.compile("Aannemen.*Bob Janssens"))
    take.wait_for()
    take.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/chat/console/{started['chat_id']}")
    person.next("chat_taken")
    person.call("message", {"text": "Hallo, ik heb een vraag."})
    page.locator(".chat-message.from-citizen", has_text="ik heb een vraag").wait_for()
    page.locator("#chat-text").focus()
    page.keyboard.type("Zeg het maar.")
    page.keyboard.press("Enter")
    assert person.next("message")["text"] == "Zeg het maar."
    assert axe_violations(page) == []
    page.locator("#outcome").select_option("chat.answered")
    page.get_by_role("button", name="Chat beëindigen").click()
    page.wait_for_url("**/chat/console")
    person.next("chat_ended")
    person.close()


def test_a_refused_start_says_why_in_words(page, live_server, town, staff):
    console = agent(live_server, staff)
    page.goto(f"{live_server.url}/chat/")
    page.get_by_role("button", name="Chat starten").click()
    page.locator("#chat-start-error", has_text="Vul uw naam in.").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "chat-name"
    page.locator("#chat-name").fill("Ann")
    page.locator("#chat-email").fill("geen-adres")
    page.get_by_role("button", name="Chat starten").click()
    page.locator("#chat-start-error", has_text="Dit is geen geldig e-mailadres.").wait_for()
    assert page.locator("#chat-start").is_visible()
    assert axe_violations(page) == []
    console.close()


def test_a_departments_console_shows_a_chat_handed_to_it_first_as_it_arrives(
    page, live_server, town, staff, make_staff, browser_sign_in
):
    """The list the socket pushes: the handed-over chat first, marked, with its note."""
    from tests.chat.test_sockets import hand_over

    builder = make_staff("bouw@example.org", role="call_agent", department="stedenbouw")
    browser_sign_in(page, builder)
    page.goto(f"{live_server.url}/chat/console")
    first, _ = citizen(live_server.url, name="Eerste Burger")
    handed, started = citizen(live_server.url, name="Doorgegeven Burger")
    page.get_by_role("button", name=re.compile("Aannemen.*Doorgegeven Burger")).wait_for()
    desk = agent(live_server, staff)
    assert desk.call("take", {"chat_id": started["chat_id"]})["ok"]
    hand_over(live_server, staff, started["chat_id"],
              to=f"department:{builder.department_id}", note="Vraag over bouwen")  # fmt: skip
    note = page.locator("#waiting-list li").first.locator(".chat-note")
    note.wait_for()
    assert note.inner_text() == "Notitie: Vraag over bouwen"
    items = page.locator("#waiting-list li")
    assert "Doorgegeven Burger" in items.nth(0).inner_text()
    assert "Overgedragen" in items.nth(0).inner_text()
    assert "Eerste Burger" in items.nth(1).inner_text()
    assert axe_violations(page) == []
    for client in (first, handed, desk):
        client.close()
