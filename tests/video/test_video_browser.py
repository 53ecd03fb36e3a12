"""Two Chromium contexts set up a video call through Loket's signalling: fake camera and
microphone (tests/conftest.py's flags), frames decoded on both sides, the page at zero axe
violations, and a hang-up by keyboard that ends the call on both sides."""

import time

import pytest

from appointments.manage_links import manage_token
from chat import service
from chat.models import Chat
from chat.video_calls import VideoCall
from desk.models import Staff
from extensions import db
from office import video_visits
from tests.browser import axe_violations
from tests.realtime.sockets import session_cookie
from tests.video.test_signalling import Socket

pytestmark = pytest.mark.browser

FRAMES_DECODED = """async () => {
  const peer = window.loketPeer;
  if (!peer) { return 0; }
  let frames = 0;
  (await peer.getStats()).forEach(report => {
    if (report.type === "inbound-rtp" && report.kind === "video") {
      frames += report.framesDecoded || 0;
    }
  });
  return frames;
}"""


def frames_decoded(tab, timeout=45):
    deadline = time.monotonic() + timeout
    frames = 0
    while time.monotonic() < deadline:
        frames = tab.evaluate(FRAMES_DECODED)
        if frames > 0:
            return frames
        time.sleep(0.5)
    return frames


@pytest.fixture
def taken_chat(live_server, make_staff, coturn):
    """A citizen's chat taken by an agent; the live server hands out coturn's TURN."""
    app = live_server.app
    app.config.update(TURN_URLS=coturn.url, TURN_SECRET=coturn.secret)
    agent = make_staff("agent@example.org", role="call_agent")
    with app.app_context():
        chat, token = service.start_chat(name="An Peeters", email="an@example.org")
        service.take_chat(chat.id, db.session.get(Staff, agent.id))
        chat_id = chat.id
        db.session.commit()
    return chat_id, token, agent


def open_tab(browser, live_server, cookie=None):
    context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels")
    if cookie:
        name, value = cookie.split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.csp_violations = []
    tab.on("console", lambda msg: "Content Security Policy" in msg.text
           and tab.csp_violations.append(msg.text))  # fmt: skip
    return context, tab


def test_a_video_call_between_citizen_and_agent(browser, live_server, taken_chat):
    chat_id, token, agent = taken_chat
    agent_context, agent_tab = open_tab(
        browser, live_server, session_cookie(live_server.app, agent)
    )
    citizen_context, citizen_tab = open_tab(browser, live_server)
    try:
        agent_tab.goto(f"{live_server.url}/chat/video/{chat_id}")
        citizen_tab.goto(f"{live_server.url}/chat/video#chat_id={chat_id}&resume_token={token}")
        assert "resume_token" not in citizen_tab.url  # taken out of the address bar at once
        assert axe_violations(citizen_tab) == []

        agent_tab.get_by_role("button", name="Video starten").click()
        consent = citizen_tab.get_by_role("heading", name="Voor u begint")
        consent.wait_for()
        assert "niets wordt opgenomen" in citizen_tab.locator("#video-consent").inner_text().lower()
        assert axe_violations(citizen_tab) == []
        citizen_tab.locator("#start-video").click()

        assert frames_decoded(citizen_tab) > 0
        assert frames_decoded(agent_tab) > 0
        assert axe_violations(agent_tab) == []
        assert axe_violations(citizen_tab) == []

        # The chat stays beside the call.
        citizen_tab.get_by_label("Uw bericht").fill("Hoort u mij?")
        citizen_tab.get_by_role("button", name="Versturen").click()
        agent_tab.locator("#chat-messages li", has_text="Hoort u mij?").wait_for()

        # Hanging up by keyboard: the button is reachable with Tab and works with Enter.
        citizen_tab.locator("#hang-up").focus()
        assert citizen_tab.evaluate("document.activeElement.id") == "hang-up"
        citizen_tab.keyboard.press("Enter")
        agent_tab.get_by_text("De andere kant heeft opgehangen").wait_for()
        assert agent_tab.locator("#video-stage").is_hidden()

        with live_server.app.app_context():
            call = db.session.scalar(db.select(VideoCall))
            assert call.started_at is not None and call.ended_at is not None
            assert call.interaction_id is not None
        assert not agent_tab.csp_violations and not citizen_tab.csp_violations
    finally:
        agent_context.close()
        citizen_context.close()


def test_sound_only_and_stay_in_chat_are_always_offered(browser, live_server, taken_chat):
    chat_id, token, agent = taken_chat
    agent_context, agent_tab = open_tab(
        browser, live_server, session_cookie(live_server.app, agent)
    )
    citizen_context, citizen_tab = open_tab(browser, live_server)
    try:
        agent_tab.goto(f"{live_server.url}/chat/video/{chat_id}")
        agent_tab.get_by_role("button", name="Video starten").click()
        agent_tab.get_by_text("Wachten tot de burger").wait_for()
        # The citizen arrives after the invitation: the page asks whether one is open.
        citizen_tab.goto(f"{live_server.url}/chat/video#chat_id={chat_id}&resume_token={token}")
        citizen_tab.get_by_role("button", name="Alleen geluid").wait_for()
        citizen_tab.get_by_role("button", name="In de chat blijven").focus()
        citizen_tab.keyboard.press("Enter")
        agent_tab.get_by_text("De burger blijft liever in de chat").wait_for()
    finally:
        agent_context.close()
        citizen_context.close()


def test_the_widget_offers_the_video_call_and_its_page_asks_first(
    browser, live_server, open_town, make_staff
):
    """The chat widget (every public page's "Chat with us") shows the agent's invitation and
    links to the video page, which explains before the browser asks for anything."""
    staff = make_staff("agent@example.org", role="call_agent", name="Eva Agent")
    desk = Socket(live_server.url, cookie=session_cookie(live_server.app, staff))
    context, tab = open_tab(browser, live_server)
    try:
        tab.goto(f"{live_server.url}/chat/")
        tab.locator("#chat-name").fill("Ann Peeters")
        tab.get_by_role("button", name="Chat starten").click()
        tab.locator("#chat-status", has_text="nummer 1").wait_for()
        with live_server.app.app_context():
            chat_id = db.session.scalar(db.select(Chat.id))
        assert desk.call("take", {"chat_id": chat_id})["ok"]
        assert desk.call("video_invite", {"chat_id": chat_id}) == {"ok": True}

        offer = tab.get_by_role("link", name="Naar het videogesprek")
        offer.wait_for()
        assert axe_violations(tab) == []
        offer.focus()
        tab.keyboard.press("Enter")
        tab.wait_for_url(f"{live_server.url}/chat/video")  # the chat's key left the address
        tab.get_by_role("heading", name="Voor u begint").wait_for()
        tab.get_by_role("button", name="Video starten").click()
        assert desk.next("video_ready") == {"chat_id": chat_id, "audio_only": False}
        assert not tab.csp_violations
    finally:
        desk.close()
        context.close()


def test_the_join_links_on_the_manage_page_and_day_view_pass_axe(
    browser, live_server, make_staff, video_office
):
    from tests.video.test_video_appointments import book_at

    online, _town_hall, advice = video_office
    appointment = book_at(online, advice)
    token = manage_token(appointment)
    staff = make_staff("agent@example.org", role="call_agent")
    context, tab = open_tab(browser, live_server, session_cookie(live_server.app, staff))
    try:
        tab.goto(f"{live_server.url}/appointments/manage/{appointment.reference}?token={token}")
        tab.get_by_role("link", name="Deelnemen aan het videogesprek").wait_for()
        assert axe_violations(tab) == []
        day = appointment.starts_at.date().isoformat()
        tab.goto(f"{live_server.url}/desk/appointments/?location={online.id}&day={day}")
        label = f"Deelnemen aan het videogesprek: {appointment.reference}"
        join = tab.get_by_role("link", name=label)
        assert join.get_attribute("href") == video_visits.staff_join_path(appointment.reference)
        assert axe_violations(tab) == []
        assert not tab.csp_violations
    finally:
        context.close()


def test_leaving_the_page_hangs_up_at_once(browser, live_server, make_staff):
    """pagehide sends the hang-up itself: the agent hears of it long before the server's grace
    (set to a minute here) would end the call."""
    app = live_server.app
    app.config["CHAT_VIDEO_GRACE_SECONDS"] = 60
    agent = make_staff("agent@example.org", role="call_agent")
    with app.app_context():
        chat, token = service.start_chat(name="An Peeters")
        service.take_chat(chat.id, db.session.get(Staff, agent.id))
        chat_id = chat.id
        db.session.commit()
    agent_context, agent_tab = open_tab(browser, live_server, session_cookie(app, agent))
    citizen_context, citizen_tab = open_tab(browser, live_server)
    try:
        agent_tab.goto(f"{live_server.url}/chat/video/{chat_id}")
        agent_tab.get_by_role("button", name="Video starten").click()
        citizen_tab.goto(f"{live_server.url}/chat/video#chat_id={chat_id}&resume_token={token}")
        citizen_tab.locator("#start-video").click()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the citizen's answer went through: the call began
            with app.app_context():
                call = db.session.scalar(db.select(VideoCall))
                if call is not None and call.started_at is not None:
                    break
            time.sleep(0.2)
        assert call is not None and call.started_at is not None
        left_at = time.monotonic()
        citizen_tab.goto("about:blank")
        agent_tab.get_by_text("De andere kant heeft opgehangen").wait_for(timeout=10_000)
        assert time.monotonic() - left_at < 10
        with app.app_context():
            assert db.session.scalar(db.select(VideoCall.ended_at)) is not None
    finally:
        agent_context.close()
        citizen_context.close()
