"""Who may see what in the case record: the rules every read and write path shares.

Confidential cases (and the contact moments filed under them) belong to the owning department
and admins. A party with the secrecy flag (geheimhouding) is visible to admins and to departments
that hold a case of theirs. What a staff member may not see does not exist for them: views answer
404, never 403, so a party id reveals nothing.
"""

from sqlalchemy import exists, false, or_, select

from desk.models import Case, Interaction, Party, Staff
from extensions import db


def sees_everything(staff: Staff | None) -> bool:
    return staff is not None and staff.is_admin


def can_see_case(staff: Staff | None, case: Case) -> bool:
    """Without a staff member (a citizen channel writing) there is nobody to hide it from."""
    if staff is None or sees_everything(staff) or not case.confidential:
        return True
    return staff.department_id is not None and case.department_id == staff.department_id


def can_see_party(staff: Staff, party: Party) -> bool:
    if sees_everything(staff) or not party.secret:
        return True
    if staff.department_id is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(Case.party_id == party.id, Case.department_id == staff.department_id)
            )
        )
    )


def visible_party_clause(staff: Staff):
    """A WHERE clause over Party: can_see_party as SQL, so a page loads and checks in one go.
    No staff member (a feed read through a link, by no one signed in): no secret party."""
    if sees_everything(staff):
        return Party.id.isnot(None)
    if staff is None or staff.department_id is None:
        return Party.secret.is_(False)
    holds_a_case = exists().where(
        Case.party_id == Party.id, Case.department_id == staff.department_id
    )
    return or_(Party.secret.is_(False), holds_a_case)


def visible_case_clause(staff: Staff):
    """A WHERE clause over Case: the cases this staff member may read."""
    if sees_everything(staff):
        return Case.id.isnot(None)
    mine = Case.department_id == staff.department_id if staff.department_id else false()
    return or_(Case.confidential.is_(False), mine)


def visible_interaction_clause(staff: Staff):
    """A WHERE clause over Interaction outer-joined to Case: what shows on the timeline."""
    if sees_everything(staff):
        return Interaction.id.isnot(None)
    return or_(Interaction.case_id.is_(None), visible_case_clause(staff))


def hidden_confidential_exists(staff: Staff, party_id: int) -> bool:
    """Whether the party page must say "something confidential exists here"."""
    if sees_everything(staff):
        return False
    mine = Case.department_id == staff.department_id if staff.department_id else false()
    return bool(
        db.session.scalar(
            select(exists().where(Case.party_id == party_id, Case.confidential.is_(True), ~mine))
        )
    )


def visible_live_ids(staff: Staff | None, party_ids) -> dict[int, int | None]:
    """For each party id a list shows (a day's appointments, the sent messages): the id of the
    live party it stands for (merges followed) when this staff member may see that party, else
    None. A list of citizens applies the party page's rule with it, row by row: a secret party
    shows as "hidden", never by name, number or reference. Two queries for the whole list."""
    given = {int(i) for i in party_ids if i is not None}
    if not given:
        return {}
    live: dict[int, int] = {}
    for party in db.session.scalars(select(Party).where(Party.id.in_(given))):
        survivor, seen = party, set()
        while survivor.merged_into_id is not None and survivor.id not in seen:
            seen.add(survivor.id)
            survivor = db.session.get(Party, survivor.merged_into_id)
        live[party.id] = survivor.id
    visible = set(
        db.session.scalars(
            select(Party.id).where(Party.id.in_(set(live.values())), visible_party_clause(staff))
        )
    )
    return {i: (live[i] if live.get(i) in visible else None) for i in given}
