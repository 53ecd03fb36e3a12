"""Signing a citizen in for a test, the honest way: the same `start_session` the sign-in pages
call, so a test's session is one the app really issued (and can expire or end)."""

from extensions import db
from portal import session as citizen
from tests.conftest import settle


def session_cookie(app, party_id: int, how: str = "one_time_code") -> str:
    """A new citizen session for the party, committed; returns the `loket_my` cookie's value.
    The test's own transaction ends first (SQLite: it would hold the lock the new row needs)."""
    settle()
    with app.test_request_context():
        value = citizen.start_session(party_id, how)
        db.session.commit()
        db.session.remove()
    return value


def sign_in_as(client, party_id: int) -> str:
    """Sign the party in on a Flask test client; returns the cookie value."""
    value = session_cookie(client.application, party_id)
    client.set_cookie(citizen.COOKIE_NAME, value, path="/my")
    return value


def sign_in_browser(context, live_server, party_id: int) -> str:
    """Sign the party in on a Playwright browser context talking to `live_server`."""
    value = session_cookie(live_server.app, party_id)
    context.add_cookies(
        [
            {
                "name": citizen.COOKIE_NAME,
                "value": value,
                "url": f"{live_server.url}/my/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return value
