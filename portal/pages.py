"""Mijn Loket's pages: the overview, my appointments, my messages, my contacts and cases, who
looked at my file.

Every page shows the party the citizen acts as now (`g.citizen.party_id`: themselves, or the
person they represent) and reads only through `portal.my_record` and the channels' read APIs
(`appointments.of_party`, `sms.read`), each bounded by that party's ids. An id in a URL that is
not theirs finds nothing: 404, in the citizen's language. Lists are keyset-paged.
"""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appointments import of_party, with_manage_links
from appointments.citizen import (
    CannotChange,
    NotTheirs,
    cancel_for_party,
    offer_details,
    offer_representation,
)
from core.database import utcnow
from core.time import local_moment
from desk import labels, record
from desk.forms import channel_labels
from desk.interaction_texts import interaction_summary
from portal import bp, menu_item, my_record, repeat_notices, texts
from portal.session import citizen_required
from sms import read as notices

OVERVIEW_ITEMS = 5
DEFAULTS = {
    # Whether a citizen reads the name of the staff member on a contact (else the department).
    "PORTAL_SHOW_STAFF_NAMES": False,
    # Whether a citizen sees their confidential cases (and the contacts filed under them).
    "PORTAL_SHOW_CONFIDENTIAL_CASES": True,
    # An important notice still unopened after this many days is repeated once.
    "PORTAL_REPEAT_AFTER_DAYS": 21,
    # The department (code) that gets the citizens' correction and representation requests.
    "PORTAL_TASK_DEPARTMENT": "back-office",
}


@bp.record_once
def set_up(state) -> None:
    for key, value in DEFAULTS.items():
        state.app.config.setdefault(key, value)
    repeat_notices.init_app(state.app)


@bp.context_processor
def words():
    return texts.template_helpers()


menu_item("portal.overview", _l("Overview"))
menu_item("portal.appointments", _l("My appointments"))
menu_item("portal.messages", _l("My messages"))
menu_item("portal.contacts", _l("My contacts and cases"))
menu_item("portal.access_log", _l("Who looked at my file"))
menu_item("portal.preferences", _l("My preferences"))
menu_item("portal.people", _l("People who act for me"))
menu_item("portal.data_page", _l("My data"))


def my_ids() -> list[int]:
    """The ids of the party shown, read once per request."""
    if "my_ids" not in g:
        g.my_ids = my_record.party_ids(g.citizen.party_id)
    return g.my_ids


def contact_views(rows) -> list[dict]:
    """Contact moments as the citizen reads them: subject, outcome and summary in their
    language, the department, the staff member's name only where the municipality's policy
    says so. Worded here once per page (labels, links), not once per row in the template."""
    show_names = current_app.config["PORTAL_SHOW_STAFF_NAMES"]
    channels = {code: str(words) for code, words in channel_labels().items()}
    directions = {code: str(words) for code, words in texts.DIRECTIONS.items()}
    case_url = url_for("portal.case", case_id=0)[: -len("0")]
    views = []
    for row in rows:
        subject, outcome = labels.contact_texts(row)
        meta = [channels.get(row.channel, str(row.channel)), directions.get(row.direction, "")]
        meta += [row.department or "", (row.staff_name or "") if show_names else ""]
        views.append(
            {
                "id": row.id,
                "started_at": row.started_at,
                "when": local_moment(row.started_at),
                "meta": " · ".join(part for part in meta if part),
                "subject": subject,
                "outcome": outcome,
                "summary": interaction_summary(row) if row.summary_code else "",
                "case_url": f"{case_url}{row.case_id}" if row.case_id else None,
                "case_line": _("Case: %(subject)s", subject=row.case_subject)
                if row.case_id
                else None,
                "representative_line": _(
                    "Done by %(name)s, acting for you", name=row.representative_name
                )
                if row.representative_name
                else None,
            }
        )
    return views


@bp.get("/")
@citizen_required
def overview():
    ids = my_ids()
    appointments = [a for a in of_party(g.citizen.party_id) if a.upcoming][:OVERVIEW_ITEMS]
    recent_notices, _older = notices.notices_of(ids, limit=OVERVIEW_ITEMS)
    recent = my_record.contacts(ids, limit=OVERVIEW_ITEMS)
    return render_template(
        "portal/overview.html",
        appointments=appointments,
        notices=recent_notices,
        contacts=contact_views(recent.rows),
        open_cases=my_record.cases(ids, open_only=True, limit=OVERVIEW_ITEMS),
    )


@bp.get("/appointments")
@citizen_required
def appointments():
    found = with_manage_links(g.citizen.party_id)
    return render_template(
        "portal/appointments.html",
        upcoming=[pair for pair in found if pair[0].upcoming],
        past=[pair for pair in found if not pair[0].upcoming],
    )


@bp.get("/book")
@citizen_required
def book():
    """A new booking with the citizen's details already filled in (they give their data once);
    `like=<appointment id>` starts from the services and place of one of theirs."""
    like = request.args.get("like")
    target = url_for("booking.start")
    if like is not None:
        found = [link for a, link in with_manage_links(g.citizen.party_id) if str(a.id) == like]
        if not found:
            abort(404)
        target = found[0].book_again_url
    party = record.resolve_party(g.citizen.party_id)
    # the default address of each kind wins (it comes last), else the newest
    ordered = sorted(party.addresses, key=lambda a: (a.is_default, a.id))
    defaults = {a.kind: a.value for a in ordered}
    offer_details(name=party.name, phone=defaults.get("phone"), email=defaults.get("email"))
    return redirect(target)


@bp.get("/appointments/<appointment_id>/reschedule")
@citizen_required
def reschedule_appointment(appointment_id):
    """Moving goes through the booking's own pages (its rules, its confirmation); a
    representative's move carries the representation on the record."""
    found = [
        (a, link)
        for a, link in with_manage_links(g.citizen.party_id)
        if str(a.id) == appointment_id and link.reschedule_url
    ]
    if not found:
        abort(404)
    appointment, link = found[0]
    if g.citizen.acting_for_id:
        offer_representation(appointment.id, g.citizen.own_party_id)
    return redirect(link.reschedule_url)


@bp.route("/appointments/<appointment_id>/cancel", methods=["GET", "POST"])
@citizen_required
def cancel_appointment(appointment_id):
    """Cancelling asks first; the booking's rules decide (appointments.citizen), and a
    representative's cancellation carries the representation on the record."""
    shown = [a for a in of_party(g.citizen.party_id) if str(a.id) == str(appointment_id)]
    if not shown:
        abort(404)
    if request.method == "POST":
        acting = g.citizen.own_party_id if g.citizen.acting_for_id else None
        try:
            cancel_for_party(g.citizen.party_id, shown[0].id, representative_id=acting)
        except NotTheirs:
            abort(404)
        except CannotChange as refused:
            flash(str(refused), "error")
        else:
            flash(_("Your appointment is cancelled."), "success")
        return redirect(url_for("portal.appointments"))
    return render_template("portal/cancel_appointment.html", appointment=shown[0])


@bp.get("/messages")
@citizen_required
def messages():
    page, next_cursor = notices.notices_of(
        my_ids(), cursor=request.args.get("cursor"), limit=my_record.PAGE_SIZE
    )
    return render_template("portal/messages.html", notices=page, next_cursor=next_cursor)


@bp.get("/messages/<notice_id>")
@citizen_required
def message(notice_id):
    """Reading a notice here marks it opened: for the citizen's eyes only (and for the repeat
    of an important notice, which then stays away)."""
    ids = my_ids()
    notice = notices.notice_of(ids, notice_id)
    if notice is None:
        abort(404)
    if notice.opened_at is None:
        notices.mark_opened(ids, notice.id, utcnow())
    return render_template("portal/message.html", notice=notice)


@bp.get("/contacts")
@citizen_required
def contacts():
    ids = my_ids()
    page = my_record.contacts(ids, cursor=request.args.get("cursor"))
    return render_template(
        "portal/contacts.html",
        contacts=contact_views(page.rows),
        next_cursor=page.next_cursor,
        open_cases=my_record.cases(ids, open_only=True),
        hidden_confidential=my_record.hidden_confidential(ids),
    )


@bp.get("/cases/<case_id>")
@citizen_required
def case(case_id):
    ids = my_ids()
    found = my_record.case(ids, case_id)
    if found is None:
        abort(404)
    page = my_record.contacts(ids, case_id=found.id, cursor=request.args.get("cursor"))
    return render_template(
        "portal/case.html",
        case=found,
        contacts=contact_views(page.rows),
        next_cursor=page.next_cursor,
    )


@bp.get("/access-log")
@citizen_required
def access_log():
    page = my_record.access_log(my_ids(), cursor=request.args.get("cursor"))
    return render_template(
        "portal/access_log.html", entries=page.rows, next_cursor=page.next_cursor
    )


# The other pages of Mijn Loket, on the same blueprint.
from portal import corrections, data_export, views_preferences  # noqa: E402, F401
