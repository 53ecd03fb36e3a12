"""The walk-in queue cannot be flooded from outside (issue 16, 24): a ticket taken on one's own
phone needs a mobile number, one waits per service and number, and an address gets a few an
hour; a registered kiosk (its device token, or its paired browser's cookie) is exempt at its
own location. Admins remove junk tickets in bulk: kept as removed, the queue updates."""

from datetime import timedelta

from sqlalchemy import select

from core.database import utcnow
from counter import kiosks
from counter.models import Kiosk, Ticket, TicketStatus
from extensions import db

PHONES = ["0470 12 34 56", "0471 12 34 56", "0472 12 34 56", "0473 12 34 56", "0474 12 34 56"]


def remote(client, town, phone=PHONES[0], service=None, **request):
    """A ticket taken on one's own phone: no kiosk token, a mobile number."""
    body = {"service_id": (service or town.id_card).id, "location_id": town.hall.id}
    return client.post("/api/v1/tickets", json={**body, "phone": phone}, **request)


def waiting() -> list[Ticket]:
    db.session.commit()
    return db.session.scalars(
        select(Ticket).where(Ticket.status == TicketStatus.WAITING).order_by(Ticket.id)
    ).all()


# --- the limits, and a kiosk's exemption -------------------------------------------------------


def test_without_a_kiosk_an_address_gets_a_few_tickets_an_hour(make_app, town, kiosk):
    app = make_app(RATELIMIT_ENABLED=True, COUNTER_PUBLIC_TICKET_RATE_LIMIT="3 per hour")
    client = app.test_client()
    answers = [remote(client, town, phone).status_code for phone in PHONES[:4]]
    assert answers == [201, 201, 201, 429]
    refused = remote(client, town, PHONES[4])
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    assert "Retry-After" in refused.headers  # the limiter's header survives the envelope
    # The kiosk at the same address is exempt, however many it hands out.
    body = {"service_id": town.id_card.id, "location_id": town.hall.id}
    issued = [
        client.post("/api/v1/tickets", json=body, headers=kiosk.headers).status_code
        for _ in range(6)
    ]
    assert issued == [201] * 6
    other = remote(client, town, PHONES[4], environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 201
    assert len(waiting()) == 3 + 6 + 1


def remote_form(client, town, phone, service=None):
    data = {"service_id": (service or town.id_card).id, "phone": phone}
    return client.post(f"/counter/kiosk/{town.hall.id}/tickets", data=data)


def test_the_kiosk_page_has_the_same_limit_and_a_paired_kiosk_is_exempt(make_app, town, kiosk):
    app = make_app(RATELIMIT_ENABLED=True, COUNTER_PUBLIC_TICKET_RATE_LIMIT="2 per hour")
    phone = app.test_client()
    answers = [remote_form(phone, town, number).status_code for number in PHONES[:3]]
    assert answers == [302, 302, 429]
    paired = kiosk.pair(app.test_client())
    pressed = [
        paired.post(
            f"/counter/kiosk/{town.hall.id}/tickets", data={"service_id": town.id_card.id}
        ).status_code
        for _ in range(4)
    ]
    assert pressed == [302] * 4
    assert [t.kiosk_id for t in waiting()] == [None, None] + [kiosk.id] * 4


def test_the_limits_follow_ratelimit_enabled(client, town):
    """Tests run with rate limits off: only the rule per phone number holds."""
    answers = [remote(client, town, phone).status_code for phone in PHONES]
    assert answers == [201] * 5


def test_a_kiosk_token_that_names_no_kiosk_is_refused(client, town, kiosk):
    body = {"service_id": town.id_card.id, "location_id": town.hall.id}
    for token in ("lkk_nope", kiosk.token + "x"):
        answer = client.post("/api/v1/tickets", json=body, headers={kiosks.HEADER: token})
        assert (answer.status_code, answer.json["error"]["code"]) == (401, "kiosk_token_invalid")
    kiosks.revoke(kiosk.id)
    revoked = client.post("/api/v1/tickets", json=body, headers=kiosk.headers)
    assert revoked.status_code == 401
    assert waiting() == []


def test_a_kiosk_issues_for_its_own_location_only(client, town, kiosk):
    body = {"service_id": town.id_card.id, "location_id": town.closed_office.id}
    other = client.post("/api/v1/tickets", json=body, headers=kiosk.headers)
    assert (other.status_code, other.json["error"]["code"]) == (403, "kiosk_other_location")
    own = client.post(
        "/api/v1/tickets", json={"service_id": town.id_card.id}, headers=kiosk.headers
    )
    assert own.status_code == 201  # its location when none is named
    [ticket] = waiting()
    assert (ticket.location_id, ticket.kiosk_id, ticket.remote) == (town.hall.id, kiosk.id, False)
    assert ticket.notify_phone is None


# --- one waiting ticket per service per phone --------------------------------------------------


def test_without_a_kiosk_the_documented_body_still_works_and_a_bad_number_is_refused(client, town):
    for bad in ("12", "02 123 45 67", "not a number"):  # a landline gets no text either
        answer = remote(client, town, bad)
        assert (answer.status_code, answer.json["error"]["code"]) == (422, "invalid_phone")
    assert waiting() == []
    plain = client.post(  # the public API's body as documented: no phone needed
        "/api/v1/tickets", json={"service_id": town.id_card.id, "location_id": town.hall.id}
    )
    assert plain.status_code == 201
    [ticket] = waiting()
    assert ticket.remote and ticket.notify_phone is None


def test_one_waiting_ticket_per_service_per_phone_number(client, town, counter_token):
    first = remote(client, town, "0470 12 34 56")
    assert first.status_code == 201
    again = remote(client, town, "+32 470 12 34 56")  # the same number, written otherwise
    assert (again.status_code, again.json["error"]["code"]) == (409, "phone_has_ticket")
    assert set(again.json["error"]["fields"]) == {"phone"}
    assert remote(client, town, "0470 12 34 56", service=town.address).status_code == 201
    assert remote(client, town, "0499 12 34 56").status_code == 201
    [mine, _other_service, _other_number] = waiting()
    assert (mine.remote, mine.notify_phone, mine.kiosk_id) == (True, "+32470123456", None)
    # Once called, it no longer waits: the number may queue again.
    client.post(f"/api/v1/counters/{town.desk_1.id}/call-next", headers=counter_token())
    db.session.commit()
    assert db.session.get(Ticket, first.json["id"]).status == TicketStatus.CALLED
    assert remote(client, town, "0470 12 34 56").status_code == 201


def test_the_rule_per_phone_does_not_bind_a_kiosk(client, town, kiosk):
    body = {"service_id": town.id_card.id, "location_id": town.hall.id, "phone": "0470123456"}
    for _ in range(2):
        answer = client.post("/api/v1/tickets", json=body, headers=kiosk.headers)
        assert answer.status_code == 201  # a family at the kiosk, one number for the texts
    assert remote(client, town, "0470 12 34 56").status_code == 201
    assert [t.notify_phone for t in waiting()] == ["+32470123456"] * 3


def test_the_phone_page_asks_the_number_and_shows_its_errors(client, town):
    page = client.get(f"/counter/kiosk/{town.hall.id}")
    assert page.status_code == 200
    assert 'name="phone"' in page.text and "kiosk-button" not in page.text
    refused = client.post(
        f"/counter/kiosk/{town.hall.id}/tickets", data={"service_id": town.id_card.id}
    )
    assert refused.status_code == 422
    assert "error-summary" in refused.text and 'aria-invalid="true"' in refused.text
    taken = remote_form(client, town, "0470 12 34 56")
    assert taken.status_code == 302 and "/counter/follow/" in taken.location
    twice = remote_form(client, town, "0470 12 34 56")
    assert twice.status_code == 422
    assert "Dit nummer heeft al een wachtend ticket voor deze dienst." in twice.text
    assert len(waiting()) == 1


# --- pairing a kiosk browser -------------------------------------------------------------------


def test_a_pairing_link_makes_a_browser_the_kiosk_once(client, make_app, town, kiosk):
    url = f"/counter/kiosk/pair/{kiosk.code}"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Inkom" in confirm.text
    assert client.get(url).status_code == 200  # looking at it (a link preview) uses nothing
    paired = client.post(url)
    assert paired.status_code == 302 and paired.location.endswith(f"/counter/kiosk/{town.hall.id}")
    cookie = client.get_cookie(kiosks.COOKIE, path=kiosks.COOKIE_PATH)
    assert cookie is not None and cookie.http_only
    kiosk_page = client.get(f"/counter/kiosk/{town.hall.id}")
    assert "kiosk-button" in kiosk_page.text and 'name="phone"' not in kiosk_page.text
    assert client.post(url).status_code == 404  # used
    assert make_app().test_client().get(url).status_code == 404
    db.session.commit()
    assert db.session.get(Kiosk, kiosk.id).paired_at is not None


def test_an_expired_pairing_link_or_a_revoked_kiosk_is_no_kiosk(client, town, kiosk):
    db.session.get(Kiosk, kiosk.id).pairing_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post(f"/counter/kiosk/pair/{kiosk.code}").status_code == 404
    _again, code = kiosks.new_pairing(kiosk.id)
    assert client.post(f"/counter/kiosk/pair/{code}").status_code == 302
    assert "kiosk-button" in client.get(f"/counter/kiosk/{town.hall.id}").text
    other_place = client.get(f"/counter/kiosk/{town.closed_office.id}")
    assert 'name="phone"' in other_place.text  # its cookie counts at its own location only
    kiosks.revoke(kiosk.id)
    assert 'name="phone"' in client.get(f"/counter/kiosk/{town.hall.id}").text
    forged = make_forged_cookie(client, kiosk)
    assert 'name="phone"' in forged.get(f"/counter/kiosk/{town.hall.id}").text


def make_forged_cookie(client, kiosk):
    client.set_cookie(kiosks.COOKIE, f'{{"kiosk": {kiosk.id}}}', path=kiosks.COOKIE_PATH)
    return client
