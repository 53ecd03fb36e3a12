"""Admins manage staff; operators use the command line."""

import pyotp

from desk import accounts
from desk.models import RecoveryCode, Role, Staff
from extensions import db


def reloaded(row):
    db.session.commit()
    db.session.refresh(row)
    return row


def test_only_admins_reach_staff_management(client, make_staff, login):
    login(make_staff(role=Role.COUNTER))
    response = client.get("/admin/staff")
    assert response.status_code == 403
    assert "Geen toegang" in response.text


def test_an_admin_is_not_offered_to_deactivate_their_own_account(client, make_staff, login):
    me = login(make_staff(email="admin@example.org", role=Role.ADMIN))
    other = make_staff(email="other@example.org", role=Role.COUNTER)
    page = client.get("/admin/staff").text
    assert f"/admin/staff/{other.id}/active" in page
    assert f"/admin/staff/{me.id}/active" not in page


def test_admin_creates_a_staff_member(client, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN, department="burgerzaken"))
    department = accounts.get_or_create_department("burgerzaken")
    db.session.commit()
    response = client.post(
        "/admin/staff/new",
        data={
            "name": "Nora Nieuw",
            "email": "Nora@Example.org",
            "role": "call_agent",
            "department_id": department.id,
            "password": "a long first password",
        },
    )
    assert response.status_code == 302
    created = accounts.find_staff_by_email("nora@example.org")
    assert created.role == Role.CALL_AGENT
    assert created.department_id == department.id
    assert not created.has_second_factor
    assert "Nora Nieuw" in client.get("/admin/staff").text


def test_new_staff_form_reports_every_problem_and_writes_nothing(client, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    response = client.post(
        "/admin/staff/new",
        data={"name": "", "email": "not-an-address", "role": "call_agent", "password": "short"},
    )
    assert response.status_code == 422
    assert "Vul een naam in." in response.text
    assert "Vul een geldig e-mailadres in." in response.text
    assert "Gebruik minstens 12 tekens." in response.text
    assert db.session.query(Staff).count() == 1


def test_duplicate_email_is_refused(client, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    make_staff(email="taken@example.org")
    response = client.post(
        "/admin/staff/new",
        data={"name": "X", "email": "TAKEN@example.org", "role": "counter", "password": "p" * 12},
    )
    assert response.status_code == 422
    assert "Er bestaat al een account met dit adres." in response.text


def test_admin_edits_role_and_password(client, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    staff = make_staff(email="edit@example.org", role=Role.COUNTER)
    old_version = staff.session_version
    response = client.post(
        f"/admin/staff/{staff.id}",
        data={
            "name": "Edited",
            "email": "edit@example.org",
            "role": "back_office",
            "department_id": 0,
            "password": "a brand new password",
        },
    )
    assert response.status_code == 302
    staff = reloaded(staff)
    assert (staff.name, staff.role) == ("Edited", Role.BACK_OFFICE)
    assert accounts.password_matches(staff, "a brand new password")
    assert staff.session_version > old_version


def test_deactivate_and_reactivate(client, make_app, make_staff, login):
    admin = login(make_staff(email="admin@example.org", role=Role.ADMIN))
    staff = make_staff(email="leaver@example.org")
    client.post(f"/admin/staff/{staff.id}/active", data={"active": "0"})
    assert reloaded(staff).active is False
    outsider = make_app().test_client()
    refused = outsider.post("/login", data={"email": staff.email, "password": staff.password})
    assert refused.status_code == 401
    client.post(f"/admin/staff/{staff.id}/active", data={"active": "1"})
    assert reloaded(staff).active is True

    response = client.post(
        f"/admin/staff/{admin.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "U kunt uw eigen account niet deactiveren." in response.text
    assert reloaded(admin).active is True


def test_reset_second_factor(client, make_app, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    staff = make_staff(email="lost@example.org", totp_secret=pyotp.random_base32())
    accounts.recovery_codes_for(staff)
    db.session.commit()
    client.post(f"/admin/staff/{staff.id}/reset-second-factor")
    staff = reloaded(staff)
    assert staff.totp_secret is None
    assert db.session.query(RecoveryCode).filter_by(staff_id=staff.id).count() == 0
    outsider = make_app().test_client()
    response = outsider.post("/login", data={"email": staff.email, "password": staff.password})
    assert response.headers["Location"].endswith("/login/enrol")


def test_unknown_staff_is_404(client, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    assert client.get("/admin/staff/999999").status_code == 404


def test_cli_create_staff(runner):
    result = runner.invoke(
        args=[
            "create-staff",
            "--email",
            "Op@Example.org",
            "--name",
            "Operator",
            "--role",
            "counter",
            "--department",
            "burgerzaken",
            "--password",
            "long enough pw",
        ]
    )
    assert result.exit_code == 0, result.output
    staff = accounts.find_staff_by_email("op@example.org")
    assert staff.role == Role.COUNTER
    assert staff.department.code == "burgerzaken"

    again = runner.invoke(
        args=["create-staff", "--email", "op@example.org", "--name", "X", "--password", "p" * 12]
    )
    assert again.exit_code != 0
    assert "exists already" in again.output


def test_cli_create_staff_refuses_bad_input(runner):
    result = runner.invoke(
        args=["create-staff", "--email", "nope", "--name", "X", "--password", "short"]
    )
    assert result.exit_code == 2
    assert db.session.query(Staff).count() == 0


def test_cli_api_token_authenticates_the_api(runner, client, make_staff):
    staff = make_staff(email="kiosk@example.org", role=Role.COUNTER)
    result = runner.invoke(args=["create-api-token", "kiosk@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["id"] == staff.id

    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer lkt_wrong"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "unauthorized"
    assert runner.invoke(args=["create-api-token", "nobody@example.org"]).exit_code != 0


def test_seed_demo_is_deterministic(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@loket.demo" in first.output
    count = db.session.query(Staff).count()
    roles = {s.role for s in db.session.query(Staff)}
    assert roles == set(Role)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.query(Staff).count() == count


def test_api_token_use_is_recorded_at_most_once_a_minute(client, make_staff):
    from datetime import timedelta

    from core.database import utcnow
    from desk.models import ApiToken

    make_staff(email="kiosk@example.org", role=Role.COUNTER)
    token = accounts.create_api_token(accounts.find_staff_by_email("kiosk@example.org"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    row = db.session.query(ApiToken).one()
    first = row.last_used_at
    assert first is not None
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert reloaded(row).last_used_at == first
    row.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert reloaded(row).last_used_at > first


def test_administration_is_one_menu_item_leading_to_every_admin_page(client, make_staff, login):
    """The staff menu keeps one row at 1280 px: the admin pages are reached through one page."""
    login(make_staff(role=Role.ADMIN))
    menu = client.get("/desk/").get_data(as_text=True)
    assert 'href="/admin/"' in menu and 'href="/admin/staff"' not in menu
    page = client.get("/admin/").get_data(as_text=True)
    for path in ("/admin/staff", "/admin/booking/", "/counter/admin/screens", "/phone/admin/"):
        assert f'href="{path}' in page, path
    assert 'href="/chat/admin/answers' in page


def test_only_admins_reach_the_administration_page(client, make_staff, login):
    login(make_staff(role=Role.COUNTER))
    assert client.get("/admin/").status_code == 403
