"""Signing in to Mijn Loket with a one-time code, and signing out.

`/my/sign-in` takes a phone number or e-mail address and always answers the same way (the code
page), whether the record holds it or not; `/my/sign-in/code` takes the code. Limits per client
and per address keep guessing slow; the code itself allows five tries.
"""

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from extensions import limiter
from portal import bp
from portal import session as citizen
from portal.codes import CodeRefused, address_hash, check_code, read_address, request_code
from portal.forms import CodeForm, ContactForm

HOME = "/my/"  # DESIGN.md's address of Mijn Loket


def client_limit() -> str:
    return current_app.config["MY_SIGN_IN_RATE_LIMIT"]


def address_limit() -> str:
    return current_app.config["MY_SIGN_IN_ADDRESS_RATE_LIMIT"]


def code_limit() -> str:
    return current_app.config["MY_CODE_RATE_LIMIT"]


def address_key() -> str:
    """Limits per address count every spelling of one address as one."""
    typed = request.form.get("contact", "")
    address = read_address(typed)
    return "my-address:" + (address_hash(address) if address else typed.strip().lower()[:254])


def safe_next(target: str | None) -> str:
    if target and target.startswith("/my/") and not urlsplit(target).netloc:
        return target
    return HOME


def finish_sign_in(party_id: int, how: str):
    """A fresh citizen session (any earlier one on this browser ends), and the page they asked
    for; nothing of the sign-in itself stays in Flask's session."""
    target = safe_next(session.pop("my_next", None))
    for key in ("my_code_id", "my_contact"):
        session.pop(key, None)
    citizen.end_session(citizen.current_session())
    value = citizen.start_session(party_id, how)
    return citizen.set_cookie(redirect(target), value)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(client_limit, methods=["POST"])
@limiter.limit(address_limit, key_func=address_key, methods=["POST"])
def sign_in():
    if request.method == "GET" and citizen.current_session() is not None:
        return redirect(HOME)
    form = ContactForm()
    if request.method == "GET" and request.args.get("next"):
        session["my_next"] = safe_next(request.args["next"])
    if form.validate_on_submit():
        address = read_address(form.contact.data)
        row = request_code(address, str(get_locale()))
        session["my_code_id"] = row.id
        session["my_contact"] = form.contact.data.strip()
        return redirect(url_for("portal.enter_code"))
    status = 422 if form.is_submitted() else 200
    return render_template("portal/sign_in.html", form=form, oidc=oidc_offered()), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(code_limit, methods=["POST"])
def enter_code():
    if "my_code_id" not in session:
        return redirect(url_for("portal.sign_in"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = check_code(session["my_code_id"], form.code.data)
        except CodeRefused as refused:
            form.code.errors.append(refusal_message(refused.reason))
            status = 422 if refused.reason == "wrong" else 410
        else:
            return finish_sign_in(row.party_id, "one_time_code")
    elif form.is_submitted():
        status = 422
    return render_template(
        "portal/sign_in_code.html", form=form, contact=session.get("my_contact", "")
    ), status


def refusal_message(reason: str) -> str:
    if reason == "wrong":
        return _("This code is not right. Check the digits and try again.")
    return _("This code no longer works. Ask for a new code.")


@bp.post("/sign-out")
def sign_out():
    """A POST (CSRF-checked like every form), so no link on another site can sign anyone out."""
    citizen.end_session(citizen.current_session())
    return citizen.clear_cookie(redirect(url_for("portal.sign_in", signed_out=1)))


def oidc_offered() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))
