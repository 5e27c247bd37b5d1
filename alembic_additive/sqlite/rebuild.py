"""SQLite's own procedure for the table changes ALTER TABLE cannot make.

https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema Changes"),
step by step, because each shortcut loses something:

1. ``PRAGMA foreign_keys`` is remembered and turned off *outside* any transaction (inside one
   it is silently ignored, and ``DROP TABLE`` of a parent then runs ``ON DELETE CASCADE`` on
   every child row). Alembic runs SQLite without transactional DDL; a migration's earlier
   DML may still have opened one, which is committed first (SQLite would have committed the
   earlier DDL of the migration anyway) - only when foreign keys are on.
2. Everything else happens inside one savepoint, so a failure at any step leaves the
   original table, its indexes and triggers exactly as they were and no temporary table.
3. The new definition is the stored ``CREATE TABLE`` text edited at the changed column
   (:mod:`.ddl`): collations, CHECKs, ``AUTOINCREMENT``, the rowid alias ``INTEGER PRIMARY
   KEY`` all survive; indexes (expression and partial ones too) and triggers are recreated
   from the SQL ``sqlite_master`` stored; views are never dropped.
4. ``INSERT INTO new SELECT`` copies the rows without CAST, keeping the rowid. If a changed
   column's affinity differs, the copy is compared with the original and refused when
   SQLite converted any value.
5. The rename runs with ``legacy_alter_table=ON``: otherwise SQLite re-parses every view and
   trigger of the schema mid-procedure and fails on those that name the dropped table.
6. ``PRAGMA foreign_key_check`` on the table and its children, when foreign keys were on:
   any violation refuses and rolls back. Then commit, then foreign keys back on.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy.types import TypeEngine

from .ddl import CreateTable, DefinitionError, Editor, affinity, tokenize, unquote

log = logging.getLogger(f"alembic.{__name__}")

SAVEPOINT = "alembic_additive_rebuild"
TEMP_PREFIX = "_aa_new_"

UNCHANGED: Any = object()
"""``ColumnChange.server_default`` when the default is not being changed."""


class RebuildRefused(CommandError):
    """The rebuild could not be made without changing data; nothing was changed."""


@dataclasses.dataclass
class ColumnChange:
    name: str
    type_: TypeEngine[Any] | None = None
    nullable: bool | None = None
    server_default: Any = UNCHANGED


@dataclasses.dataclass
class TableChange:
    alter: list[ColumnChange] = dataclasses.field(default_factory=list)
    add: list[sa.Column[Any]] = dataclasses.field(default_factory=list)
    drop: list[str] = dataclasses.field(default_factory=list)
    #: table constraints (their SQL, as SQLAlchemy's compiler writes it) to append
    add_constraints: list[str] = dataclasses.field(default_factory=list)
    #: names of table constraints to remove
    drop_constraints: list[str] = dataclasses.field(default_factory=list)


def needs_rebuild_to_add(column: sa.Column[Any]) -> bool:
    """Columns ``ALTER TABLE ADD COLUMN`` refuses on SQLite: a default that is an expression
    (``CURRENT_TIMESTAMP``, ``func.now()``) or a STORED generated column. Same rule as
    Alembic's batch mode."""
    default = column.server_default
    if isinstance(default, sa.Computed):
        return bool(default.persisted)
    return isinstance(default, sa.DefaultClause) and isinstance(default.arg, sa.ClauseElement)


class _Sql:
    """Statements on the live connection; identifiers quoted by the dialect's preparer."""

    def __init__(self, conn: sa.Connection, schema: str | None) -> None:
        self.conn = conn
        self.q = conn.dialect.identifier_preparer.quote
        self.prefix = f"{self.q(schema)}." if schema else ""

    def run(self, sql: str) -> None:
        self.conn.exec_driver_sql(sql)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        return list(self.conn.execute(sa.text(sql), params).all())

    def scalar(self, sql: str, **params: Any) -> Any:
        return self.conn.execute(sa.text(sql), params).scalar()

    def pragma(self, name: str) -> Any:
        """A connection-wide pragma (foreign_keys, legacy_alter_table): no schema prefix."""
        return self.conn.exec_driver_sql(f"PRAGMA {name}").scalar()

    def table(self, name: str) -> str:
        return self.prefix + self.q(name)


def rebuild_table(conn: sa.Connection, table: str, schema: str | None, change: TableChange) -> bool:
    """Rebuild ``table`` with ``change`` applied; False when the table already looks so."""
    sql = _Sql(conn, schema)
    master = sql.prefix + "sqlite_master"
    row = sql.rows(
        f"SELECT name, sql FROM {master} WHERE type = 'table' AND name = :n COLLATE NOCASE",
        n=table,
    )
    if not row:
        raise RebuildRefused(f"alembic-additive: table {table} does not exist")
    table, stored = str(row[0][0]), str(row[0][1])
    try:
        definition = CreateTable(stored)
        new_sql = _edited(definition, change, conn.dialect, table)
    except DefinitionError as exc:
        raise RebuildRefused(f"alembic-additive: cannot rebuild {table}: {exc}") from None
    if new_sql is None:
        log.info("Table %s already has the requested definition; no rebuild", table)
        return False
    _procedure(sql, table, definition, new_sql, change)
    return True


def _edited(
    definition: CreateTable, change: TableChange, dialect: sa.Dialect, table: str
) -> str | None:
    """The new CREATE TABLE text (for the table's own name), or None if nothing changes."""
    editor = Editor(definition)
    existing = {c.lower() for c in definition.columns()}
    for c in change.alter:
        part = definition.column(c.name)
        if c.type_ is not None:
            new_type = c.type_.compile(dialect=dialect)
            old_type = definition.type_text(part)
            if definition.is_rowid_alias(c.name):
                if affinity(new_type) != "INTEGER":
                    raise DefinitionError(
                        f"{c.name} is the table's rowid (INTEGER PRIMARY KEY); it stays INTEGER"
                    )
                log.info("%s.%s stays INTEGER PRIMARY KEY (the rowid alias)", table, c.name)
            elif new_type.upper() != old_type.upper():
                editor.set_type(c.name, new_type)
        if c.nullable is not None:
            editor.set_nullable(c.name, c.nullable)
        if c.server_default is not UNCHANGED:
            editor.set_default(c.name, default_sql(dialect, c))
    for column in change.add:
        if column.name.lower() not in existing:
            editor.add_column(column_sql(dialect, table, column))
    for name in change.drop:
        if name.lower() in existing:
            editor.drop_column(name)
    for constraint in change.add_constraints:
        editor.add_constraint(constraint)
    for name in change.drop_constraints:
        editor.drop_constraint(name)
    new_sql = editor.result()
    return None if new_sql == definition.sql else new_sql


def default_sql(dialect: sa.Dialect, change: ColumnChange) -> str | None:
    """``DEFAULT ...`` as SQLAlchemy's SQLite compiler writes it, or None for no default."""
    value = change.server_default
    if value is None or value is False:
        return None
    if not isinstance(value, sa.DefaultClause):
        value = sa.DefaultClause(value)
    # the type does not change how a default is written; it only has to compile
    column: sa.Column[Any] = sa.Column(change.name, change.type_ or sa.Text(), server_default=value)
    sa.Table("t", sa.MetaData(), column)
    spec = str(sa.schema.CreateColumn(column).compile(dialect=dialect))
    marker = " DEFAULT "
    return spec[spec.index(marker) + 1 :] if marker in spec else None


def constraint_sql(dialect: sa.Dialect, constraint: sa.Constraint) -> str:
    """A table constraint as SQLAlchemy's SQLite compiler writes it inside CREATE TABLE."""
    compiler = dialect.ddl_compiler(dialect, sa.DDL(""))  # type: ignore[no-untyped-call]
    return str(compiler.process(constraint))


def add_constraint(operations: Any, op: Any, table: str, schema: str | None) -> None:
    """Add a foreign key, unique or check constraint (an Alembic ``AddConstraintOp``) through
    the rebuild: Alembic's batch copy would drop the table with foreign keys still on."""
    constraint = op.to_constraint(operations.migration_context)
    conn = operations.get_bind()
    sql = constraint_sql(conn.dialect, constraint)
    rebuild_table(conn, table, schema, TableChange(add_constraints=[sql]))


def drop_constraint(operations: Any, name: str, table: str, schema: str | None) -> None:
    """Drop a named table constraint through the rebuild (same reason as adding one)."""
    rebuild_table(operations.get_bind(), table, schema, TableChange(drop_constraints=[name]))


def column_sql(dialect: sa.Dialect, table: str, column: sa.Column[Any]) -> str:
    """The column definition SQLAlchemy would put in CREATE TABLE for ``column``."""
    copy = column._copy()
    sa.Table(table, sa.MetaData(), copy)
    return str(sa.schema.CreateColumn(copy).compile(dialect=dialect))


def _procedure(
    sql: _Sql, table: str, definition: CreateTable, new_sql: str, change: TableChange
) -> None:
    fk_on = bool(sql.pragma("foreign_keys"))
    if fk_on:
        _foreign_keys_off(sql)
    try:
        sql.run(f"SAVEPOINT {SAVEPOINT}")
        try:
            _steps(sql, table, definition, new_sql, change, fk_on)
        except BaseException:
            try:
                sql.run(f"ROLLBACK TO {SAVEPOINT}")
                sql.run(f"RELEASE {SAVEPOINT}")
            except sa.exc.DBAPIError:  # SQLite already rolled the whole transaction back
                log.debug("savepoint already gone after the failure")
            raise
        sql.run(f"RELEASE {SAVEPOINT}")
    finally:
        if fk_on:
            sql.run("PRAGMA foreign_keys=ON")


def _foreign_keys_off(sql: _Sql) -> None:
    sql.run("PRAGMA foreign_keys=OFF")
    if not sql.pragma("foreign_keys"):
        return
    # inside a transaction the pragma is a no-op: earlier statements of this migration
    # opened one; commit them, as SQLite does for the migration's DDL anyway
    log.info("Committing the statements before the rebuild, to turn foreign keys off")
    sql.run("COMMIT")
    sql.run("PRAGMA foreign_keys=OFF")
    if sql.pragma("foreign_keys"):
        raise RebuildRefused("alembic-additive: could not turn foreign keys off for a rebuild")


def _steps(
    sql: _Sql,
    table: str,
    definition: CreateTable,
    new_sql: str,
    change: TableChange,
    fk_on: bool,
) -> None:
    master = sql.prefix + "sqlite_master"
    objects = sql.rows(
        f"SELECT type, name, sql FROM {master} WHERE tbl_name = :t COLLATE NOCASE "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
        t=table,
    )
    objects = _without_dropped(table, objects, change.drop)
    temp = TEMP_PREFIX + table
    if sql.scalar(f"SELECT count(*) FROM {master} WHERE name = :n COLLATE NOCASE", n=temp):
        raise RebuildRefused(f"alembic-additive: cannot rebuild {table}: {temp} exists")

    info = sql.conn.exec_driver_sql(f"PRAGMA {sql.prefix}table_xinfo({sql.q(table)})").all()
    dropped = {d.lower() for d in change.drop}
    # hidden 0: ordinary column; 2/3: generated (computed again on insert); 1: virtual table
    copied = [str(r[1]) for r in info if r[6] == 0 and str(r[1]).lower() not in dropped]
    cols = ", ".join(sql.q(c) for c in copied)
    rowid = _rowid_name(definition, [str(r[1]) for r in info])
    keep_rowid = f"{rowid}, " if rowid else ""
    seq = _sequence(sql, table)

    new_definition = CreateTable(new_sql)
    sql.run(new_definition.renamed(sql.q(temp)))
    sql.run(
        f"INSERT INTO {sql.table(temp)} ({keep_rowid}{cols}) "
        f"SELECT {keep_rowid}{cols} FROM {sql.table(table)}"
    )
    _refuse_converted_values(sql, table, temp, definition, new_definition, change)
    sql.run(f"DROP TABLE {sql.table(table)}")
    legacy = sql.pragma("legacy_alter_table")
    sql.run("PRAGMA legacy_alter_table=ON")
    try:
        sql.run(f"ALTER TABLE {sql.table(temp)} RENAME TO {sql.q(table)}")
    finally:
        sql.run(f"PRAGMA legacy_alter_table={'ON' if legacy else 'OFF'}")
    if seq is not None:
        sql.conn.execute(
            sa.text(f"UPDATE {sql.prefix}sqlite_sequence SET seq = :s WHERE name = :n"),
            {"s": seq, "n": table},
        )
    for kind, name, create in objects:
        log.debug("Recreating %s %s", kind, name)
        sql.run(str(create))
    for (view,) in sql.rows(f"SELECT name FROM {master} WHERE type = 'view'"):
        sql.run(f"SELECT * FROM {sql.table(str(view))} LIMIT 0")  # still valid?
    if fk_on:
        _refuse_foreign_key_violations(sql, table)
    log.info("Rebuilt table %s (SQLite's 12-step procedure)", table)


def _without_dropped(table: str, objects: list[Any], dropped: list[str]) -> list[Any]:
    """Indexes on a dropped column go with it (as with Alembic's batch drop); a trigger that
    names it would fail on its next use, so the rebuild refuses instead."""
    if not dropped:
        return objects
    names = {d.lower() for d in dropped}
    kept = []
    for kind, name, create in objects:
        words = {unquote(t).lower() for t in tokenize(str(create)) if t.kind in ("word", "ident")}
        if not words & names:
            kept.append((kind, name, create))
        elif kind == "index":
            log.warning("Index %s on %s goes with the dropped column", name, table)
        else:
            raise RebuildRefused(
                f"alembic-additive: refusing to drop {', '.join(sorted(dropped))} from {table}: "
                f"trigger {name} uses it; drop or change the trigger first"
            )
    return kept


def _rowid_name(definition: CreateTable, columns: list[str]) -> str | None:
    """The name to copy the rowid by, when the table has one that no column aliases."""
    if definition.without_rowid():
        return None
    if any(definition.is_rowid_alias(c) for c in definition.columns()):
        return None  # the alias column is copied with the others
    taken = {c.lower() for c in columns}
    return next((n for n in ("rowid", "_rowid_", "oid") if n not in taken), None)


def _sequence(sql: _Sql, table: str) -> int | None:
    """AUTOINCREMENT's high-water mark: DROP TABLE forgets it, and ids of deleted rows must
    never come back."""
    master = sql.prefix + "sqlite_master"
    if not sql.scalar(f"SELECT count(*) FROM {master} WHERE name = 'sqlite_sequence'"):
        return None
    value = sql.scalar(f"SELECT seq FROM {sql.prefix}sqlite_sequence WHERE name = :n", n=table)
    return None if value is None else int(value)


def _refuse_converted_values(
    sql: _Sql,
    table: str,
    temp: str,
    definition: CreateTable,
    new_definition: CreateTable,
    change: TableChange,
) -> None:
    """A type change across affinities makes SQLite convert values on insert ('1' → 1):
    count the values the copy changed (storage class or value) and refuse if any."""
    for c in change.alter:
        if c.type_ is None:
            continue
        old = affinity(definition.type_text(definition.column(c.name)))
        new = affinity(new_definition.type_text(new_definition.column(c.name)))
        if old == new:
            continue
        col = sql.q(c.name)
        changed = sql.scalar(
            f"SELECT count(*) FROM (SELECT {col}, typeof({col}) FROM {sql.table(table)} "
            f"EXCEPT SELECT {col}, typeof({col}) FROM {sql.table(temp)})"
        )
        if changed:
            raise RebuildRefused(
                f"alembic-additive: refusing to rebuild {table}: changing {c.name} from "
                f"{old} to {new} affinity would convert {changed} distinct value(s); "
                "nothing was changed"
            )


def _refuse_foreign_key_violations(sql: _Sql, table: str) -> None:
    master = sql.prefix + "sqlite_master"
    tables = [str(r[0]) for r in sql.rows(f"SELECT name FROM {master} WHERE type = 'table'")]
    checked = [table]
    for other in tables:
        fks = sql.conn.exec_driver_sql(f"PRAGMA {sql.prefix}foreign_key_list({sql.q(other)})").all()
        if other.lower() != table.lower() and any(
            str(fk[2]).lower() == table.lower() for fk in fks
        ):
            checked.append(other)
    violations = 0
    for name in checked:
        violations += len(
            sql.conn.exec_driver_sql(f"PRAGMA {sql.prefix}foreign_key_check({sql.q(name)})").all()
        )
    if violations:
        raise RebuildRefused(
            f"alembic-additive: refusing to rebuild {table}: PRAGMA foreign_key_check reports "
            f"{violations} violation(s) in {', '.join(checked)}; nothing was changed"
        )
