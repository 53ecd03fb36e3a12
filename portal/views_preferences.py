"""My preferences and the people who act for me: the pages where a citizen changes something.

Changes go through `desk.record` (set_preferences, set_contact_consent, create_task) and are
themselves contact moments on the citizen's timeline, carrying the representation when a
representative made them. A request to add or end a representation is a task for the back
office: a person checks the basis before anyone may act for someone else.
"""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.bounds import as_id
from desk import accounts, record
from desk.errors import InvalidInput
from desk.interaction_texts import in_languages
from desk.models import Channel, ContactAddress, Direction, Party
from extensions import db
from portal import bp, my_record, session
from portal.page_forms import PreferencesForm, RepresentationRequestForm
from portal.session import citizen_required
from portal.texts import (
    CONSENT_PURPOSES,
    LANGUAGE_NAMES,
    PREFERENCES_CHANGED,
    PREFERRED_CHANNELS,
    REPRESENTATION_ASKED,
)

CONSENT_FIELD = "consent-{address}-{purpose}"


def acting_representative() -> int | None:
    """The citizen's own party while they act for someone else: every action carries it."""
    return g.citizen.own_party_id if g.citizen.acting_for_id else None


def back_office():
    return accounts.get_or_create_department(current_app.config["PORTAL_TASK_DEPARTMENT"])


def record_citizen_action(code: str, params: dict, subject_words: str) -> None:
    """The citizen's own action in Mijn Loket as a contact moment on their timeline."""
    record.record_interaction(
        party=g.citizen.party_id,
        channel=Channel.WEB,
        direction=Direction.INBOUND,
        subject=subject_words[: record.SUBJECT_MAX],
        subject_code=code,
        subject_params=params,
        representative=acting_representative(),
    )


def in_default_language(text) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(text)


# --- my preferences ---------------------------------------------------------------------------


def my_addresses(party_id: int) -> list[ContactAddress]:
    query = select(ContactAddress).where(ContactAddress.party_id == party_id)
    return list(db.session.scalars(query.order_by(ContactAddress.id)))


def asked_consents(addresses: list[ContactAddress]) -> dict[int, dict[str, bool]]:
    """The ticked boxes, per address. A box naming an address that is not the citizen's is a
    forged form: 404, as for any id that is not theirs."""
    mine = {address.id for address in addresses}
    for name in request.form:
        if name.startswith("consent-"):
            _, address_id, purpose = (name.split("-", 2) + ["", ""])[:3]
            if as_id(address_id) not in mine or purpose not in CONSENT_PURPOSES:
                abort(404)
    return {
        address.id: {
            purpose: request.form.get(CONSENT_FIELD.format(address=address.id, purpose=purpose))
            == "yes"
            for purpose in CONSENT_PURPOSES
        }
        for address in addresses
    }


def change_words(language: str, party, before: dict, addresses, consents) -> list[str]:
    """What changed, in one language (for the timeline's parameters)."""
    with force_locale(language):
        words = []
        if party.preferred_channel != before["channel"]:
            channel = PREFERRED_CHANNELS[party.preferred_channel]
            words.append(_("notices by %(channel)s", channel=channel))
        if party.preferred_language != before["language"]:
            language = LANGUAGE_NAMES.get(party.preferred_language or "", "-")
            words.append(_("language %(language)s", language=language))
        for address in addresses:
            for purpose, wanted in consents[address.id].items():
                if before["consents"][(address.id, purpose)] != wanted:
                    text = _("yes") if wanted else _("no")
                    words.append(f"{CONSENT_PURPOSES[purpose]} ({address.value}): {text}")
        return words


@bp.route("/preferences", methods=["GET", "POST"])
@citizen_required
def preferences():
    party = db.session.get(Party, g.citizen.party_id)
    addresses = my_addresses(party.id)
    form = PreferencesForm(
        data={
            "preferred_channel": str(party.preferred_channel),
            "language": party.preferred_language or current_app.config["BABEL_DEFAULT_LOCALE"],
        }
    )
    if request.method == "POST":
        consents = asked_consents(addresses)
        if form.validate():
            before = {
                "channel": party.preferred_channel,
                "language": party.preferred_language,
                "consents": {
                    (a.id, p): getattr(a, record.CONSENT_PURPOSES[p])
                    for a in addresses
                    for p in CONSENT_PURPOSES
                },
            }
            try:
                record.set_preferences(
                    party=party,
                    preferred_channel=form.preferred_channel.data,
                    language=form.language.data,
                )
            except InvalidInput as refused:
                form.preferred_channel.errors.append(refused_words(refused.code))
            else:
                for address in addresses:
                    record.set_contact_consent(
                        party=party, address=address, consents=consents[address.id], source="portal"
                    )
                changes = in_languages(
                    lambda language: change_words(language, party, before, addresses, consents)
                )
                if changes[current_app.config["BABEL_DEFAULT_LOCALE"]]:
                    record_citizen_action(
                        PREFERENCES_CHANGED,
                        {"changes": changes},
                        in_default_language(_("Preferences changed in Mijn Loket")),
                    )
                flash(_("Your preferences are saved."), "success")
                return redirect(url_for("portal.preferences"))
        return render_template(
            "portal/preferences.html", form=form, addresses=addresses, field=CONSENT_FIELD
        ), 422
    return render_template(
        "portal/preferences.html", form=form, addresses=addresses, field=CONSENT_FIELD
    )


def refused_words(code: str) -> str:
    return {
        "channel_needs_phone": _("We have no mobile number for you: choose another way."),
        "channel_needs_email": _("We have no e-mail address for you: choose another way."),
    }.get(code, _("This choice is not possible."))


# --- people who act for me, for whom I act ----------------------------------------------------


@bp.route("/people", methods=["GET", "POST"])
@citizen_required
def people():
    own = g.citizen.own_party_id
    for_me, i_act_for = my_record.current_representations(own)
    form = RepresentationRequestForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            description = form.description.data.strip()
            record.create_task(
                party=own,
                title=in_default_language(_("Representation asked in Mijn Loket")),
                description=f"{form.kind.data}: {description}",
                department=back_office(),
            )
            asked = dict(form.kind.choices)[form.kind.data]
            record.record_interaction(
                party=own,
                channel=Channel.WEB,
                direction=Direction.INBOUND,
                subject=in_default_language(_("Representation asked in Mijn Loket")),
                subject_code=REPRESENTATION_ASKED,
                subject_params={"request": in_languages(lambda lang: _in(lang, asked))},
            )
            flash(_("We received your request. A colleague will contact you."), "success")
            return redirect(url_for("portal.people"))
        status = 422
    shown = db.session.get(Party, g.citizen.party_id)
    return render_template(
        "portal/people.html",
        for_me=for_me,
        i_act_for=i_act_for,
        form=form,
        shown=shown,
    ), status


def _in(language: str, text) -> str:
    with force_locale(language):
        return str(text)


@bp.post("/people/act")
@citizen_required
def act():
    """Switch to acting for someone (a representation held now) or back to oneself; any other
    id is a 404 (portal.session.act_for)."""
    wanted = request.form.get("representation")
    representation_id = None if wanted in (None, "", "self") else as_id(wanted)
    if wanted not in (None, "", "self") and representation_id is None:
        abort(404)
    session.act_for(g.citizen_session, representation_id)
    return redirect(url_for("portal.overview"))
