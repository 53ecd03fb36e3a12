"""Whole calls through Twilio's signed webhooks, on both engines; TwiML checked as Twilio reads
it (tests.phone.conftest.check_twiml)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from desk.models import ContactAddress, Party, Task
from extensions import db
from phone.models import Call, CallbackState, CallEvent, CallStatus, agent_line
from tests.phone.conftest import (
    CALLER,
    PUBLIC_BASE_URL,
    Caller,
    said,
    verbs,
)


def the_call(caller: Caller) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).where(Call.call_sid == caller.sid))


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(CallEvent))


def enqueue_of(root):
    [enqueue] = root.iter("Enqueue")
    return enqueue


def test_a_whole_call_incoming_menu_wait_bridged_completed(hooks, lines):
    caller = Caller(hooks)
    menu = caller.incoming()
    [keys] = menu.iter("Gather")
    assert keys.get("action") == f"{PUBLIC_BASE_URL}/phone/menu"
    assert keys.get("numDigits") == "1"
    heard = said(menu)
    assert "Welkom bij Gemeente Loket" in heard
    assert "Pour le français, appuyez sur 9." in heard
    assert "For English, press 8." in heard
    assert "Voor identiteitskaarten, druk 1." in heard
    assert verbs(menu)[-1] == "Redirect"  # no key: the menu asks again
    for say in menu.iter("Say"):
        assert say.get("voice") and say.get("language")
    assert the_call(caller).status == CallStatus.MENU

    queued = caller.press("1")
    enqueue = enqueue_of(queued)
    assert enqueue.text == "identity-cards"
    assert enqueue.get("waitUrl") == f"{PUBLIC_BASE_URL}/phone/wait"
    assert enqueue.get("action") == f"{PUBLIC_BASE_URL}/phone/queue-result"
    assert enqueue.get("method") == enqueue.get("waitUrlMethod") == "POST"
    assert enqueue.get("maxQueueSize") == "3"
    call = the_call(caller)
    assert call.status == CallStatus.WAITING and call.queued_at is not None
    assert call.line_id == lines.id_line.id and call.service_id == lines.id_card.id

    waiting = caller.wait()
    assert "U bent als volgende aan de beurt." in said(waiting)
    assert "ongeveer 4 minuten" in said(waiting)
    [offer] = waiting.iter("Gather")
    assert offer.get("action") == f"{PUBLIC_BASE_URL}/phone/callback"
    assert "Druk 1 om teruggebeld te worden zonder uw beurt te verliezen." in said(offer)

    caller.queue_result("bridged", waited=42)
    call = the_call(caller)
    assert call.status == CallStatus.ON_CALL
    assert call.answered_at == call.queued_at + timedelta(seconds=42)
    assert caller.status("completed", duration=180).status_code == 200
    call = the_call(caller)
    assert call.status == CallStatus.COMPLETED
    assert call.duration_seconds == 180 and call.ended_at is not None
    assert call.wait_seconds == 42


def test_hung_up_while_waiting_is_abandoned(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    caller.wait()
    caller.queue_result("hangup", waited=75)
    call = the_call(caller)
    assert call.status == CallStatus.ABANDONED and call.ended_at is not None
    assert call.answered_at is None
    caller.status("completed", duration=80)
    call = the_call(caller)
    assert call.status == CallStatus.ABANDONED and call.duration_seconds == 80


def test_a_hang_up_whose_queue_result_never_came_is_abandoned_too(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    caller.status("completed", duration=20)
    assert the_call(caller).status == CallStatus.ABANDONED


def test_a_callback_keeps_its_original_time_and_place(hooks, lines):
    first, second = Caller(hooks), Caller(hooks, number="+32470999888")
    for caller in (first, second):
        caller.incoming()
        caller.press("1")
    queued_at = the_call(first).queued_at
    assert "nummer 2" in said(second.wait())

    left = first.press("1", path="/phone/callback")
    assert verbs(left)[-1] == "Leave"
    assert "U behoudt uw beurt" in said(left)
    call = the_call(first)
    assert call.status == CallStatus.CALLBACK
    assert call.queued_at == queued_at  # the same entry, its original time
    assert call.callback_number == CALLER
    assert call.callback_state == CallbackState.REQUESTED
    assert call.callback_requested_at >= queued_at
    assert "nummer 2" in said(second.wait())  # the callback is still ahead

    # Out of Twilio's queue: the number to call back on, and another may be keyed.
    after = first.queue_result("leave", waited=50)
    [ask] = after.iter("Gather")
    assert ask.get("action") == f"{PUBLIC_BASE_URL}/phone/callback-number"
    assert ask.get("finishOnKey") == "#"
    assert "0 4 7 0, 1 2, 3 4, 5 6" in said(ask)
    assert verbs(after)[-1] == "Hangup"
    changed = first.press("0485112233", path="/phone/callback-number")
    assert "0 4 8 5, 1 1, 2 2, 3 3" in said(changed)
    first.status("completed", duration=60)
    call = the_call(first)
    assert call.status == CallStatus.CALLBACK  # waits on for its callback
    assert call.callback_number == "+32485112233" and call.ended_at is None
    assert call.queued_at == queued_at


def test_a_number_that_cannot_be_called_keeps_the_known_one(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    caller.press("1", path="/phone/callback")
    caller.queue_result("leave")
    refused = caller.press("123", path="/phone/callback-number")
    assert "Dat is geen nummer" in said(refused)
    assert the_call(caller).callback_number == CALLER


def test_outside_hours_the_hours_and_a_callback_request_for_the_department(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    closed = caller.press("2")
    assert "Enqueue" not in [e.tag for e in closed.iter()]
    assert "is nu gesloten" in said(closed)
    assert "opnieuw open" in said(closed)
    [offer] = closed.iter("Gather")
    assert offer.get("action") == f"{PUBLIC_BASE_URL}/phone/callback"
    assert verbs(closed)[-1] == "Hangup"
    assert the_call(caller).status == CallStatus.CLOSED

    taken = caller.press("1", path="/phone/callback")
    assert "Een medewerker belt u zo snel mogelijk terug." in said(taken)
    [task] = db.session.scalars(select(Task)).all()
    assert task.kind == "callback" and task.done_at is None
    assert task.department_id is None or task.department.code == "contact-centre"
    assert "Omgevingsvergunning" in task.title
    party = db.session.get(Party, task.party_id)
    [address] = party.addresses
    assert address.value == CALLER and address.verified_at is None  # nothing assumed
    call = the_call(caller)
    assert call.task_id == task.id and call.callback_state == CallbackState.REQUESTED
    # Pressed again (Twilio's repeat): still one task.
    caller.press("1", path="/phone/callback")
    assert db.session.scalar(select(func.count()).select_from(Task)) == 1


def test_a_callback_request_goes_to_the_service_s_department(hooks, lines):
    lines.id_line.max_waiting = 1
    db.session.commit()
    ahead = Caller(hooks, number="+32470000001")
    ahead.incoming()
    ahead.press("1")
    caller = Caller(hooks)
    caller.incoming()
    full = caller.press("1")
    assert "de wachtrij is vol" in said(full)
    assert the_call(caller).status == CallStatus.QUEUE_FULL
    caller.press("1", path="/phone/callback")
    [task] = db.session.scalars(select(Task)).all()
    assert task.department_id == lines.department.id


def test_a_known_verified_caller_is_the_party_of_the_request(hooks, lines):
    from desk import record

    party = record.find_or_create_party(name="An Peeters", phone=CALLER, verified=True)
    db.session.commit()
    caller = Caller(hooks)
    caller.incoming()
    assert the_call(caller).party_id == party.id
    caller.press("2")
    caller.press("1", path="/phone/callback")
    [task] = db.session.scalars(select(Task)).all()
    assert task.party_id == party.id
    assert db.session.scalar(select(func.count()).select_from(Party)) == 1


def test_wrong_keys_repeat_the_menu_twice_then_offer_a_callback(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    for attempt in (1, 2):
        again = caller.press("7", token=f"menu-{attempt}")
        assert "Sorry, die toets zit niet in het menu." in said(again)
        assert "Voor identiteitskaarten, druk 1." in said(again)
        assert verbs(again)[-1] == "Redirect"
    no_key = caller.press("", token="menu-3")  # no key at all counts the same
    assert "Voor identiteitskaarten" not in said(no_key)
    [offer] = no_key.iter("Gather")
    assert offer.get("action") == f"{PUBLIC_BASE_URL}/phone/callback"
    assert verbs(no_key)[-1] == "Hangup"
    caller.press("1", path="/phone/callback")
    [task] = db.session.scalars(select(Task)).all()
    assert task.department.code == "contact-centre"


def test_a_repeated_menu_webhook_counts_once(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    for _ in range(3):
        caller.press("7", token="same-press")
    assert the_call(caller).menu_attempts == 1


def test_language_keys_switch_the_call_to_french_or_english(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    french = caller.press("9")
    assert "Pour cartes d'identité, appuyez sur 1." in said(french)
    assert "For English" not in said(french)
    for say in french.iter("Say"):
        assert say.get("language") == "fr-FR" and say.get("voice") == "Google.fr-FR-Standard-A"
    assert the_call(caller).language == "fr"
    caller.press("1")
    assert "Vous êtes le prochain" in said(caller.wait())

    english = Caller(hooks, number="+32470555666")
    english.incoming()
    menu = english.press("8")
    assert "For identity cards, press 1." in said(menu)
    assert {s.get("voice") for s in menu.iter("Say")} == {"Polly.Joanna"}


def test_one_line_goes_straight_into_its_queue(hooks, lines):
    lines.permit_line.active = False
    db.session.commit()
    caller = Caller(hooks)
    answer = caller.incoming()
    assert verbs(answer) == ["Gather", "Say", "Enqueue"]
    [keys] = answer.iter("Gather")
    assert keys.get("action") == f"{PUBLIC_BASE_URL}/phone/menu"  # 9 or 8 still work
    assert "druk 1" not in said(answer)
    assert enqueue_of(answer).text == "identity-cards"
    queued_at = the_call(caller).queued_at
    assert the_call(caller).status == CallStatus.WAITING
    french = caller.press("9")
    assert enqueue_of(french).text == "identity-cards"
    assert the_call(caller).queued_at == queued_at  # another language, the same place


def test_repeated_webhooks_change_nothing(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    caller.queue_result("hangup", waited=30)
    ended = the_call(caller).ended_at
    count = events()
    for _ in range(2):
        caller.queue_result("hangup", waited=99)
        caller.incoming()
    assert events() == count + 0  # incoming repeats are the same event too
    assert the_call(caller).ended_at == ended
    caller.status("completed", duration=31)
    caller.status("completed", duration=99)
    call = the_call(caller)
    assert call.duration_seconds == 31 and call.status == CallStatus.ABANDONED


def test_the_idempotency_token_makes_a_repeat_change_nothing(hooks, lines):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    caller.queue_result("bridged", waited=10, token="tok-1")
    answered = the_call(caller).answered_at
    # The same request again, even if some field came differently: the token decides.
    caller.status("completed", duration=50, token="tok-2")
    caller.status("failed", duration=70, token="tok-2")
    call = the_call(caller)
    assert call.status == CallStatus.COMPLETED and call.duration_seconds == 50
    assert call.answered_at == answered
    assert db.session.scalar(select(func.count()).where(CallEvent.token == "tok-2")) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/phone/incoming",
        "/phone/menu",
        "/phone/wait",
        "/phone/callback",
        "/phone/callback-number",
        "/phone/queue-result",
        "/phone/status",
    ],
)
def test_forged_or_unsigned_webhooks_are_refused(hooks, lines, path):
    caller = Caller(hooks)
    assert caller.post(path, signature="", From=CALLER).status_code == 403
    assert caller.post(path, signature="Zm9yZ2Vk", From=CALLER).status_code == 403
    from twilio.request_validator import RequestValidator

    other = RequestValidator("someone-else").compute_signature(PUBLIC_BASE_URL + path, {})
    assert caller.post(path, signature=other, From=CALLER).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_the_signature_is_over_the_public_address(hooks, lines):
    from twilio.request_validator import RequestValidator

    from tests.fake_twilio import AUTH_TOKEN

    caller = Caller(hooks)
    form = {"CallSid": caller.sid, "From": CALLER}
    internal = RequestValidator(AUTH_TOKEN).compute_signature(
        "http://localhost/phone/incoming", form
    )
    response = hooks.post("/phone/incoming", data=form, headers={"X-Twilio-Signature": internal})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path, form",
    [
        ("/phone/queue-result", {"QueueResult": "hangup", "QueueTime": "5"}),
        ("/phone/status", {"CallStatus": "completed", "CallDuration": "5"}),
        ("/phone/wait", {"QueuePosition": "1"}),
        ("/phone/callback", {"Digits": "1"}),
        ("/phone/callback-number", {"Digits": "0470123456"}),
    ],
)
def test_an_unknown_call_sid_is_answered_and_changes_nothing(hooks, lines, path, form):
    response = Caller(hooks).post(path, **form)
    assert 200 <= response.status_code < 300
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0
    assert events() == 0


def test_a_sid_that_cannot_be_one_is_400(hooks, lines):
    assert Caller(hooks, sid="CA" + "x" * 80).post("/phone/incoming").status_code == 400
    assert Caller(hooks, sid="CA../../").post("/phone/status").status_code == 400


def test_no_active_line_says_the_lines_are_closed(hooks, lines):
    lines.id_line.active = lines.permit_line.active = False
    db.session.commit()
    answer = Caller(hooks).incoming()
    assert "gesloten" in said(answer) and verbs(answer)[-1] == "Hangup"


def test_a_withheld_number_is_not_offered_a_callback_in_line(hooks, lines):
    caller = Caller(hooks, number="anonymous")
    caller.incoming()
    caller.press("1")
    waiting = caller.wait()
    assert list(waiting.iter("Gather")) == []
    assert verbs(caller.press("1", path="/phone/callback")) == []
    assert the_call(caller).status == CallStatus.WAITING


def test_unverified_holders_of_the_number_are_candidates_never_merged(hooks, lines):
    from desk import record

    one = record.find_or_create_party(name="Jan", phone=CALLER)
    two = record.find_or_create_party(name="Piet", phone=CALLER)
    db.session.commit()
    caller = Caller(hooks)
    caller.incoming()
    call = the_call(caller)
    assert call.party_id is None
    assert sorted(call.candidate_party_ids) == sorted([one.id, two.id])
    assert db.session.scalar(select(func.count()).select_from(ContactAddress)) == 2


def taken_by_an_agent(caller: Caller, make_staff):
    """What the console does when an agent takes the entry (phone.take): CONNECTING, the
    agent on it; a callback's entry starts dialing."""
    call = the_call(caller)
    agent = make_staff(f"agent{call.id}@example.org", role="call_agent")
    call = the_call(caller)
    call.agent_id = agent.id
    if call.status == CallStatus.CALLBACK:
        call.callback_state = CallbackState.DIALING
    call.status = CallStatus.CONNECTING
    db.session.commit()


def test_a_caller_the_console_bridges_talks_then_completes(hooks, lines, make_staff):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    taken_by_an_agent(caller, make_staff)
    # The console's REST update takes the caller out of the queue: Twilio says `redirected`.
    caller.queue_result("redirected", waited=25)
    call = the_call(caller)
    assert call.status == CallStatus.ON_CALL
    assert call.answered_at == call.queued_at + timedelta(seconds=25)
    caller.status("completed", duration=200)
    call = the_call(caller)
    assert call.status == CallStatus.COMPLETED and call.duration_seconds == 200


def test_the_first_call_s_end_leaves_a_callback_under_way_alone(hooks, lines, make_staff):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    caller.press("1", path="/phone/callback")
    caller.queue_result("leave")
    taken_by_an_agent(caller, make_staff)  # an agent took the callback within seconds
    caller.status("completed", duration=40)
    call = the_call(caller)
    assert call.status == CallStatus.CONNECTING and call.ended_at is None
    assert call.callback_state == CallbackState.DIALING


def test_when_every_line_is_closed_the_greeting_says_when_they_open(hooks, lines):
    lines.id_line.location_id = lines.annex.id
    db.session.commit()
    caller = Caller(hooks)
    closed = caller.incoming()
    heard = said(closed)
    assert heard.startswith("Welkom bij Gemeente Loket.")
    assert "Onze telefoonlijnen zijn gesloten." in heard and "opnieuw open" in heard
    assert "druk 1." not in heard
    assert the_call(caller).status == CallStatus.CLOSED
    caller.press("1", path="/phone/callback")
    [task] = db.session.scalars(select(Task)).all()
    assert task.department.code == "contact-centre"  # no line chosen


def test_one_closed_line_greets_then_gives_the_hours(hooks, lines):
    lines.id_line.active = False
    db.session.commit()
    answer = Caller(hooks).incoming()
    heard = said(answer)
    assert heard.startswith("Welkom bij Gemeente Loket.")
    assert "Onze telefoonlijn voor Omgevingsvergunning is nu gesloten." in heard


@pytest.mark.parametrize(
    "result, words, status",
    [
        ("queue-full", "de wachtrij is vol", CallStatus.QUEUE_FULL),
        ("error", "er ging iets mis", CallStatus.FAILED),
    ],
)
def test_twilio_s_full_queue_or_error_offers_a_callback(hooks, lines, result, words, status):
    caller = Caller(hooks)
    caller.incoming()
    caller.press("1")
    answer = caller.queue_result(result)
    assert words in said(answer)
    [offer] = answer.iter("Gather")
    assert offer.get("action") == f"{PUBLIC_BASE_URL}/phone/callback"
    assert the_call(caller).status == status
    caller.press("1", path="/phone/callback")
    assert db.session.scalar(select(func.count()).select_from(Task)) == 1


def test_webhooks_need_no_csrf_token_twilio_has_no_session(make_app, lines):
    from tests.phone.conftest import PHONE_CONFIG

    strict = make_app(**PHONE_CONFIG, WTF_CSRF_ENABLED=True).test_client()
    caller = Caller(strict)
    assert "Welkom" in said(caller.incoming())
    assert caller.status("completed").status_code == 200


def test_the_expected_wait_counts_the_agents_who_answer_the_line(hooks, lines, make_staff):
    from phone.models import AgentState, AgentStatus

    for n, (state, answers) in enumerate(
        [
            (AgentState.AVAILABLE, [lines.id_line.id]),  # this line
            (AgentState.ON_CALL, []),  # every line
            (AgentState.AVAILABLE, [lines.permit_line.id]),  # another line only
            (AgentState.AWAY, []),  # not in
        ]
    ):
        agent = make_staff(f"agent{n}@example.org", role="call_agent")
        db.session.execute(
            AgentStatus.__table__.insert().values(staff_id=agent.id, status=state.value)
        )
        for line_id in answers:
            db.session.execute(agent_line.insert().values(staff_id=agent.id, line_id=line_id))
    db.session.commit()
    callers = [Caller(hooks, number=f"+3247000000{n}") for n in range(3)]
    for caller in callers:
        caller.incoming()
        caller.press("1")
    # Third in line, two agents: two rounds of four minutes.
    assert "ongeveer 8 minuten" in said(callers[2].wait())
    assert "ongeveer 4 minuten" in said(callers[1].wait())
