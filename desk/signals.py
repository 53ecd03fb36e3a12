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
# sender: the Flask app; kwargs: reference (as a person typed it). Asks too: a channel that hands
# out references (a booking's "ABC-123") answers with the id of the party it stands for, or
# None, so the desk's search finds a citizen by a reference without importing the channel.
reference_lookup = _signals.signal("reference-lookup")
# sender: the Flask app; kwargs: link_type ("appointment", "ticket"), ids (a tuple). Asks: the
# channel that owns that type answers {id: the name people use} ("ABC-123", "A012"), so the
# timeline reads "Afspraak ABC-123" instead of "appointment 1" (desk.labels.link_labels).
link_names = _signals.signal("link-names")
# sender: the Flask app; kwargs: staff_id. Every session of that staff member has ended
# (signed out, deactivated, password or second factor reset): open connections close.
staff_signed_out = _signals.signal("staff-signed-out")
# sender: the Flask app; no kwargs. Asks: the package that shows the municipality's offices
# answers [(location_id, name)], the places a staff member can work at, for the staff form's
# "home location" (the desk knows the office's table by name only).
staff_locations = _signals.signal("staff-locations")
