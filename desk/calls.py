"""A call taken on any phone, logged by hand on the party page: one contact moment on the
timeline (channel phone), written through the record like every channel's.

The desk knows no phone system: the phone channel's console logs the calls it carried
itself (phone.wrap_up); this is for the rest (a mobile, a colleague's extension). The outcome
is one of the call outcomes both offer (desk.labels.CALL_OUTCOMES), stored as its code.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from desk import record
from desk.errors import InvalidInput
from desk.interaction_texts import in_default_language, register_texts
from desk.labels import CALL_OUTCOMES
from desk.models import Channel, Party, Staff

CALL_IN = "desk.call_in"
CALL_OUT = "desk.call_out"
register_texts(
    {CALL_IN: _l("Phone call from the citizen"), CALL_OUT: _l("Phone call to the citizen")}
)


def log_call(
    *,
    party: Party,
    staff: Staff,
    direction: str,
    started_at: datetime,
    ended_at: datetime | None,
    outcome: str,
    note: str = "",
):
    if outcome not in CALL_OUTCOMES:
        raise InvalidInput("invalid_outcome", field="outcome")
    if direction not in ("inbound", "outbound"):
        raise InvalidInput("invalid_direction", field="direction")
    code = CALL_IN if direction == "inbound" else CALL_OUT
    return record.record_interaction(
        party=party,
        channel=Channel.PHONE,
        direction=direction,
        subject=in_default_language(code, None),
        subject_code=code,
        summary=note.strip(),
        outcome=outcome,
        staff=staff,
        started_at=started_at,
        ended_at=ended_at,
    )
