"""Runtime helpers shared by the operations: live-schema checks, counts, the force switch."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import AbstractOperations, Operations
from alembic.util import CommandError

from . import _exact

log = logging.getLogger(f"alembic.{__name__}")

FORCE_FLAG = "additive_force"

IMPORT_LINE = "import alembic_additive.operations  # noqa: F401  (registers op.*_if_* operations)"
"""Added to a revision's imports by every renderer here, so the revision runs on its own."""


class RefusedDrop(CommandError):
    """A guarded drop found data it would destroy; nothing was dropped."""


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped.

    Identifiers come from the database and end up in the revision's comments: a column
    named ``"x\nimport os"`` must not turn the rest of its name into code that runs on
    upgrade, nor an escape sequence into a terminal command. Unicode letters stay as they
    are.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def qualified(table: str, schema: str | None, column: str | None = None) -> str:
    name = f"{schema}.{table}" if schema else table
    return f"{name}.{column}" if column else name


def is_forced(operations: AbstractOperations) -> bool:
    """``-x additive_force=1`` on the command line, or ``additive_force=True`` in configure."""
    ctx = operations.migration_context
    if ctx.opts.get(FORCE_FLAG):
        return True
    env = ctx.environment_context
    if env is None:
        return False
    value = env.get_x_argument(as_dictionary=True).get(FORCE_FLAG, "")
    return value.lower() in ("1", "true", "yes", "on")


def offline(operations: AbstractOperations) -> bool:
    return bool(operations.migration_context.as_sql)


OFFLINE_DIALECT_FLAG = "additive_offline_dialect"


def dialect_family(operations: AbstractOperations) -> str:
    """``postgresql``, ``sqlite``, ``mariadb`` or ``mysql`` (the syntax to emit).

    Online, SQLAlchemy knows MariaDB from MySQL by asking the server. Offline (``--sql``)
    there is no server: a ``mariadb://`` URL means MariaDB; for a ``mysql://`` URL,
    ``-x additive_offline_dialect=mariadb`` (or ``context.configure(
    additive_offline_dialect="mariadb")``) selects MariaDB's ``IF [NOT] EXISTS`` clauses,
    and the default is MySQL's syntax, which has none of them (see docs/configuration.md).
    """
    dialect = operations.migration_context.dialect
    if dialect.name in ("mysql", "mariadb"):
        if getattr(dialect, "is_mariadb", False) or dialect.name == "mariadb":
            return "mariadb"
        if offline(operations):
            chosen = offline_dialect(operations)
            if chosen is not None:
                return chosen
            opts = operations.migration_context.opts
            if not opts.get("_additive_offline_said"):
                opts["_additive_offline_said"] = True
                log.warning(
                    "alembic-additive: offline SQL for a mysql:// URL uses MySQL's syntax (no "
                    "IF [NOT] EXISTS, so the script runs once); for MariaDB pass "
                    "-x %s=mariadb or use a mariadb:// URL",
                    OFFLINE_DIALECT_FLAG,
                )
        return "mysql"
    return dialect.name


def offline_dialect(operations: AbstractOperations) -> str | None:
    """``mariadb``/``mysql`` as chosen for offline SQL, or None when not given.

    A value other than these two is bad input: one line, nothing emitted.
    """
    ctx = operations.migration_context
    value = ctx.opts.get(OFFLINE_DIALECT_FLAG)
    env = ctx.environment_context
    if value is None and env is not None:
        value = env.get_x_argument(as_dictionary=True).get(OFFLINE_DIALECT_FLAG)
    if value is None:
        return None
    chosen = str(value).strip().lower()
    if chosen not in ("mariadb", "mysql"):
        raise CommandError(
            f"alembic-additive: {OFFLINE_DIALECT_FLAG} must be 'mariadb' or 'mysql', "
            f"not {printable(str(value))!r}"
        )
    return chosen


def stored_name(operations: AbstractOperations, name: str) -> str:
    """``name`` as the database stores it.

    PostgreSQL silently truncates identifiers to 63 *bytes* (``max_identifier_length``),
    cutting at a character boundary; a lookup for the long name would never find the
    object it created. Other dialects keep (or reject) long names.

    A name made by a naming convention (``op.f()``, a ``conv``) that is too long is
    shortened by SQLAlchemy itself, with a hash (``..._c63b``), on every dialect: looked up
    by the long name or by PostgreSQL's cut, the rerun would create it a second time.
    """
    dialect = operations.migration_context.dialect
    if isinstance(name, sa.sql.elements._truncated_label):
        limit = dialect.max_constraint_name_length or dialect.max_identifier_length
        if limit is not None and len(name) > limit:
            return name[: limit - 8] + "_" + sa.util.md5_hex(name)[-4:]
        return str(name)
    return truncated(name, dialect.name, dialect.max_identifier_length)


def truncated(name: str, dialect_name: str, limit: int) -> str:
    if dialect_name != "postgresql":
        return name
    raw = name.encode("utf-8")
    if len(raw) <= limit:
        return name
    return raw[:limit].decode("utf-8", errors="ignore")


def rendered_name(autogen_context: Any, name: str | None) -> str:
    """A constraint or index name as the revision writes it: ``op.f('...')`` for a name a
    naming convention made (as Alembic writes the upgrade's), so that SQLAlchemy shortens a
    too-long one the same way in the downgrade and :func:`stored_name` finds it."""
    if isinstance(name, sa.sql.elements.conv):
        from alembic.autogenerate.render import _render_gen_name

        return repr(_render_gen_name(autogen_context, name))
    return repr(name)


def same_name(operations: AbstractOperations, live: str | None, wanted: str | None) -> bool:
    if live is None or wanted is None:
        return False
    return live == stored_name(operations, wanted)


def inspector(operations: AbstractOperations) -> sa.Inspector:
    bind = operations.get_bind()
    # a fresh inspector each time: the schema changes between operations of one revision
    return sa.inspect(bind)


def column_exists(
    operations: AbstractOperations, table: str, column: str, schema: str | None
) -> bool:
    insp = inspector(operations)
    if not insp.has_table(table, schema=schema):
        return False
    table = stored_name(operations, table)
    if not insp.has_table(table, schema=schema):
        return False
    return any(
        same_name(operations, c["name"], column) for c in insp.get_columns(table, schema=schema)
    )


def table_exists(operations: AbstractOperations, table: str, schema: str | None) -> bool:
    return bool(inspector(operations).has_table(stored_name(operations, table), schema=schema))


def live_index(
    operations: AbstractOperations, name: str, table: str, schema: str | None
) -> dict[str, Any] | None:
    """The reflected index called ``name`` (as stored) on ``table``, or None."""
    insp = inspector(operations)
    table = stored_name(operations, table)
    if not insp.has_table(table, schema=schema):
        return None
    for ix in insp.get_indexes(table, schema=schema):
        if same_name(operations, ix["name"], name):
            return dict(ix)
    return None


def index_exists(operations: AbstractOperations, name: str, table: str, schema: str | None) -> bool:
    return live_index(operations, name, table, schema) is not None


def count(
    operations: Operations,
    table: str,
    schema: str | None,
    column: str | None,
    unless_equal: _exact.Default | None = None,
    column_type: sa.types.TypeEngine[Any] | None = None,
    filled: str | None = None,
) -> int:
    """Rows in ``table``, or non-null values of ``column`` (other than ``unless_equal``, the
    server default an upgrade filled in, compared exactly in ``column_type``: see
    :mod:`._exact`): one SELECT, identifiers quoted by SQLAlchemy, a literal default passed as
    a bound parameter."""
    if column:
        column = stored_name(operations, column)
    cols: list[Any] = [sa.column(column)] if column else []
    t = sa.table(stored_name(operations, table), *cols, schema=schema)
    stmt = sa.select(sa.func.count(t.c[column]) if column else sa.func.count()).select_from(t)
    if column and unless_equal is not None:
        dialect = operations.migration_context.dialect
        col_type = column_type if column_type is not None else sa.types.NullType()
        stmt = stmt.where(_exact.differs(dialect, t.c[column], col_type, unless_equal, filled))
    value = operations.get_bind().execute(stmt).scalar()
    return int(value or 0)


def count_columns(
    operations: Operations, table: str, schema: str | None, columns: list[str]
) -> dict[str, int]:
    """Non-null values of several columns of one table, in one SELECT."""
    if not columns:
        return {}
    t = sa.table(table, *(sa.column(c) for c in columns), schema=schema)
    stmt = sa.select(*(sa.func.count(t.c[c]) for c in columns)).select_from(t)
    row = operations.get_bind().execute(stmt).one()
    return {c: int(v or 0) for c, v in zip(columns, row, strict=True)}


def literal_default(column: sa.Column[Any]) -> str | None:
    """The server default of ``column`` when it is a plain literal (``'0'``, ``'draft'``).

    Values equal to it were filled in by the upgrade itself, not written by anyone since, so
    the guarded downgrade may discard them. Expressions (``now()``) give None: every value
    then counts as data.
    """
    default = column.server_default
    arg = getattr(default, "arg", None)
    if isinstance(arg, str):
        return arg
    return None
