"""Signals the desk declares, for the channels above it to connect to.

The desk is the floor and imports no channel. The record announces its changes after the commit
(`interaction_recorded`, `case_status_changed`, `parties_merged`): an SMS package that tells a
citizen about a new case status connects to `case_status_changed` instead of being called.
Receivers of those get ids, not objects, and run after the commit, so nothing is announced that
was rolled back.

`party_panels` goes the other way: it asks. Every screen that shows a party sends it while it
renders, and each channel answers with what it knows about that party (desk.panels).
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Flask app; kwargs: party_id, interaction_id
interaction_recorded = _signals.signal("interaction-recorded")
# sender: the Flask app; kwargs: party_id, case_id, from_status, to_status
case_status_changed = _signals.signal("case-status-changed")
# sender: the Flask app; kwargs: survivor_id, absorbed_id, merge_id, undone (bool)
parties_merged = _signals.signal("parties-merged")
# sender: the Flask app; kwargs: party (the live Party), party_ids (its id first, then every
# party merged into it: channels keep the ids they were given), staff (who looks).
# Each receiver returns a desk.panels.Panel, or None to show nothing. Send it through
# desk.panels.party_panels, which collects and orders the answers.
party_panels = _signals.signal("party-panels")
