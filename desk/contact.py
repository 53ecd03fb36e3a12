"""The desk's page for how a citizen wants to be reached, and who may act for them.

Consent per purpose and per address, the preferred notification channel and language, and
representations (add, end). The SMS and booking channels read these; staff change them here
when a citizen asks at the counter or on the phone. Each save goes through desk.record, is
one transaction and leaves a "change" row in the access log. The routes hang on the desk
blueprint (desk.views imports this module), so they share its sign-in rule.
"""

from datetime import datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import form_errors
from core.time import BRUSSELS
from core.unit_of_work import unit_of_work
from desk import forms, record, timeline
from desk.errors import Conflict, NotAllowed, NotFound, RecordError
from desk.models import ContactAddress, Party, Representation
from desk.search import search_parties
from desk.views import bp, log_view, visible_party
from extensions import db


def consent_form(address: ContactAddress, formdata=None) -> forms.ConsentForm:
    form = forms.ConsentForm(formdata, prefix=f"address-{address.id}")
    if formdata is None:
        form.reminders.data = address.consent_reminders
        form.queue_alerts.data = address.consent_queue_alerts
        form.case_updates.data = address.consent_case_updates
        form.verified.data = address.verified_at is not None
    return form


def preferences_form(party: Party, formdata=None) -> forms.PreferencesForm:
    form = forms.PreferencesForm(formdata, prefix="preferences")
    if formdata is None:
        form.preferred_channel.data = str(party.preferred_channel)
        form.language.data = party.preferred_language or ""
    return form


def render_contact_page(party: Party, status: int = 200, **given):
    log_view(party.id, detail="access.contact_page")
    consent_forms = given.get("consent_forms", {})
    return render_template(
        "desk/contact.html",
        party=party,
        preferences_form=given.get("preferences_form") or preferences_form(party),
        addresses=[(a, consent_forms.get(a.id) or consent_form(a)) for a in party.addresses],
        representations=timeline.representations(party),
        representation_form=given.get("representation_form")
        or forms.RepresentationForm(prefix="representation"),
    ), status


def _done(party: Party, message: str):
    flash(message, "success")
    return redirect(url_for("desk.contact_preferences", party_id=party.id))


@bp.get("/parties/<int:party_id>/contact")
def contact_preferences(party_id):
    party = visible_party(party_id)
    if party.merged_into_id is not None:
        survivor = record.live_party(party)
        return redirect(url_for("desk.contact_preferences", party_id=survivor.id))
    return render_contact_page(party)


@bp.post("/parties/<int:party_id>/preferences")
def save_preferences(party_id):
    party = visible_party(party_id)
    form = preferences_form(party, request.form)
    if form.validate():
        try:
            with unit_of_work():
                record.set_preferences(
                    party=party,
                    preferred_channel=form.preferred_channel.data,
                    language=form.language.data or "",
                    staff=current_user,
                )
        except RecordError as error:
            form_errors(form, error, "preferred_channel")
        else:
            return _done(party, _("Preferences saved."))
    return render_contact_page(party, 422, preferences_form=form)


@bp.post("/parties/<int:party_id>/addresses/<int:address_id>/consent")
def save_consent(party_id, address_id):
    party = visible_party(party_id)
    address = next((a for a in party.addresses if a.id == address_id), None)
    if address is None:  # no such address, or another party's: nothing about it leaks
        abort(404)
    form = consent_form(address, request.form)
    if form.validate():
        try:
            with unit_of_work():
                record.set_contact_consent(
                    party=party,
                    address=address,
                    consents={
                        "reminders": form.reminders.data,
                        "queue_alerts": form.queue_alerts.data,
                        "case_updates": form.case_updates.data,
                    },
                    verified=form.verified.data,
                    staff=current_user,
                )
        except NotFound:
            abort(404)
        except RecordError as error:
            form_errors(form, error, "reminders")
        else:
            return _done(party, _("Consent saved."))
    return render_contact_page(party, 422, consent_forms={address.id: form})


def end_of_local_day(day) -> datetime | None:
    """A "valid until" date means through that day on the desk's clock."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS)


@bp.post("/parties/<int:party_id>/representations")
def add_representation(party_id):
    party = visible_party(party_id)
    form = forms.RepresentationForm(request.form, prefix="representation")
    if form.validate():
        found = search_parties(form.representative.data, current_user, limit=2, keys_only=True)
        if len(found) != 1:
            form.representative.errors = [
                _("Nobody found with this number or address.")
                if not found
                else _("Several records match. Use the national register number.")
            ]
        else:
            try:
                with unit_of_work():
                    record.add_representation(
                        representative=found[0],
                        represented=party,
                        basis=form.basis.data,
                        valid_until=end_of_local_day(form.valid_until.data),
                        staff=current_user,
                    )
            except RecordError as error:
                form_errors(form, error, "representative")
            else:
                return _done(party, _("Representative added."))
    return render_contact_page(party, 422, representation_form=form)


@bp.post("/representations/<int:representation_id>/end")
def end_representation(representation_id):
    found = db.session.get(Representation, representation_id)
    if found is None:
        abort(404)
    party = visible_party(found.represented_id)
    try:
        with unit_of_work():
            record.end_representation(representation=found, staff=current_user)
    except (NotFound, NotAllowed):
        abort(404)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("Representation ended."), "success")
    return redirect(url_for("desk.contact_preferences", party_id=party.id))


@bp.post("/parties/<int:party_id>/verify")
def verify(party_id):
    """Staff checked an identity document: the address or identifier is the citizen's, noted
    with how and by whom."""
    party = visible_party(party_id)
    address, identifier = request.form.get("address", ""), request.form.get("identifier", "")
    try:
        with unit_of_work():
            if address.isdigit():
                record.verify_address(party=party, address=int(address), staff=current_user)
            elif identifier.isdigit():
                record.verify_identifier(
                    party=party, identifier=int(identifier), staff=current_user
                )
            else:
                abort(400)
    except NotFound:
        abort(404)
    flash(_("Marked as verified with an identity document."), "success")
    return redirect(url_for("desk.party", party_id=party.id))
