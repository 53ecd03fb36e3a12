"""Staff sign-in: password, TOTP enrolment and verification, lock-out, sessions."""

import re

import pyotp

from core.database import utcnow
from desk.models import RecoveryCode
from extensions import db


def reloaded(staff):
    """The row as the requests left it: they ran in their own sessions and transactions."""
    db.session.commit()  # end our transaction: SQLite would keep showing its snapshot
    db.session.refresh(staff)
    return staff


def sign_in_password(client, staff, password=None):
    return client.post(
        "/login", data={"email": staff.email, "password": password or staff.password}
    )


def enrolled(make_staff, **fields):
    return make_staff(totp_secret=pyotp.random_base32(), **fields)


def wrong_code(secret):
    """A code that is valid in none of the accepted time steps."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(utcnow())
    accepted = {totp.generate_otp(s) for s in (step - 2, step - 1, step, step + 1, step + 2)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def fresh_code(staff):
    return pyotp.TOTP(reloaded(staff).totp_secret).now()


def test_password_is_stored_with_argon2id(make_staff):
    staff = make_staff()
    assert staff.password_hash.startswith("$argon2id$")
    assert staff.password not in staff.password_hash


def test_wrong_password_is_refused_in_dutch(client, make_staff):
    staff = make_staff()
    response = sign_in_password(client, staff, password="not the password")
    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord is fout." in response.text
    assert reloaded(staff).failed_logins == 1
    with client.session_transaction() as session:
        assert "pending_staff_id" not in session


def test_unknown_email_gets_the_same_message(client):
    response = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord is fout." in response.text


def test_missing_fields_rerender_with_field_messages(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "Vul uw e-mailadres in." in response.text
    assert "Vul uw wachtwoord in." in response.text
    assert 'aria-invalid="true"' in response.text


def test_account_locks_after_repeated_failures(client, app, make_staff):
    staff = make_staff()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in_password(client, staff, password="wrong password!")
    response = sign_in_password(client, staff)  # even the right password is refused now
    assert reloaded(staff).locked_until > utcnow()
    # The same answer as for an address without an account: a lock tells nobody it exists.
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert response.status_code == unknown.status_code == 401
    assert "vergrendeld" in response.text
    assert message_of(response) == message_of(unknown)


def message_of(response) -> str:
    return re.search(r'class="error-message"[^>]*>(.*?)<', response.text, re.S).group(1).strip()


def test_first_sign_in_enrols_totp_and_shows_recovery_codes(client, make_staff):
    staff = make_staff()
    response = sign_in_password(client, staff)
    assert response.headers["Location"].endswith("/login/enrol")
    assert client.get("/desk/").status_code == 302  # not signed in between the two steps

    page = client.get("/login/enrol").text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    # An SVG image needs its namespace: without it the browser shows a broken image.
    assert 'src="data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns%3D%27http%3A%2F%2F' in page

    response = client.post("/login/enrol", data={"code": wrong_code(secret)})
    assert response.status_code == 401
    assert reloaded(staff).totp_secret is None
    response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", response.text)
    assert len(codes) == 10
    assert reloaded(staff).totp_secret == secret
    assert db.session.query(RecoveryCode).filter_by(staff_id=staff.id).count() == 10
    assert client.get("/desk/").status_code == 200


def test_second_sign_in_asks_the_code_and_refuses_a_replay(client, make_app, make_staff):
    staff = enrolled(make_staff)
    assert sign_in_password(client, staff).headers["Location"].endswith("/login/verify")
    code = fresh_code(staff)
    response = client.post("/login/verify", data={"code": code})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/desk/")

    other = make_app().test_client()  # someone who saw the code tries it again
    sign_in_password(other, staff)
    replay = other.post("/login/verify", data={"code": code})
    assert replay.status_code == 401
    assert "Deze code werd al gebruikt" in replay.text
    assert other.get("/desk/").status_code == 302


def test_wrong_code_is_refused(client, make_staff):
    staff = enrolled(make_staff)
    sign_in_password(client, staff)
    response = client.post("/login/verify", data={"code": wrong_code(reloaded(staff).totp_secret)})
    assert response.status_code == 401
    assert "Deze code is fout" in response.text
    response = client.post("/login/verify", data={"code": "12ab"})
    assert response.status_code == 422


def test_recovery_code_signs_in_once(client, make_app, make_staff):
    from desk import accounts

    staff = enrolled(make_staff)
    codes = accounts.recovery_codes_for(reloaded(staff))
    db.session.commit()
    sign_in_password(client, staff)
    assert client.post("/login/verify", data={"code": codes[3]}).status_code == 302

    again = make_app().test_client()
    sign_in_password(again, staff)
    assert again.post("/login/verify", data={"code": codes[3]}).status_code == 401


def test_code_step_without_password_step_goes_back_to_sign_in(client):
    response = client.get("/login/verify")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_session_expires_after_inactivity(client, app, make_staff, login):
    staff = login(make_staff())
    assert client.get("/desk/").status_code == 200
    idle = app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    with client.session_transaction() as session:
        session["last_seen"] -= idle
    response = client.get("/desk/", follow_redirects=True)
    assert "Uw sessie is verlopen" in response.text
    assert "Aanmelden medewerkers" in response.text
    assert client.get("/desk/").status_code == 302
    assert staff.id


def test_activity_keeps_the_session_without_resending_the_cookie_each_time(
    client, app, make_staff, login
):
    from core.security import LAST_SEEN_RESOLUTION_SECONDS

    login(make_staff())
    assert client.get("/desk/").status_code == 200
    assert "Set-Cookie" not in client.get("/desk/").headers  # nothing changed: no new cookie

    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["last_seen"] -= idle - 5  # five seconds before expiry
    response = client.get("/desk/")
    assert response.status_code == 200
    assert "Set-Cookie" in response.headers  # activity moved last_seen forward
    with client.session_transaction() as session:
        assert session["last_seen"] > utcnow().timestamp() - LAST_SEEN_RESOLUTION_SECONDS
    assert client.get("/desk/").status_code == 200


def test_sign_out_ends_the_session(client, make_staff, login):
    login(make_staff())
    response = client.post("/logout", follow_redirects=True)
    assert "U bent afgemeld." in response.text
    assert client.get("/desk/").status_code == 302


def test_deactivation_ends_open_sessions(client, app, make_staff, login):
    from desk import accounts

    admin = make_staff(email="admin@example.org", role="admin")
    staff = login(make_staff())
    assert client.get("/desk/").status_code == 200
    accounts.set_active(reloaded(staff), False, admin)
    db.session.commit()
    assert client.get("/desk/").status_code == 302


def test_next_is_followed_only_within_the_site(client, make_staff):
    from desk.auth import safe_next

    with client.application.test_request_context():
        assert safe_next("/admin/staff") == "/admin/staff"
        assert safe_next("//evil.example/") == "/desk/"
        assert safe_next("https://evil.example/") == "/desk/"
