"""The vocabulary shared by every stage: operation kinds, findings, measurements, decisions.

Plain dataclasses flow from the comparators (:mod:`alembic_additive.compare`) through the
probe (:mod:`alembic_additive.probe`) and the policy (:mod:`alembic_additive.policy`) to the
renderer (:mod:`alembic_additive.report`) and the rewrite of Alembic's operation tree. No
stage imports another stage; they all import this module. The kebab-case kind names are the
same ids the lint rules and the configuration use, so one word means one thing everywhere.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


class Kind(str, enum.Enum):
    """Every kind of operation the policy has an opinion about (also the lint rule ids)."""

    DROP_TABLE = "drop-table"
    DROP_COLUMN = "drop-column"
    DROP_INDEX = "drop-index"
    DROP_CONSTRAINT = "drop-constraint"
    ALTER_COLUMN_TYPE = "alter-column-type"
    SET_NOT_NULL = "set-not-null"
    ADD_COLUMN = "add-column"
    CREATE_TABLE = "create-table"
    CREATE_INDEX = "create-index"
    RENAME_TABLE = "rename-table"
    RENAME_COLUMN = "rename-column"
    DESTRUCTIVE_SQL = "destructive-sql"


class Action(str, enum.Enum):
    """What the policy does with one operation."""

    KEEP = "keep"
    """Leave Alembic's operation exactly as autogenerate produced it."""
    SUPPRESS = "suppress"
    """Remove the operation from the revision; report it instead."""
    IF_NOT_EXISTS = "if-not-exists"
    """Rewrite an additive operation so that running it twice is harmless."""
    RELAX_NOT_NULL = "relax-not-null"
    """Add a NOT NULL column as nullable (the table has rows and no default can fill them)."""


@dataclass(frozen=True, order=True)
class TableRef:
    """A table as Alembic names it: ``schema`` is None for the default schema."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Key:
    """Identifies one operation in Alembic's tree, so decisions can find it again."""

    kind: Kind
    table: TableRef
    name: str | None = None


@dataclass(frozen=True)
class MisfitCheck:
    """A measurable way in which existing values would not fit a narrower type.

    ``what`` is one of ``"max_length"`` (values longer than ``limit`` characters),
    ``"int_range"`` (values outside ``low``..``limit``) or ``"abs_below"`` (values whose
    absolute value is ``limit`` or more), ``"max_bytes"`` (values longer than ``limit``
    bytes in the column's charset), ``"charset"`` (values the charset named in ``detail``
    cannot represent), ``"padded"`` (CHAR values shorter than ``limit`` characters, read back
    padded) or ``"sqlite_copy"`` (values SQLite's copy would convert; ``detail`` is
    ``cast:AFFINITY`` or ``keep:AFFINITY``). :mod:`alembic_additive.types.measure` turns one
    into SQL.
    """

    what: str
    limit: int
    low: int = 0
    detail: str | None = None


@dataclass(frozen=True)
class OrphanTable:
    """A table in the database that the models do not declare."""

    table: TableRef
    reflected: sa.Table

    @property
    def key(self) -> Key:
        return Key(Kind.DROP_TABLE, self.table)


@dataclass(frozen=True)
class OrphanColumn:
    """A column in the database that the model table does not declare."""

    table: TableRef
    column: sa.Column[Any]

    @property
    def key(self) -> Key:
        return Key(Kind.DROP_COLUMN, self.table, self.column.name)


@dataclass(frozen=True)
class MissingTable:
    """A model table the database does not have yet."""

    table: TableRef

    @property
    def key(self) -> Key:
        return Key(Kind.CREATE_TABLE, self.table)


@dataclass(frozen=True)
class MissingColumn:
    """A model column the database table does not have yet."""

    table: TableRef
    column: sa.Column[Any]

    @property
    def key(self) -> Key:
        return Key(Kind.ADD_COLUMN, self.table, self.column.name)

    @property
    def needs_backfill(self) -> bool:
        """NOT NULL with nothing to fill existing rows: fails on a table that has rows."""
        col = self.column
        return (
            not col.nullable
            and col.server_default is None
            and not col.primary_key
            and col.computed is None
            and col.identity is None
        )


@dataclass(frozen=True)
class MissingIndex:
    """A model index the database does not have yet."""

    table: TableRef
    name: str | None

    @property
    def key(self) -> Key:
        return Key(Kind.CREATE_INDEX, self.table, self.name)


@dataclass(frozen=True)
class OrphanIndex:
    """An index autogenerate would drop (database-only, or replaced by a changed one)."""

    table: TableRef
    name: str | None
    columns: tuple[str, ...]

    @property
    def key(self) -> Key:
        return Key(Kind.DROP_INDEX, self.table, self.name)


@dataclass(frozen=True)
class OrphanConstraint:
    """A foreign key, unique or check constraint autogenerate would drop."""

    table: TableRef
    name: str | None
    constraint_type: str

    @property
    def key(self) -> Key:
        return Key(Kind.DROP_CONSTRAINT, self.table, self.name)


@dataclass(frozen=True)
class TypeChange:
    """A column whose model type differs from the database type."""

    table: TableRef
    column: str
    existing_type: sa.types.TypeEngine[Any]
    new_type: sa.types.TypeEngine[Any]
    widening: bool
    reason: str
    misfit: MisfitCheck | None = None
    measured: bool = False
    """Not provable by rule, but each value can be tested (``misfit``): safe when none fails."""

    @property
    def key(self) -> Key:
        return Key(Kind.ALTER_COLUMN_TYPE, self.table, self.column)


@dataclass(frozen=True)
class NotNullChange:
    """A nullable database column that the model declares NOT NULL."""

    table: TableRef
    column: str

    @property
    def key(self) -> Key:
        return Key(Kind.SET_NOT_NULL, self.table, self.column)


@dataclass(frozen=True)
class OrphanView:
    """A view or materialized view another extension would drop (``alembic_utils``'
    ``drop_entity``). A materialized view holds rows; a view holds its definition.

    Decided like an orphan table: ``allow_drop`` and the ``drop-table`` policy name it too.
    ``code`` is the extension's own definition of the entity, to paste into the models.
    """

    table: TableRef
    materialized: bool
    code: str = ""

    @property
    def key(self) -> Key:
        return Key(Kind.DROP_TABLE, self.table)


@dataclass(frozen=True)
class EnumValueRemoval:
    """Labels an extension would remove from a database enum type (``alembic-postgresql-enum``'
    ``sync_enum_values``): rows still holding one make the change fail or lose them.

    ``table`` names the enum type; ``columns`` are the (table, column, is_array) using it. The
    labels are schema (they are in the models and the revision), never row values.
    """

    table: TableRef
    removed: tuple[str, ...]
    columns: tuple[tuple[TableRef, str, bool], ...]

    @property
    def key(self) -> Key:
        return Key(Kind.ALTER_COLUMN_TYPE, self.table)


TAGGED_KEY = "alembic_additive.key"
"""``MigrateOperation.info`` key: the :class:`Key` a collector gave another extension's
operation, so the rewrite can find the decision for an operation class it does not know."""


Finding = (
    OrphanTable
    | OrphanView
    | EnumValueRemoval
    | OrphanColumn
    | MissingTable
    | MissingColumn
    | MissingIndex
    | OrphanIndex
    | OrphanConstraint
    | TypeChange
    | NotNullChange
)


@dataclass
class Findings:
    """What the comparators saw, in the order autogenerate produced it."""

    items: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.items.append(finding)

    def of(self, cls: type[Any]) -> Iterator[Any]:
        return (f for f in self.items if isinstance(f, cls))

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class TableCounts:
    """What the probe measured on one table. ``None`` means unknown."""

    rows: int | None
    non_null: Mapping[str, int | None] = field(default_factory=dict)
    misfits: Mapping[str, int | None] = field(default_factory=dict)
    uses: Mapping[tuple[str, str], int | None] = field(default_factory=dict)
    """Rows whose (column, enum label) is used, for labels an extension would remove."""
    estimated: bool = False
    timed_out: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Measurements:
    """Counts per table; a table missing here was not measured."""

    tables: Mapping[TableRef, TableCounts] = field(default_factory=dict)
    mode: str = "exact"

    def get(self, table: TableRef) -> TableCounts:
        return self.tables.get(table) or TableCounts(rows=None, error="not measured")

    def rows(self, table: TableRef) -> int | None:
        return self.get(table).rows

    def non_null(self, table: TableRef, column: str) -> int | None:
        return self.get(table).non_null.get(column)

    def misfits(self, table: TableRef, column: str) -> int | None:
        return self.get(table).misfits.get(column)


@dataclass(frozen=True)
class Decision:
    """The policy's verdict on one finding, with the reason shown to the user."""

    finding: Finding
    action: Action
    reason: str

    @property
    def key(self) -> Key:
        return self.finding.key


@dataclass(frozen=True)
class RenameGuess:
    """An orphan column with data next to a compatible model-only column: maybe a rename."""

    table: TableRef
    old: str
    new: str
    non_null: int | None


@dataclass
class Verdict:
    """Everything the policy decided for one autogenerate run."""

    decisions: list[Decision] = field(default_factory=list)
    renames: list[RenameGuess] = field(default_factory=list)
    measurements: Measurements = field(default_factory=Measurements)

    def by_key(self) -> dict[Key, Decision]:
        return {d.key: d for d in self.decisions}


# What the final upgrade keeps that depends on data where it runs. Read from the final
# operation tree (alembic_additive/kept.py); the policy turns them into upgrade-time checks.


@dataclass(frozen=True)
class KeptNotNull:
    """A column made NOT NULL (``alter_column(..., nullable=False)``)."""

    table: TableRef
    column: str


@dataclass(frozen=True)
class KeptAddColumn:
    """A column added. ``default`` is its server default as SQL, ``constant`` whether that
    is a literal (every existing row gets the same value); ``generated``: a key, identity
    or computed column, whose values the database makes up."""

    table: TableRef
    column: str
    nullable: bool
    default: str | None = None
    constant: bool = False
    generated: bool = False


@dataclass(frozen=True)
class KeptUnique:
    """A unique constraint, unique index or primary key created on existing columns."""

    table: TableRef
    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class KeptForeignKey:
    """A foreign key created."""

    table: TableRef
    columns: tuple[str, ...]
    referent: TableRef
    referent_columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class KeptCheck:
    """A CHECK constraint created; ``condition`` is its SQL."""

    table: TableRef
    condition: str
    name: str | None = None


@dataclass(frozen=True)
class KeptTypeChange:
    """A column's type changed (``alter_column(..., type_=...)``); ``dialect`` is the one the
    revision was written against, whose semantics decide what must be re-measured."""

    table: TableRef
    column: str
    existing_type: sa.types.TypeEngine[Any]
    new_type: sa.types.TypeEngine[Any]
    dialect: str


@dataclass(frozen=True)
class KeptCreateTable:
    """A table created (empty) by the revision."""

    table: TableRef


KeptChange = (
    KeptNotNull
    | KeptAddColumn
    | KeptUnique
    | KeptForeignKey
    | KeptCheck
    | KeptCreateTable
    | KeptTypeChange
)


def type_family(t: sa.types.TypeEngine[Any]) -> str:
    """Coarse type family (``int``, ``str``, ...): a rename keeps the family, so the policy's
    column-rename guesses and the renderer's table-rename guesses compare families."""
    for family, classes in (
        ("bool", (sa.Boolean,)),
        ("int", (sa.Integer,)),
        ("num", (sa.Numeric, sa.Float)),
        ("str", (sa.String,)),
        ("datetime", (sa.DateTime,)),
        ("date", (sa.Date,)),
        ("time", (sa.Time,)),
    ):
        if isinstance(t, classes):
            return family
    return type(t).__name__


def format_count(value: int | None, estimated: bool = False, timed_out: bool = False) -> str:
    """Render a count for humans: exact, ``~N`` when estimated, or why it is unknown."""
    if timed_out:
        return "unknown (timed out)"
    if value is None:
        return "unknown"
    return f"~{value}" if estimated else str(value)
