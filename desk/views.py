"""The staff desk: search, a party's 360° page, cases, tasks, duplicates and merges.

Thin on purpose: forms check shape, desk.record / desk.merging decide and write, and a
RecordError becomes a message on the form field it concerns. Every page that shows a party
writes an AccessLog row; a party the staff member may not see answers 404.
"""

import functools

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2 import pass_context
from sqlalchemy import select

from core.errors import form_errors
from core.time import BRUSSELS
from core.unit_of_work import unit_of_work
from desk import (
    access,
    calls,
    forms,
    identifiers,
    interaction_texts,
    labels,
    merging,
    record,
    timeline,
)
from desk.errors import NotAllowed, NotFound, RecordError
from desk.export import export_record
from desk.models import (
    AccessLog,
    Case,
    CaseStatus,
    Channel,
    Department,
    MergeRecord,
    Party,
    Staff,
    Task,
)
from desk.overview import Overview, party_overview
from desk.panels import party_panels
from desk.search import search_parties
from extensions import db

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.before_request
@login_required
def require_login():
    """Every desk page is for signed-in staff only."""


@bp.app_template_filter("display_phone")
def display_phone(e164: str) -> str:
    return identifiers.display_phone(e164)


# Day-month-year and the 24-hour clock, as Belgian desks write them in all three languages.
SHORT_DATETIME = {"en": "%d/%m/%Y %H:%M", "fr": "%d/%m/%Y %H:%M", "nl": "%d-%m-%Y %H:%M"}


@functools.lru_cache(maxsize=16)
def _clock(pattern: str):
    def clock(value) -> str:
        return "" if value is None else value.astimezone(BRUSSELS).strftime(pattern)

    return clock


def desk_clock():
    """UTC in, the desk's wall clock out, for this request's language. Looked up once per page
    and called per row: Babel's formatter, or even a locale lookup per row, costs more than the
    timeline query."""
    pattern = SHORT_DATETIME.get(str(get_locale()), SHORT_DATETIME["nl"])
    return _clock(pattern)


@bp.app_template_filter("local_datetime")
@pass_context
def local_datetime(context, value) -> str:
    """A filter, not a call: Jinja calls filters directly, without its per-call checks; the
    page's clock comes from the context when the view put one there."""
    clock = context.get("clock") or desk_clock()
    return clock(value)


@bp.app_template_filter("iso_datetime")
def iso_datetime(value) -> str:
    """For <time datetime="...">: machine-readable, with its UTC offset."""
    return "" if value is None else value.isoformat()


# --- start page and search -------------------------------------------------------------------


@bp.get("/")
def start():
    form = forms.SearchForm(request.args)
    results = None
    query = (form.q.data or "").strip()
    if query and form.validate():
        results = search_parties(query, current_user)
    page = render_template(
        "desk/start.html",
        form=form,
        query=query,
        results=results,
        # the results are the page; recent work only when there is nothing searched
        tasks=timeline.work_for(current_user) if results is None else [],
        recent=_recently_viewed(current_user) if results is None else [],
    )
    if results:
        # after rendering: the log's commit would otherwise expire what the page still reads
        record.log_access(
            staff=current_user,
            party_ids=[p.id for p in results],
            action="search",
            purpose=form.purpose.data,
            detail="access.search_hit",
        )
    return page


def _recently_viewed(staff: Staff, limit: int = 8) -> list[Party]:
    """Bounded: reads this staff member's latest view rows only, never their whole history."""
    latest = db.session.scalars(
        select(AccessLog.party_id)
        .where(AccessLog.staff_id == staff.id, AccessLog.action == "view")
        .order_by(AccessLog.at.desc(), AccessLog.id.desc())
        .limit(limit * 25)
    )
    party_ids = list(dict.fromkeys(latest))[: limit * 2]
    if not party_ids:
        return []
    parties = {
        p.id: p
        for p in db.session.scalars(
            select(Party).where(Party.id.in_(party_ids), Party.merged_into_id.is_(None))
        )
    }
    return [parties[i] for i in party_ids if i in parties][:limit]


# --- the party page --------------------------------------------------------------------------


def visible_party(party_id: int) -> Party:
    party = db.session.get(Party, party_id)
    if party is None or not access.can_see_party(current_user, party):
        abort(404)
    return party


@bp.get("/parties/<int:party_id>")
def party(party_id):
    found = _overview(party_id)
    if found.party.merged_into_id is not None:
        survivor = record.live_party(found.party)
        flash(_("This record was merged into %(name)s.", name=survivor.display_name), "info")
        return redirect(url_for("desk.party", party_id=survivor.id))
    return render_party(found)


def _overview(party_id: int) -> Overview:
    found = party_overview(party_id, current_user)
    if found is None:
        abort(404)
    return found


def render_party(overview: Overview, status: int = 200, **forms_given):
    staff = current_user
    party, cases = overview.party, overview.cases
    channel_labels = {k: str(v) for k, v in forms.channel_labels().items()}
    channel = request.args.get("channel") or None
    if channel not in {c.value for c in Channel}:
        channel = None
    case_id = request.args.get("case", type=int)
    page = timeline.timeline_page(
        party,
        staff,
        channel=channel,
        case_id=case_id,
        cursor=request.args.get("before"),
        hidden_confidential=overview.hidden_confidential,
    )
    open_cases = overview.open_cases
    context = {
        "party": party,
        "page": page,
        "channel": channel,
        "case_id": case_id,
        "cases": cases,
        "open_cases": open_cases,
        "tasks": overview.tasks,
        "representations": overview.representations,
        "suggestions": overview.suggestions,
        "merges": overview.merges,
        # what each channel knows about the party (upcoming appointments, open tickets, ...)
        "panels": party_panels(party, staff, party_ids=[party.id, *overview.absorbed_ids]),
        # built once here, not per timeline row: links to a case's contacts, and the clock
        "case_urls": {c.id: url_for("desk.party", party_id=party.id, case=c.id) for c in cases},
        "clock": desk_clock(),
        "channel_labels": channel_labels,
        "on_behalf_label": _("on behalf of the citizen by"),
        "case_label": _("case"),
        "outcome_label": _("Outcome"),
        # codes in the reader's language: "Served", "Afspraak ABC-123" (desk.labels,
        # desk.interaction_texts)
        "subject_text": interaction_texts.interaction_subject,
        "summary_text": interaction_texts.interaction_summary,
        "outcome_text": labels.interaction_outcome,
        "link_labels": labels.link_labels(page.interactions),
        "direction_labels": {
            "inbound": _("from the citizen"),
            "outbound": _("to the citizen"),
            "internal": _("internal"),
        },
        "status_labels": forms.status_labels(),
        "note_form": forms_given.get("note_form") or _note_form(cases),
        "call_form": forms_given.get("call_form") or _call_form(),
        "status_forms": {
            c.id: forms_given.get("status_forms", {}).get(c.id) or _status_form(c)
            for c in open_cases
        },
    }
    page_html = render_template("desk/party.html", **context)
    # Logged after rendering (its commit would expire what the template reads), before sending.
    purpose = request.args.get("purpose", "contact")
    record.log_access(staff=staff, party_ids=party.id, action="view", purpose=purpose)
    return page_html, status


def _note_form(cases, formdata=None):
    form = forms.NoteForm(formdata, prefix="note")
    form.case.choices = [("", _("No case"))] + [
        (str(c.id), c.subject) for c in cases if c.status != CaseStatus.CLOSED
    ]
    return form


def _call_form(formdata=None):
    form = forms.CallForm(formdata, prefix="call")
    form.outcome.choices = [(code, labels.OUTCOMES[code]) for code in labels.CALL_OUTCOMES]
    return form


def _departments():
    """Once per request: three forms on the party page offer the same list."""
    if "desk_departments" not in g:
        g.desk_departments = list(db.session.scalars(select(Department).order_by(Department.name)))
    return g.desk_departments


def _case_form(formdata=None):
    form = forms.CaseForm(formdata, prefix="case")
    form.department.choices = [(str(d.id), d.name) for d in _departments()]
    if formdata is None and current_user.department_id:
        form.department.data = str(current_user.department_id)
    return form


def _task_form(formdata=None):
    form = forms.TaskForm(formdata, prefix="task")
    form.department.choices = [("", _("No department"))] + [
        (str(d.id), d.name) for d in _departments()
    ]
    # colleagues of the own department: a list of every staff member would not scale
    colleagues = select(Staff).where(Staff.active).order_by(Staff.name)
    if current_user.department_id:
        colleagues = colleagues.where(Staff.department_id == current_user.department_id)
    else:
        colleagues = colleagues.where(Staff.id == current_user.id)
    staff = db.session.scalars(colleagues)
    form.assignee.choices = [("", _("Nobody in particular"))] + [(str(s.id), s.name) for s in staff]
    return form


def _status_form(case: Case, formdata=None):
    form = forms.StatusForm(formdata, prefix=f"status-{case.id}")
    form.status.choices = [
        (status.value, label)
        for status, label in forms.status_labels().items()
        if status != case.status
    ]
    return form


def _ids(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


# --- writing from the party page --------------------------------------------------------------


@bp.post("/parties/<int:party_id>/notes")
def add_note(party_id):
    party = visible_party(party_id)
    form = _note_form(timeline.visible_cases(party, current_user), request.form)
    if form.validate():
        try:
            with unit_of_work():
                record.add_note(
                    party=party, staff=current_user, text=form.text.data, case=_ids(form.case.data)
                )
        except (NotFound, NotAllowed, RecordError) as error:
            form_errors(form, error, "text")
        else:
            flash(_("Note added."), "success")
            return redirect(url_for("desk.party", party_id=party.id))
    return render_party(_overview(party.id), 422, note_form=form)


@bp.post("/parties/<int:party_id>/calls")
def log_call(party_id):
    """A call taken on any phone, logged by hand: one contact on the timeline."""
    party = visible_party(party_id)
    form = _call_form(request.form)
    if form.validate():
        try:
            with unit_of_work():
                calls.log_call(
                    party=party,
                    staff=current_user,
                    direction=form.direction.data,
                    started_at=forms.local_to_utc(form.started_at.data),
                    ended_at=forms.local_to_utc(form.ended_at.data),
                    outcome=form.outcome.data,
                    note=form.note.data or "",
                )
        except (NotFound, NotAllowed, RecordError) as error:
            form_errors(form, error, "outcome")
        else:
            flash(_("Call logged."), "success")
            return redirect(url_for("desk.party", party_id=party.id))
    return render_party(_overview(party.id), 422, call_form=form)


def log_view(party_ids, purpose: str = "contact", detail: str | None = None) -> None:
    """A staff read of a party's data, in the access log (one INSERT for several)."""
    asked = request.args.get("purpose")
    purpose = asked if asked in record.PURPOSES else purpose
    record.log_access(
        staff=current_user, party_ids=party_ids, action="view", purpose=purpose, detail=detail
    )


def render_case_form(party: Party, form, status: int = 200):
    log_view(party.id, detail="access.new_case")
    return render_template(
        "desk/party_form.html",
        party=party,
        form=form,
        heading=_("Open a case"),
        submit_label=_("Open case"),
        action=url_for("desk.open_case", party_id=party.id),
        hint=None,
    ), status


@bp.get("/parties/<int:party_id>/cases/new")
def new_case(party_id):
    return render_case_form(visible_party(party_id), _case_form())


@bp.post("/parties/<int:party_id>/cases")
def open_case(party_id):
    party = visible_party(party_id)
    form = _case_form(request.form)
    if form.validate():
        try:
            with unit_of_work():
                case = record.open_case(
                    party=party,
                    subject=form.subject.data,
                    department=_ids(form.department.data) or -1,
                    staff=current_user,
                    owner=current_user,
                    due_date=form.due_date.data,
                    confidential=form.confidential.data,
                    note=form.note.data or "",
                )
        except RecordError as error:
            form_errors(form, error, "subject")
        else:
            flash(_("Case “%(subject)s” opened.", subject=case.subject), "success")
            return redirect(url_for("desk.party", party_id=party.id))
    return render_case_form(party, form, 422)


@bp.post("/cases/<int:case_id>/status")
def change_status(case_id):
    case = db.session.get(Case, case_id)
    if case is None or not access.can_see_case(current_user, case):
        abort(404)
    party = visible_party(case.party_id)
    form = _status_form(case, request.form)
    if form.validate():
        try:
            with unit_of_work():
                record.set_case_status(
                    case=case,
                    status=form.status.data,
                    staff=current_user,
                    note=form.note.data or "",
                )
        except RecordError as error:
            form_errors(form, error, "status")
        else:
            flash(_("Status changed."), "success")
            return redirect(url_for("desk.party", party_id=party.id))
    return render_party(_overview(party.id), 422, status_forms={case.id: form})


def render_task_form(party: Party, form, status: int = 200):
    log_view(party.id, detail="access.new_task")
    return render_template(
        "desk/party_form.html",
        party=party,
        form=form,
        heading=_("Create a task"),
        submit_label=_("Create task"),
        action=url_for("desk.create_task", party_id=party.id),
        hint=_("Choose a department, a person, or both."),
    ), status


@bp.get("/parties/<int:party_id>/tasks/new")
def new_task(party_id):
    return render_task_form(visible_party(party_id), _task_form())


@bp.post("/parties/<int:party_id>/tasks")
def create_task(party_id):
    party = visible_party(party_id)
    form = _task_form(request.form)
    if form.validate():
        department = form.department.data or None
        try:
            with unit_of_work():
                record.create_task(
                    party=party,
                    title=form.title.data,
                    staff=current_user,
                    kind=form.kind.data,
                    department=(_ids(department) or -1) if department else None,
                    assignee=_ids(form.assignee.data),
                    due_at=forms.local_to_utc(form.due_at.data),
                    description=form.description.data or "",
                )
        except RecordError as error:
            form_errors(form, error, "title")
        else:
            flash(_("Task created."), "success")
            return redirect(url_for("desk.party", party_id=party.id))
    return render_task_form(party, form, 422)


@bp.post("/tasks/<int:task_id>/close")
def close_task(task_id):
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    visible_party(task.party_id)
    try:
        with unit_of_work():
            record.close_task(task=task, staff=current_user)
    except (NotFound, NotAllowed):
        abort(404)
    except RecordError as error:
        flash(error.message, "error")
    else:
        flash(_("Task closed."), "success")
    if request.form.get("next") == "start":
        return redirect(url_for("desk.start"))
    return redirect(url_for("desk.party", party_id=task.party_id))


# --- duplicates and merges --------------------------------------------------------------------


@bp.get("/parties/<int:party_id>/merge/<int:other_id>")
def merge_preview(party_id, other_id):
    visible_party(party_id)
    visible_party(other_id)
    survivor, absorbed = merging.older_first(party_id, other_id)
    try:
        with unit_of_work():
            preview = merging.merge_preview(
                survivor=survivor, absorbed=absorbed, staff=current_user
            )
    except NotFound:
        abort(404)
    except RecordError as error:
        flash(error.message, "error")
        return redirect(url_for("desk.party", party_id=party_id))
    log_view([survivor, absorbed], purpose="merge", detail="access.merge_preview")
    return render_template("desk/merge_preview.html", preview=preview, labels=labels)


@bp.post("/parties/<int:party_id>/merge/<int:other_id>")
def merge(party_id, other_id):
    visible_party(party_id)
    visible_party(other_id)
    survivor, absorbed = merging.older_first(party_id, other_id)
    try:
        with unit_of_work():
            merging.merge_parties(survivor=survivor, absorbed=absorbed, staff=current_user)
    except NotFound:
        abort(404)
    except RecordError as error:
        flash(error.message, "error")
        return redirect(url_for("desk.party", party_id=party_id))
    flash(_("Records merged. You can undo this below."), "success")
    return redirect(url_for("desk.party", party_id=survivor))


@bp.post("/merges/<int:merge_id>/undo")
def undo_merge(merge_id):
    found = db.session.get(MergeRecord, merge_id)
    if found is None:
        abort(404)
    survivor_id = found.survivor_id
    visible_party(survivor_id)
    try:
        with unit_of_work():
            merging.undo_merge(merge=found, staff=current_user)
    except (NotFound, NotAllowed):
        abort(404)
    except RecordError as error:
        flash(error.message, "error")
    else:
        flash(_("Merge undone: the two records are separate again."), "success")
    return redirect(url_for("desk.party", party_id=survivor_id))


@bp.post("/suggestions/<int:suggestion_id>/dismiss")
def dismiss_suggestion(suggestion_id):
    from desk.models import DuplicateSuggestion

    suggestion = db.session.get(DuplicateSuggestion, suggestion_id)
    if suggestion is None:
        abort(404)
    # Both parties of the suggestion must be visible to this clerk, whatever the form names;
    # the form only says which of the two pages to go back to.
    pair = (suggestion.party_id, suggestion.candidate_id)
    for member in pair:
        visible_party(member)
    asked = _ids(request.form.get("party"))
    party_id = asked if asked in pair else suggestion.party_id
    try:
        with unit_of_work():
            merging.dismiss_suggestion(suggestion=suggestion, staff=current_user)
    except RecordError as error:
        flash(error.message, "error")
    else:
        flash(_("Suggestion dismissed: these are different people."), "success")
    return redirect(url_for("desk.party", party_id=party_id))


# --- for admins: the access log and the citizen's right of access ------------------------------


def _admin_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("/parties/<int:party_id>/access-log")
def access_log(party_id):
    _admin_only()
    party = visible_party(party_id)
    before = request.args.get("before", type=int)
    query = (
        select(AccessLog)
        .where(AccessLog.party_id == party.id)
        .order_by(AccessLog.id.desc())
        .limit(101)
    )
    if before:
        query = query.where(AccessLog.id < before)
    rows = list(db.session.scalars(query))
    log_view(party.id, purpose="quality", detail="access.access_log")
    return render_template(
        "desk/access_log.html",
        labels=labels,
        party=party,
        rows=rows[:100],
        older=rows[99].id if len(rows) > 100 else None,
    )


@bp.get("/parties/<int:party_id>/export.json")
def export(party_id):
    _admin_only()
    party = visible_party(party_id)
    record.log_access(
        staff=current_user, party_ids=party.id, action="export", purpose="access_request"
    )
    response = jsonify(export_record(party))
    response.headers["Content-Disposition"] = f'attachment; filename="record-{party.id}.json"'
    return response


# Routes of the contact-preferences page live in their own module, on this blueprint.
from desk import contact  # noqa: E402, F401
