"""Writing rows without the ORM's unit of work, for the few paths where it decides throughput.

A booking writes five rows (party, address, appointment, contact moment, outbox message). Added
to the session and flushed, each cost about three times its INSERT in bookkeeping: the unit of
work sorts, diffs and refreshes what the caller already knows. `insert_rows` runs the INSERT
itself and hands back the same ORM objects a query would have loaded, so everything after it
(reading attributes, lazy relationships, later changes) works as usual. Rows written another
way (a data-modifying CTE, counter/tickets.py) join the session the same way: `attach_written`.
"""

import functools

from sqlalchemy import bindparam, event, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import dialect as postgresql_dialect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class

from extensions import db

WRITTEN = "core.rows.written_without_unit_of_work"  # session.info: this transaction's rows


def insert_row(model, **values):
    return insert_rows(model, [values])[0]


def insert_rows(model, rows: list[dict]) -> list:
    """INSERT the rows of `model` now, in the session's transaction (one statement for many),
    and return them as persistent objects with every column loaded. Relationships load on first
    use, or the caller sets them with `set_committed_value`.

    Column defaults are applied here, so each object holds its columns as stored. No ORM events
    run: use it only for models without validators or flush hooks.
    """
    if not rows:
        return []
    table = model.__table__
    complete = [{**_defaults(table), **values} for values in rows]
    if not _numbered_in_order(table, complete):
        return _loaded(model, complete, _execute(_returning_keys(table, ordered=True), complete))
    if db.session.get_bind().dialect.name == "postgresql":
        keys = _execute(*_unnested(table, complete))
    else:
        keys = _execute(_returning_keys(table, ordered=False), complete)
    return _loaded(model, complete, sorted(keys))


def _numbered_in_order(table, rows: list[dict]) -> bool:
    """Many rows of a table keyed by its own counter, none with a key given: the database
    numbers them in the order they are inserted, so one INSERT and its keys sorted answer in
    the order given. SQLAlchemy's ordered RETURNING costs more: on SQLite one INSERT per row;
    on PostgreSQL a statement text as long as the rows, which psycopg converts anew each time
    (it caches only short statements)."""
    key = table.autoincrement_column
    return (
        len(rows) > 1
        and key is not None
        and len(table.primary_key.columns) == 1
        and all(row.get(key.key) is None for row in rows)
    )


def _unnested(table, rows: list[dict], unique: tuple[str, ...] = (), constraint=None) -> tuple:
    """INSERT ... SELECT FROM unnest(one array per column) WITH ORDINALITY ORDER BY ordinality:
    one short statement for any number of rows (prepared once by psycopg and PostgreSQL),
    the rows inserted, and so numbered, in the order given; with `unique` or `constraint`,
    ON CONFLICT DO NOTHING RETURNING the key and the `unique` values. Values are bound as each
    column's type would bind them (enums to their values, times to UTC)."""
    statement, columns = _unnest_statement(table, unique, constraint)
    dialect = db.session.get_bind().dialect
    arrays = {}
    for column in columns:
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[column.key] for row in rows]
        if process:
            values = [process(v) for v in values]
        if len({type(v) for v in values if v is not None}) > 1:  # psycopg wants one per array
            kind = column.type.python_type  # e.g. 0 beside Decimal("0.07") in a NUMERIC
            values = [None if v is None else kind(v) for v in values]
        arrays[column.key] = values
    return statement, arrays


@functools.cache
def _unnest_statement(table, unique: tuple[str, ...], constraint):
    key = table.autoincrement_column
    columns = [c for c in table.columns if c is not key]
    dialect = postgresql_dialect()
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    arrays = ", ".join(f"CAST(:{c.key} AS {c.type.compile(dialect=dialect)}[])" for c in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    skipping = ""
    if constraint:
        skipping = f"ON CONFLICT ON CONSTRAINT {quote(constraint)} DO NOTHING "
    elif unique:
        skipping = f"ON CONFLICT ({', '.join(quote(table.c[u].name) for u in unique)}) DO NOTHING "
    returning = ", ".join(quote(c.name) for c in (key, *(table.c[u] for u in unique)))
    # Built from the table's own metadata, never from input.
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "  # noqa: S608
        f"SELECT {aliases} FROM unnest({arrays}) WITH ORDINALITY AS given({aliases}, n) "
        f"ORDER BY n {skipping}RETURNING {returning}"
    )
    return text(sql), columns


def insert_row_unless_exists(model, unique: tuple[str, ...] = (), *, constraint=None, **values):
    """`insert_row`, or None when a row with the same `unique` columns exists (INSERT ... ON
    CONFLICT DO NOTHING: also when a concurrent transaction is writing it). PostgreSQL can name
    the arbiter instead, `constraint`: an exclusion constraint too. Any other conflict raises."""
    return insert_rows_unless_exist(model, unique, [values], constraint=constraint)[0]


def insert_rows_unless_exist(
    model, unique: tuple[str, ...], rows: list[dict], *, constraint=None
) -> list:
    """`insert_row_unless_exists` for many rows in one statement: for each of `rows` in order,
    its object, or None when a row with its `unique` values existed (or came earlier in
    `rows`, as one call after another would find it).

    RETURNING leaves out the rows the conflict skipped and promises no order, so the answer is
    matched to `rows` by the `unique` values as returned: they must read back equal to the
    values given (strings and numbers do). With a `constraint` and no `unique`, nothing tells
    one row from another: one row only.
    """
    if not rows:
        return []
    if constraint and not unique and len(rows) > 1:
        raise ValueError("many rows under a constraint need `unique` to tell them apart")
    table = model.__table__
    complete = [{**_defaults(table), **values} for values in rows]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql" and _numbered_in_order(table, complete):
        returned = _execute(*_unnested(table, complete, tuple(unique), constraint))
    else:
        statement = _returning_keys_unless(table, dialect, tuple(unique), constraint)
        returned = _execute(statement, complete)
    width = len(table.primary_key.columns)
    written = {tuple(row[width:]): row[:width] for row in returned}
    answer = []
    for values in complete:
        key = written.pop(tuple(values[name] for name in unique), None)
        answer.append(None if key is None else _loaded(model, [values], [key])[0])
    return answer


def insert_row_with_links(model, *, constraint: str, links, link_ids, **values):
    """`insert_row_unless_exists(model, constraint=...)` and, only when the row is written, the
    rows of the link table `links` (its first column: this row's key; its second: each of
    `link_ids`), in one statement: PostgreSQL only (a data-modifying CTE). None when refused.

    A row with its links is one round trip instead of two, on the path that decides booking
    throughput. At least one link: the links' RETURNING is how a written row is told from a
    refused one."""
    if not link_ids:
        raise ValueError("insert_row_with_links needs at least one link")
    complete = {**_defaults(model.__table__), **values}
    keys = _execute(
        _insert_with_links(model.__table__, links, constraint),
        [{**complete, LINK_IDS: list(link_ids)}],
    )
    return _loaded(model, [complete], keys[:1])[0] if keys else None


def _execute(statement, rows: list[dict]) -> list:
    db.session.flush()  # the caller's pending rows first: these may refer to them
    return db.session.connection().execute(statement, rows).all()


def _loaded(model, rows: list[dict], keys: list) -> list:
    """Objects built as a query builds loaded rows: without the constructor and its attribute
    events (a quarter of the cost), every column in the object's dict."""
    names = model.__table__.primary_key.columns.keys()
    manager = manager_of_class(model)
    loaded = []
    for values, key in zip(rows, keys, strict=True):
        instance = manager.new_instance()
        instance.__dict__.update(values, **dict(zip(names, key, strict=True)))
        loaded.append(attach_written(instance))
    return loaded


def attach_written(instance):
    """Attach an object whose row this transaction has just written (every column set, the key
    from RETURNING) to the session, as if loaded: no flush bookkeeping and no read-back, yet
    lazy loads and later changes work as usual. Should the transaction roll back, the object
    leaves the session again, as a flushed new object would: its row never existed, and SQLite
    gives its id to the next insert (a retry)."""
    make_transient_to_detached(instance)
    session = db.session()
    session.add(instance)
    session.info.setdefault(WRITTEN, []).append(instance)
    return instance


@event.listens_for(Session, "after_commit")
def _keep_written(session):
    session.info.pop(WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_written(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        for instance in session.info.pop(WRITTEN, []):
            if instance in session:
                session.expunge(instance)


@functools.cache
def _returning_keys(table, ordered: bool):
    return insert(table).returning(*table.primary_key.columns, sort_by_parameter_order=ordered)


@functools.cache
def _returning_keys_unless(table, dialect: str, unique: tuple[str, ...], constraint):
    if dialect == "postgresql":
        statement = postgresql_insert(table)
        if constraint:
            skipping = statement.on_conflict_do_nothing(constraint=constraint)
        else:
            skipping = statement.on_conflict_do_nothing(index_elements=list(unique))
    elif constraint:
        raise ValueError("only PostgreSQL names a constraint as the arbiter")
    else:
        skipping = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(unique))
    # The `unique` values after the key: which of the rows given each returned row is.
    return skipping.returning(*table.primary_key.columns, *(table.c[name] for name in unique))


LINK_IDS = "core_rows_link_ids"  # a bind name no table uses as a column


@functools.cache
def _insert_with_links(table, links, constraint: str):
    """WITH written AS (INSERT ... ON CONFLICT ON CONSTRAINT ... DO NOTHING RETURNING key)
    INSERT INTO links SELECT written.key, unnest(ids) FROM written RETURNING links' own column:
    a refused row writes no links and returns nothing."""
    (key,) = table.primary_key.columns
    own, other = links.columns
    columns = {c.key: bindparam(c.key, type_=c.type) for c in table.columns if c is not key}
    written = (
        postgresql_insert(table)
        .values(columns)
        .on_conflict_do_nothing(constraint=constraint)
        .returning(key)
        .cte("written")
    )
    ids = func.unnest(bindparam(LINK_IDS, type_=ARRAY(other.type)))  # a row per id
    return (
        insert(links)
        .from_select([own, other], select(written.c[key.name], ids))
        .returning(own)
        .add_cte(written)
    )


def _defaults(table) -> dict:
    values = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        else:  # callables are wrapped by SQLAlchemy to take the execution context
            values[column.key] = default.arg(None) if default.is_callable else default.arg
    return values
