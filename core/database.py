"""Database behaviour both engines must share: UTC datetimes and real SQLite transactions."""

import json
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Enum, Text, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns aware UTC datetimes; SQLite would otherwise drop the offset silently."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes (UTC) only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONText(TypeDecorator):
    """JSON kept as text: the same column on SQLite and PostgreSQL, and a plain text array
    when core.rows inserts many rows at once (PostgreSQL's json type has no equality)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def text_enum(enum_class, length: int = 20) -> Enum:
    """A Python enum stored as its string values in a VARCHAR, identical on SQLite and
    PostgreSQL (no native enum type to migrate); a value outside the enum is refused before
    it reaches the database."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class epoch_seconds(FunctionElement):  # noqa: N801  (reads as the SQL function it is)
    """A UTC datetime column as whole seconds since 1970, computed by the database.

    For queries that read thousands of times only to do arithmetic on them (availability):
    the driver hands back plain integers, with no datetime parsing or UTC conversion per value.
    Fractions of a second are dropped; stored times are whole minutes.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element, compiler, **kw):
    # date_part gives a double: cheaper than EXTRACT's numeric over thousands of rows.
    return f"CAST(FLOOR(date_part('epoch', {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC (UTCDateTime), which strftime reads as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def read_only_request() -> None:
    """This request only reads, and no two of its reads need to agree: on PostgreSQL each
    statement runs on its own (autocommit), which spares the BEGIN and ROLLBACK round trips
    that cost a one-day slots answer a sixth of its time. SQLite reads in-process: nothing to
    spare. Call it before the request's first statement."""
    from extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _begin_sqlite), so transactions are real.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    """BEGIN, or BEGIN IMMEDIATE for writers that ask with execution option sqlite_begin."""
    if conn.dialect.name != "sqlite":
        return
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())
