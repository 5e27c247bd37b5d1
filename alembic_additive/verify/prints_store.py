"""Where a revision's fingerprints are kept: temporary tables on verify's own connection.

A table's fingerprints (one row per row of the table: its key's hash, each value's hash) can
be as large as the table, and a verdict that sums them per bucket of keys cannot tell a
changed value from a row inserted in the same bucket. Kept in the database, in a temporary
table (``CREATE TEMPORARY TABLE ... AS SELECT``), they cost what one scan writes, nothing in
verify's memory, and the two sides of a revision are compared row by row with joins
(:mod:`.prints`).

Temporary tables are private to the connection, outlive the revision's transaction (and
disappear with a rolled-back one), are not in the schema verify snapshots (PostgreSQL's
``pg_temp`` schemas, SQLite's ``temp`` database, MySQL's hidden temporary tables) and do not
end a transaction on MySQL, where ``CREATE``/``DROP TEMPORARY TABLE`` are the only DDL that
does not commit. They are created with ``CREATE ... AS SELECT`` — not ``INSERT``, which
:mod:`.sqlite_session` takes for the revision's first data change — and each is named by
verify (``alembic_additive_prints_<n>``), quoted by SQLAlchemy, and dropped by :meth:`drop_all`
when the revision has been compared.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import Executable, Select

PREFIX = f"alembic_additive_prints_{secrets.token_hex(4)}_"
"""The names of this process's temporary tables: with a random part, so that no table of the
user's (``alembic_additive_prints_1``, an archive of that prefix) is taken for one of
verify's, skipped by the snapshot or shadowed by a temporary table of the same name."""
_numbers = itertools.count(1)


class TempTables:
    """The temporary tables verify created on one connection (for one revision)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.created: list[sa.TableClause] = []

    def create_as(self, select: Select[Any], joined_on: str | None) -> sa.TableClause:
        """A new temporary table holding ``select``'s rows, with its columns' labels, to be
        joined on its column ``joined_on`` (None: not joined, read whole).

        The join must not be left to a table without statistics or index: MariaDB joins
        two unindexed tables by nested loops (minutes for 50,000 rows each), so the
        column is indexed in the ``CREATE`` itself (``CREATE INDEX`` would commit);
        PostgreSQL, guessing millions of rows, sorts on disk and compiles the query, so
        the column is analyzed (allowed in a transaction). SQLite indexes a join itself."""
        table = sa.table(
            f"{PREFIX}{next(_numbers)}",
            *(sa.column(c.name) for c in select.selected_columns),
            schema=_schema(self.connection),
        )
        self.connection.execute(_CreateTempAs(table, select, joined_on))
        self.created.append(table)
        if self.connection.dialect.name == "postgresql":
            # Readable by whichever role the revision switches to (SET ROLE) before the
            # comparison; the table is the session's own all the same.
            self.connection.execute(_OnTemp("grant", table))
        if self.connection.dialect.name == "postgresql" and joined_on is not None:
            # Statistics of the joined column alone, from a sample of 300 rows: enough for
            # a hash join, at a tenth of a full ANALYZE's cost.
            self.connection.execute(_OnTemp("sample", table, joined_on))
            self.connection.execute(_OnTemp("analyze", table, joined_on))
        return table

    def missing(self) -> set[str]:
        """The names of the tables created that are gone: a transaction or savepoint rolled
        back drops those created in it (PostgreSQL, SQLite; MySQL keeps them)."""
        name = self.connection.dialect.name
        if name == "postgresql":
            query = sa.text("SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()")
        elif name == "sqlite":
            query = sa.text("SELECT name FROM temp.sqlite_master WHERE type = 'table'")
        else:
            return set()
        present = {str(row[0]) for row in self.connection.execute(query)}
        return {t.name for t in self.created if t.name not in present}

    def drop_all(self) -> None:
        while self.created:
            self.connection.execute(_OnTemp("drop", self.created.pop()))


def _schema(connection: sa.Connection) -> str | None:
    """Where the temporary tables are, named: a revision may have changed what an
    unqualified name means (``SET search_path``, MySQL's ``USE``)."""
    name = connection.dialect.name
    if name == "postgresql":
        return "pg_temp"
    if name == "sqlite":
        return "temp"
    return connection.dialect.default_schema_name


class _CreateTempAs(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, table: sa.TableClause, select: Select[Any], indexed: str | None) -> None:
        self.table = table
        self.select = select
        self.indexed = indexed


@compiles(_CreateTempAs)
def _compile_create(element: _CreateTempAs, compiler: Any, **kw: Any) -> str:
    table = element.table
    if compiler.dialect.name == "postgresql":
        # A temporary table takes no schema when created; it is pg_temp's all the same.
        table = sa.table(table.name)
    name = compiler.preparer.format_table(table)
    query = compiler.process(element.select, **kw)
    if compiler.dialect.name in ("mysql", "mariadb") and element.indexed is not None:
        index = compiler.preparer.quote(element.indexed)
        return f"CREATE TEMPORARY TABLE {name} (INDEX ({index})) AS {query}"
    return f"CREATE TEMPORARY TABLE {name} AS {query}"


class _OnTemp(Executable, ClauseElement):
    """One statement on a temporary table (``verb``): ``grant`` (PostgreSQL: SELECT to
    PUBLIC), ``sample`` and ``analyze`` (PostgreSQL: statistics of ``column`` from a small
    sample), ``drop``."""

    inherit_cache = False

    def __init__(self, verb: str, table: sa.TableClause, column: str | None = None) -> None:
        self.verb = verb
        self.table = table
        self.column = column


@compiles(_OnTemp)
def _compile_on_temp(element: _OnTemp, compiler: Any, **kw: Any) -> str:
    table = compiler.preparer.format_table(element.table)
    column = compiler.preparer.quote(element.column or "")
    if element.verb == "grant":
        return f"GRANT SELECT ON {table} TO PUBLIC"
    if element.verb == "sample":
        return f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 1"
    if element.verb == "analyze":
        return f"ANALYZE {table} ({column})"
    if compiler.dialect.name in ("mysql", "mariadb"):
        return f"DROP TEMPORARY TABLE IF EXISTS {table}"  # DROP TABLE would commit
    return f"DROP TABLE IF EXISTS {table}"  # IF EXISTS: gone with a rolled-back savepoint
