"""`GET /chat/ice-servers`: STUN and TURN, the TURN credential checked by a real coturn."""

import base64
import hashlib
import hmac
import subprocess
import time

from chat.ice import MAX_LIFETIME_SECONDS, turn_credential


def allocate(coturn, username, credential) -> subprocess.CompletedProcess:
    """One TURN allocation with coturn's own client: two relayed endpoints that exchange a
    few packets (-y), over UDP on loopback."""
    return subprocess.run(
        ["turnutils_uclient", "-y", "-n", "3", "-p", str(coturn.port), "-u", username,
         "-w", credential, "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


def test_a_signed_in_agent_gets_a_turn_credential_that_coturn_accepts(
    make_app, make_staff, login, coturn
):
    app = make_app(TURN_URLS=coturn.url, TURN_SECRET=coturn.secret)
    client = app.test_client()
    login(make_staff("agent@example.org", role="call_agent"), client)

    response = client.get("/chat/ice-servers")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    servers = response.get_json()["ice_servers"]
    assert servers[0] == {"urls": [f"stun:127.0.0.1:{coturn.port}"]}
    turn = servers[1]
    assert turn["urls"] == [coturn.url]
    expiry, _ = turn["username"].split(":")
    assert 0 < int(expiry) - time.time() <= MAX_LIFETIME_SECONDS
    assert response.get_json()["ttl"] <= MAX_LIFETIME_SECONDS

    allocated = allocate(coturn, turn["username"], turn["credential"])
    assert allocated.returncode == 0, allocated.stdout + allocated.stderr
    assert "Total lost packets 0" in allocated.stdout
    assert "ERROR" not in allocated.stdout


def test_coturn_refuses_a_wrong_or_expired_credential(coturn):
    fine = turn_credential(coturn.secret, 600)
    wrong = allocate(coturn, fine["username"], base64.b64encode(b"x" * 20).decode())
    assert wrong.returncode != 0
    assert "Cannot complete Allocation" in wrong.stdout + wrong.stderr

    other_secret = turn_credential("not-the-shared-secret", 600)
    refused = allocate(coturn, other_secret["username"], other_secret["credential"])
    assert refused.returncode != 0

    expired = turn_credential(coturn.secret, 600, now=time.time() - 3600)
    late = allocate(coturn, expired["username"], expired["credential"])
    assert late.returncode != 0


def test_the_credential_follows_coturns_rest_scheme_and_lasts_an_hour_at_most():
    credential = turn_credential("secret", 24 * 3600, now=1_000_000)
    assert credential["ttl"] == MAX_LIFETIME_SECONDS
    expiry, _ = credential["username"].split(":")
    assert int(expiry) == 1_000_000 + MAX_LIFETIME_SECONDS
    digest = hmac.new(b"secret", credential["username"].encode(), hashlib.sha1).digest()
    assert credential["credential"] == base64.b64encode(digest).decode()
    assert turn_credential("secret", 60)["username"] != turn_credential("secret", 60)["username"]


def test_someone_in_no_call_gets_stun_only(make_app):
    app = make_app(TURN_URLS="turn:turn.example.org:3478, turns:turn.example.org:5349",
                   TURN_SECRET="s")  # fmt: skip
    response = app.test_client().get("/chat/ice-servers")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "ice_servers": [{"urls": ["stun:turn.example.org:3478"]}],
        "ttl": None,
    }


def test_without_turn_settings_there_is_no_turn_entry(make_app, make_staff, login):
    app = make_app(STUN_URLS="stun:stun.example.org:3478")
    client = app.test_client()
    login(make_staff("agent@example.org", role="call_agent"), client)
    assert client.get("/chat/ice-servers").get_json() == {
        "ice_servers": [{"urls": ["stun:stun.example.org:3478"]}],
        "ttl": None,
    }
