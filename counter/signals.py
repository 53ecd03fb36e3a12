"""Signals the counter sends; higher packages connect to them (DESIGN's dependency rule).

`turn_near` is sent inside the transaction that moved the queue, before its commit, with
`ticket_id`, `phone` (E.164), `code`, `language` and `location_id`. The SMS package connects to
it and adds an outbox row (idempotency key `turn_near:<ticket_id>`) to the same session: the
commit that moves the queue also queues the SMS, and a rollback drops both.
"""

from blinker import Namespace

signals = Namespace()
turn_near = signals.signal("counter.turn_near")
