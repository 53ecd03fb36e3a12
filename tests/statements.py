"""The SQL a piece of code sends: for tests that prove a path costs no more statements than
it should."""

from sqlalchemy import event

from extensions import db


def statements_during(action) -> tuple[object, list[str]]:
    """What `action()` returned, and every statement it sent on the current app's engine."""
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        return action(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
