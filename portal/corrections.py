""" "This is wrong": any item a citizen sees of their record can be reported, and the report is a
task for the back office (GDPR article 16, the right to rectification).

The item is named `<kind>:<id>` and must be the citizen's own (shown to them now); any other
is a 404. The record itself is append-only: a person checks the report and corrects the
record with a new entry, never by rewriting the old one.
"""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from appointments import of_party
from core.bounds import as_id
from desk import record
from desk.interaction_texts import in_languages
from desk.models import AccessLog, ContactAddress, PartyIdentifier
from extensions import db
from portal import bp, my_record
from portal.page_forms import CorrectionForm
from portal.session import citizen_required
from portal.texts import CORRECTION_ASKED
from portal.views_preferences import acting_representative, back_office, in_default_language
from sms import read as notices

KINDS = {
    "party": lambda ids, i: i == ids[0],
    "address": lambda ids, i: _owned(ContactAddress, ids, i),
    "identifier": lambda ids, i: _owned(PartyIdentifier, ids, i),
    "contact": lambda ids, i: my_record.contact(ids, i) is not None,
    "case": lambda ids, i: my_record.case(ids, i) is not None,
    "notice": lambda ids, i: notices.notice_of(ids, i) is not None,
    "appointment": lambda ids, i: any(a.id == i for a in of_party(ids[0])),
    "access": lambda ids, i: _owned(AccessLog, ids, i),
}


def _owned(model, ids, ident) -> bool:
    query = select(model.id).where(model.id == ident, model.party_id.in_(ids))
    return db.session.scalar(query) is not None


def checked_item(value: str | None) -> tuple[str, int]:
    """The item named `<kind>:<id>`, if it is the citizen's own; else 404."""
    kind, _sep, ident = (value or "").partition(":")
    number = as_id(ident)
    ids = my_record.party_ids(g.citizen.party_id)
    if kind not in KINDS or number is None or not KINDS[kind](ids, number):
        abort(404)
    return kind, number


def item_words(kind: str) -> str:
    return {
        "party": _("my name or language"),
        "address": _("a phone number or e-mail address"),
        "identifier": _("an identification number"),
        "contact": _("a contact"),
        "case": _("a case"),
        "notice": _("a message"),
        "appointment": _("an appointment"),
        "access": _("an entry of who looked at my file"),
    }[kind]


def _in(language: str, kind: str, number: int) -> str:
    with force_locale(language):
        return f"{item_words(kind)} {number}"


@bp.route("/correction", methods=["GET", "POST"])
@citizen_required
def correction():
    form = CorrectionForm(item=request.values.get("item"))
    kind, number = checked_item(form.item.data)
    status = 200
    if request.method == "POST":
        if form.validate():
            party_id = g.citizen.party_id
            title = in_default_language(
                _("Correction asked: %(item)s %(id)s", item=item_words(kind), id=number)
            )
            record.create_task(
                party=party_id,
                title=title,
                description=form.description.data.strip(),
                department=back_office(),
            )
            record.record_interaction(
                party=party_id,
                channel="web",
                direction="inbound",
                subject=title,
                subject_code=CORRECTION_ASKED,
                subject_params={"item": in_languages(lambda lang: _in(lang, kind, number))},
                representative=acting_representative(),
            )
            flash(_("Thank you. A colleague will check it and correct it."), "success")
            return redirect(url_for("portal.data_page"))
        status = 422
    return render_template("portal/correction.html", form=form, what=item_words(kind)), status
