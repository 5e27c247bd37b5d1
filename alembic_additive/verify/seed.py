"""Give empty tables synthetic rows, so that a revision's DELETE on them is still seen.

A CI database built from the migrations has empty tables, and ``DELETE FROM t`` on an empty
table loses nothing *there* — but it would on production. With ``--seed-rows N`` every empty
table gets N rows before each revision, built from the reflected table:

* tables are filled in dependency order (``MetaData.sorted_tables``), so a foreign key
  column can reference a row that exists (read from the referenced table, never shown);
* integer primary keys that the database numbers itself (serial, identity, AUTO_INCREMENT),
  computed columns and columns with a server default are left to the database, unless a
  unique constraint needs distinct values;
* every other value is derived from the row number ``i`` (``"7"``, ``2000-01-08``,
  ``UUID(int=7)``...), so unique constraints hold, and fits the declared length, precision
  or enum. Text is the row number in digits: it is also valid JSON, which MariaDB's JSON
  columns (LONGTEXT with a ``json_valid`` CHECK) require;
* simple CHECK constraints are read (:mod:`.seed_checks`): ``IN`` lists (a non-native
  enum's constraint), comparisons, ``BETWEEN``, ``json_valid``; the values come from them;
* a nullable column whose type has no synthetic value is NULL; a table that still cannot be
  filled (a NOT NULL column of an unknown type, a CHECK constraint that is not understood, a
  foreign key to an empty table) is skipped with a one-line note, and the run goes on.

Nothing in the database says that a VARCHAR is an enum without a CHECK, or that a later
revision will parse a text column as JSON: a seeded value can still break a revision that a
plain upgrade (on empty tables) passes. The runner then takes the seeded rows out again
(:func:`remove_seeded`, by the primary keys recorded in :class:`SeededRows`) and runs that
revision again without seeding, with a note.

The rows are written on the verify connection: with ``--rollback`` they disappear with
everything else; without it they stay in the scratch database, like the revisions' effects.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from ..findings import TableRef
from . import seed_checks
from .snapshot import Snapshot, TableState, count_table

Generator = Callable[[int], Any]

_INT_LIMITS = {
    "TINYINT": 127,
    "SMALLINT": 32_767,
    "MEDIUMINT": 8_388_607,
    "INTEGER": 2_147_483_647,
    "INT": 2_147_483_647,
}
_BASE = dt.datetime(2000, 1, 1)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class CannotSeed(Exception):
    """Why one table cannot be filled; becomes the one-line note."""


@dataclass
class SeededRows:
    """Which rows the seeder wrote (by primary key), in the order the tables were filled,
    so they can be taken out again when a revision fails because of them."""

    tables: list[tuple[TableRef, list[str], list[tuple[Any, ...]]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tables)


def remove_seeded(connection: sa.Connection, seeded: SeededRows) -> None:
    """Delete the seeded rows that still exist, children first; what fails stays."""
    for ref, pk, keys in reversed(seeded.tables):
        table = sa.table(ref.name, *(sa.column(c) for c in pk), schema=ref.schema)
        savepoint = connection.begin_nested() if connection.dialect.name == "postgresql" else None
        try:
            for key in keys:
                connection.execute(
                    sa.delete(table).where(
                        sa.and_(*(table.c[c] == v for c, v in zip(pk, key, strict=True)))
                    )
                )
        except sa_exc.DBAPIError:
            if savepoint is not None:
                savepoint.rollback()
            continue
        if savepoint is not None:
            savepoint.commit()
    seeded.tables.clear()


def seed_empty_tables(
    connection: sa.Connection,
    snapshot: Snapshot,
    rows: int,
    note: Callable[[str], None],
    seeded: SeededRows | None = None,
) -> Snapshot:
    """Fill every empty table of ``snapshot`` with ``rows`` rows; return it recounted.

    ``seeded`` records the keys of the rows written (the table was empty: every row is ours).
    """
    empty = {ref for ref, state in snapshot.tables.items() if state.rows == 0}
    if rows <= 0 or not empty:
        return snapshot
    metadata = _reflect(connection, empty)
    changed: dict[TableRef, TableState] = {}
    for table in _in_dependency_order(metadata):
        ref = TableRef(table.schema, table.name)
        if ref not in empty:
            continue
        try:
            _fill(connection, table, rows)
        except CannotSeed as why:
            note(f"seed: skipped table {ref}: {why}")
            continue
        changed[ref] = count_table(connection, ref, snapshot.tables[ref].non_null)
        pk = [c.name for c in table.primary_key.columns]
        if seeded is not None and pk:
            keys = [tuple(r) for r in connection.execute(sa.select(*table.primary_key.columns))]
            seeded.tables.append((ref, pk, keys))
    return snapshot.replace(changed)


def _reflect(connection: sa.Connection, refs: set[TableRef]) -> sa.MetaData:
    """The empty tables and, through their foreign keys, the tables they reference."""
    metadata = sa.MetaData()
    by_schema: dict[str | None, list[str]] = {}
    for ref in refs:
        by_schema.setdefault(ref.schema, []).append(ref.name)
    with warnings.catch_warnings():
        # Unknown column types reflect as NullType with a warning; the seeder handles them.
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        for schema, names in by_schema.items():
            metadata.reflect(connection, schema=schema, only=sorted(names), resolve_fks=True)
    return metadata


def _in_dependency_order(metadata: sa.MetaData) -> list[sa.Table]:
    with warnings.catch_warnings():
        # A cycle of foreign keys is reported as a warning; the order is still usable.
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        return list(metadata.sorted_tables)


def _fill(connection: sa.Connection, table: sa.Table, rows: int) -> None:
    """Insert the rows in one statement; a failure becomes :class:`CannotSeed`."""
    data = _rows(connection, table, rows)
    if not data:
        raise CannotSeed("no row can be built")
    savepoint = connection.begin_nested() if connection.dialect.name == "postgresql" else None
    try:
        connection.execute(table.insert(), data)
    except sa_exc.DBAPIError as error:
        # PostgreSQL aborts the transaction on an error: undo to the savepoint. Elsewhere a
        # failed statement is atomic and the transaction goes on.
        if savepoint is not None:
            savepoint.rollback()
        raise CannotSeed(f"insert failed: {_first_line(error.orig)}") from error
    if savepoint is not None:
        savepoint.commit()


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _rows(connection: sa.Connection, table: sa.Table, rows: int) -> list[dict[str, Any]]:
    """The row dictionaries for ``table``: foreign keys first, then one generator per column."""
    unique_sets = _unique_sets(table)
    unique_columns = set().union(*unique_sets) if unique_sets else set()
    count = rows
    references: list[tuple[list[str], list[tuple[Any, ...]]]] = []
    handled: set[str] = set()
    for fk in sorted(table.foreign_key_constraints, key=lambda c: tuple(c.column_keys)):
        local = [element.parent.name for element in fk.elements]
        if handled.intersection(local):
            continue
        handled.update(local)
        targets = [element.column for element in fk.elements]
        found = _referenced_rows(connection, targets, rows)
        if not found:
            if all(table.c[name].nullable for name in local):
                continue  # left out of the row: NULL, or the column's default
            raise CannotSeed(
                f"foreign key ({', '.join(local)}) references "
                f"{targets[0].table.name}, which has no rows"
            )
        if any(unique <= set(local) for unique in unique_sets):
            count = min(count, len(found))  # each row needs its own referenced row
        references.append((local, found))

    checks = [str(c.sqltext) for c in table.constraints if isinstance(c, sa.CheckConstraint)]
    checks += _column_checks(connection, table)
    rules = seed_checks.rules(checks, connection.dialect.name) if checks else {}
    generators: dict[str, Generator] = {}
    for column in table.columns:
        if column.name in handled or _left_to_database(connection, column, unique_columns):
            continue
        rule = rules.get(column.name.lower())
        gen = _checked(column.type, rule) if rule is not None else None
        if gen is None:
            gen = generator_for(column.type)
        if gen is None:
            if column.nullable:
                continue
            raise CannotSeed(
                f"no synthetic value for NOT NULL column {column.name} ({column.type})"
            )
        generators[column.name] = gen

    data: list[dict[str, Any]] = []
    for i in range(1, count + 1):
        row = {name: gen(i) for name, gen in generators.items()}
        for local, found in references:
            row.update(zip(local, found[(i - 1) % len(found)], strict=True))
        data.append(row)
    return data


def _column_checks(connection: sa.Connection, table: sa.Table) -> list[str]:
    """MariaDB's column-level CHECK constraints (``qty INT CHECK (qty > 5)``, how SQLAlchemy
    writes a ``CheckConstraint`` given to a ``Column``), which SQLAlchemy's reflection does not
    return: read from ``information_schema.CHECK_CONSTRAINTS``. Elsewhere none (reflection
    returns them, or MySQL's table has no ``TABLE_NAME`` column: nothing more is read)."""
    if not getattr(connection.dialect, "is_mariadb", False):
        return []
    schema = table.schema or connection.dialect.default_schema_name
    try:
        rows = connection.execute(
            sa.text(
                "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                "WHERE CONSTRAINT_SCHEMA = :schema AND TABLE_NAME = :table AND LEVEL = 'Column'"
            ),
            {"schema": schema, "table": table.name},
        )
        return [str(clause) for (clause,) in rows if clause]
    except sa_exc.DBAPIError:
        return []


def _checked(type_: sa.types.TypeEngine[Any], rule: seed_checks.Rule) -> Generator | None:
    """Values a column's CHECK constraints accept (None: the type's usual values)."""
    if rule.choices:
        return _choices(rule.choices)
    if rule.low is not None or rule.high is not None:
        if isinstance(type_, sa.Integer):
            gen: Generator | None = seed_checks.number_generator(rule, integer=True)
            return gen
        if isinstance(type_, (sa.Numeric, sa.Float)):
            number = seed_checks.number_generator(rule, integer=False)
            return None if number is None else (lambda i: Decimal(str(number(i))))
    if rule.json and isinstance(type_, sa.String):
        length = type_.length
        return lambda i: str(i) if length is None or len(str(i)) <= length else str(i % 10)
    return None


def _unique_sets(table: sa.Table) -> list[set[str]]:
    """Column sets whose values must differ between rows: primary key, unique constraints
    and unique indexes."""
    sets = [{c.name for c in table.primary_key.columns}] if table.primary_key.columns else []
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            sets.append({c.name for c in constraint.columns})
    for index in table.indexes:
        if index.unique:
            sets.append({c.name for c in index.columns})
    return [s for s in sets if s]


def _left_to_database(
    connection: sa.Connection, column: sa.Column[Any], unique_columns: set[str]
) -> bool:
    """Columns the database fills better than we can: generated, numbered or defaulted."""
    if column.computed is not None or column.identity is not None:
        return True
    if connection.dialect.name != "sqlite" and column.autoincrement is True:
        return True  # serial / AUTO_INCREMENT: explicit values would desync the sequence
    return column.server_default is not None and column.name not in unique_columns


def _referenced_rows(
    connection: sa.Connection, targets: Sequence[sa.Column[Any]], rows: int
) -> list[tuple[Any, ...]]:
    """Up to ``rows`` distinct existing key values of the referenced table (never shown)."""
    stmt = (
        sa.select(*targets)
        .where(sa.and_(*(target.is_not(None) for target in targets)))
        .distinct()
        .limit(rows)
    )
    return [tuple(r) for r in connection.execute(stmt)]


def generator_for(type_: sa.types.TypeEngine[Any]) -> Generator | None:
    """A function from the row number to a value of ``type_``, distinct per row where the
    type allows; None when there is no sensible synthetic value."""
    name = type(type_).__name__.upper()
    special = _by_name(name, type_)
    if special is not None:
        return special
    if isinstance(type_, sa.types.NullType):
        return None
    if isinstance(type_, sa.Boolean):
        return lambda i: i % 2 == 1
    if isinstance(type_, sa.Enum):
        return _choices(list(type_.enums))
    if isinstance(type_, sa.Integer):
        limit = _INT_LIMITS.get(name, 2**31 - 1)
        return lambda i: i % limit or limit
    if isinstance(type_, sa.Float):
        return float
    if isinstance(type_, sa.Numeric):
        return _numeric(type_.precision, type_.scale)
    if isinstance(type_, sa.DateTime):
        base = _BASE.replace(tzinfo=dt.timezone.utc) if type_.timezone else _BASE
        return lambda i: base + dt.timedelta(minutes=i)
    if isinstance(type_, sa.Date):
        return lambda i: _BASE.date() + dt.timedelta(days=i)
    if isinstance(type_, sa.Time):
        return lambda i: dt.time(i // 3600 % 24, i // 60 % 60, i % 60)
    if isinstance(type_, sa.Interval):
        return lambda i: dt.timedelta(seconds=i)
    if isinstance(type_, sa.Uuid):
        if type_.as_uuid:
            return lambda i: uuid.UUID(int=i)
        return lambda i: str(uuid.UUID(int=i))
    if isinstance(type_, sa.JSON):
        return lambda i: {"seed": i}
    if isinstance(type_, sa.ARRAY):
        item = generator_for(type_.item_type)
        return None if item is None else (lambda i: [item(i)])
    if isinstance(type_, (sa.LargeBinary, sa.types._Binary)):
        length = type_.length
        return lambda i: _text(i, length).encode()
    if isinstance(type_, sa.String):
        length = type_.length
        return lambda i: _text(i, length)
    return _by_python_type(type_)


def _by_name(name: str, type_: sa.types.TypeEngine[Any]) -> Generator | None:
    """Dialect types SQLAlchemy does not map onto a generic one (and PostgreSQL domains)."""
    if name == "DOMAIN":
        base = getattr(type_, "data_type", None)
        return generator_for(base) if isinstance(base, sa.types.TypeEngine) else None
    if name == "SET":
        return _choices(list(getattr(type_, "values", ())))
    if name in ("INET", "CIDR"):
        suffix = "/32" if name == "CIDR" else ""
        return lambda i: f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}{suffix}"
    if name in ("MACADDR", "MACADDR8"):
        prefix = "02:00:00:00:00" if name == "MACADDR8" else "02:00:00"
        return lambda i: f"{prefix}:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}"
    if name == "TSVECTOR":
        return lambda i: f"seed{i}"  # a lexeme, not a number, so it is not dropped
    if name == "MONEY":
        return lambda i: f"{i}.00"
    if name == "YEAR":
        return lambda i: 1901 + i % 254
    if name == "INTERVAL":
        return lambda i: dt.timedelta(seconds=i)
    return None


def _by_python_type(type_: sa.types.TypeEngine[Any]) -> Generator | None:
    try:
        python = type_.python_type
    except NotImplementedError:
        return None
    if python is int:
        return int
    if python is float:
        return float
    if python is str:
        return lambda i: _text(i, None)
    return None


def _choices(options: list[Any]) -> Generator | None:
    if not options:
        return None
    return lambda i: options[(i - 1) % len(options)]


def _numeric(precision: int | None, scale: int | None) -> Generator:
    """Fits NUMERIC(p, s): at most p digits, s of them after the point."""
    if not precision:
        return Decimal
    modulus = 10**precision
    places = scale or 0
    return lambda i: Decimal(i % modulus).scaleb(-places)


def _text(i: int, length: int | None) -> str:
    """``i`` in digits when it fits the length, else in base 36, cut to the length."""
    text = str(i)
    if length is None or len(text) <= length:
        return text
    digits = ""
    n = i
    while True:
        n, r = divmod(n, 36)
        digits = _DIGITS[r] + digits
        if n == 0:
            break
    return digits[-length:] if length > 0 else ""
