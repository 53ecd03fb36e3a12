"""Signals the case record sends after its commit, for the channels above it to react to.

The desk is the floor and imports no channel; an SMS package that tells a citizen about a new
case status connects to `case_status_changed` instead. Receivers get ids, not objects, and run
after the commit, so nothing is announced that was rolled back.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Flask app; kwargs: party_id, interaction_id
interaction_recorded = _signals.signal("interaction-recorded")
# sender: the Flask app; kwargs: party_id, case_id, from_status, to_status
case_status_changed = _signals.signal("case-status-changed")
# sender: the Flask app; kwargs: survivor_id, absorbed_id, merge_id, undone (bool)
parties_merged = _signals.signal("parties-merged")
# sender: the Flask app; kwargs: staff_id. Every session of that staff member has ended
# (signed out, deactivated, password or second factor reset): open connections close.
staff_signed_out = _signals.signal("staff-signed-out")
