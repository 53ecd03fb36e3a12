"""Panels that channels add to every screen showing a party: upcoming appointments, open
tickets, and next the recent calls and chats.

The desk is the floor and imports no channel, so it cannot ask the channels' tables what a
citizen has booked or is queueing for. It asks through a signal it declares instead
(`desk.signals.party_panels`, as indico's `signals.menu.items` lets modules add menu items):
each channel connects a receiver in its own package, reads its own tables there and answers
with a `Panel`. A screen that shows a party (the desk's party page; the phone console's screen
pop and the chat console next) calls `party_panels(party, staff)` and renders what comes back,
whichever channels are installed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import current_app, render_template
from markupsafe import Markup, escape

from desk import merging, signals
from desk.models import Party, Staff


@dataclass(frozen=True)
class Panel:
    """One channel's answer about a party.

    `key` names the panel (stable, unique per channel: "appointments"; the screen's heading id
    is built from it), `title` is its heading in the reader's language, `order` places it among
    the others (smaller first). The body is `template` rendered with `context` (a template of the
    channel's own, under templates/<channel>/), or ready `html`; plain text is escaped.
    """

    key: str
    title: str
    template: str | None = None
    context: Mapping = field(default_factory=dict)
    html: str | None = None
    order: int = 100

    def render(self) -> Markup:
        if self.template is not None:
            # Jinja's output, escaped by its autoescaping as every page is.
            return Markup(render_template(self.template, **self.context))  # noqa: S704
        return escape(self.html or "")


def party_panels(
    party: Party, staff: Staff, *, party_ids: Sequence[int] | None = None
) -> list[Panel]:
    """Every channel's panel for this party, in their order. `party_ids` is the party's id and
    those of every party merged into it; looked up when not given (the party page knows them)."""
    if party_ids is None:
        party_ids = [party.id, *merging.absorbed_party_ids(party.id)]
    answers = signals.party_panels.send(
        current_app._get_current_object(), party=party, party_ids=tuple(party_ids), staff=staff
    )
    panels = [panel for _receiver, panel in answers if panel is not None]
    return sorted(panels, key=lambda panel: (panel.order, panel.key))
