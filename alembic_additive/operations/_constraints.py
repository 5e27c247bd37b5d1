"""What the idempotent constraint operations share: finding an equivalent live constraint,
the ledger key of a constraint, and the create-unless-present step.

No dialect has ``ADD CONSTRAINT IF NOT EXISTS`` for every kind, and an *unnamed* constraint
has no name to test at all: PostgreSQL invents ``users_email_key``, then ``users_email_key1``
on a rerun. So equivalence is decided from the live table through the inspector: a named
constraint by its name as the database stores it; an unnamed one by its definition (the
columns; for a foreign key also the referred table and columns; for a check its text, with
whitespace, quotes, parentheses and case ignored).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from alembic.operations import AbstractOperations, BatchOperations, Operations, ops
from alembic.util import CommandError

from ..sqlite import rebuild
from . import _support, ledger

log = logging.getLogger(f"alembic.{__name__}")

TYPES = {
    ops.CreateUniqueConstraintOp: "unique",
    ops.CreateForeignKeyOp: "foreignkey",
    ops.CreateCheckConstraintOp: "check",
    ops.CreatePrimaryKeyOp: "primary",
}


def type_of(op: ops.AddConstraintOp) -> str:
    for cls, name in TYPES.items():
        if isinstance(op, cls):
            return name
    raise TypeError(type(op).__name__)


def _names(columns: Any) -> tuple[str, ...]:
    return tuple(str(getattr(c, "name", c)) for c in columns)


def normalized_sql(text: str) -> str:
    return re.sub(r"[\s\"'`()\[\]]", "", text).lower()


def definition(op: ops.AddConstraintOp) -> str:
    """A stable text for the definition: the ledger key of an unnamed constraint."""
    if isinstance(op, ops.CreateForeignKeyOp):
        referent_schema = op.kw.get("referent_schema")
        source_schema = op.kw.get("source_schema")
        referent = op.referent_table
        if referent_schema and referent_schema != source_schema:
            referent = f"{referent_schema}.{referent}"
        return f"foreignkey({','.join(op.local_cols)})->{referent}({','.join(op.remote_cols)})"
    if isinstance(op, ops.CreateCheckConstraintOp):
        return f"check({normalized_sql(str(op.condition))})"
    if isinstance(op, ops.CreateUniqueConstraintOp):
        return f"unique({','.join(sorted(_names(op.columns)))})"
    if isinstance(op, ops.CreatePrimaryKeyOp):
        return f"primary({','.join(_names(op.columns))})"
    raise TypeError(type(op).__name__)


def ledger_key(op: ops.AddConstraintOp) -> str:
    name = getattr(op, "constraint_name", None)
    return str(name) if isinstance(name, str) else definition(op)


def table_of(op: ops.AddConstraintOp) -> tuple[str, str | None]:
    """(table, schema) of a constraint operation (a foreign key names them differently)."""
    if isinstance(op, ops.CreateForeignKeyOp):
        return str(op.source_table), op.kw.get("source_schema")
    return str(op.table_name), op.schema  # type: ignore[attr-defined]


def live(
    operations: AbstractOperations, type_: str, table: str, schema: str | None
) -> list[dict[str, Any]]:
    """The live constraints of one kind on ``table`` as ``{name, definition}`` dicts."""
    insp = _support.inspector(operations)
    table = _support.stored_name(operations, table)
    if not insp.has_table(table, schema=schema):
        return []
    out: list[dict[str, Any]] = []
    if type_ == "unique":
        for uq in insp.get_unique_constraints(table, schema=schema):
            cols = ",".join(sorted(c for c in uq["column_names"] if c))
            out.append({"name": uq["name"], "definition": f"unique({cols})"})
        for ix in insp.get_indexes(table, schema=schema):
            cols = ",".join(sorted(c for c in ix["column_names"] if c))
            # MySQL: every index name is taken; a non-unique one is never equivalent
            out.append(
                {"name": ix["name"], "definition": f"unique({cols})" if ix["unique"] else ""}
            )
    elif type_ == "foreignkey":
        for fk in insp.get_foreign_keys(table, schema=schema):
            referent = fk["referred_table"]
            if fk.get("referred_schema") and fk["referred_schema"] != schema:
                referent = f"{fk['referred_schema']}.{referent}"
            out.append(
                {
                    "name": fk["name"],
                    "definition": f"foreignkey({','.join(fk['constrained_columns'])})->"
                    f"{referent}({','.join(fk['referred_columns'])})",
                }
            )
    elif type_ == "check":
        for ck in insp.get_check_constraints(table, schema=schema):
            out.append(
                {"name": ck["name"], "definition": f"check({normalized_sql(ck['sqltext'])})"}
            )
    elif type_ == "primary":
        pk = insp.get_pk_constraint(table, schema=schema)
        if pk and pk.get("constrained_columns"):
            cols = ",".join(pk["constrained_columns"])
            out.append({"name": pk.get("name"), "definition": f"primary({cols})"})
    return out


def find(
    operations: AbstractOperations,
    type_: str,
    table: str,
    schema: str | None,
    name: str | None,
    wanted: str,
) -> dict[str, Any] | None:
    """The live constraint that makes creating this one unnecessary (or impossible)."""
    found = live(operations, type_, table, schema)
    if type_ == "primary":  # a table has one primary key, whatever its name
        return found[0] if found else None
    if name is not None:
        return next((c for c in found if _support.same_name(operations, c["name"], name)), None)
    return next((c for c in found if c["definition"] == wanted), None)


def create_unless_present(operations: AbstractOperations, operation: ops.AddConstraintOp) -> None:
    """Create the constraint unless the live table has it (by name, or by definition)."""
    type_ = type_of(operation)
    table, schema = table_of(operation)
    name = (
        getattr(operation, "constraint_name", None)
        if isinstance(getattr(operation, "constraint_name", None), str)
        else None
    )
    wanted = definition(operation)
    where = _support.qualified(table, schema)
    plain = _plain(operation)
    if _support.offline(operations):
        log.warning(
            "Offline SQL: no dialect has ADD CONSTRAINT IF NOT EXISTS; the %s constraint on "
            "%s is emitted as is: run it once",
            type_,
            where,
        )
        operations.invoke(plain)
        return
    existing = find(operations, type_, table, schema, name, wanted)
    if existing is not None:
        if existing["definition"] != wanted:
            if type_ == "primary":
                raise CommandError(
                    f"alembic-additive: {where} already has a different primary key "
                    f"({existing['definition']}); change it deliberately"
                )
            log.warning(
                "Constraint %s on %s exists with another definition; kept as it is",
                existing["name"],
                where,
            )
        log.info("%s constraint on %s exists (%s); skipping", type_, where, existing["name"])
        return
    if name is None and isinstance(operations, BatchOperations):
        # SQLite rebuilds the table in batch mode and needs a name; an unnamed model
        # constraint is matched by definition, so the name chosen here is free
        plain.constraint_name = _generated_name(type_, table, wanted)
    ledger.record(operations, ledger.CONSTRAINT, table, schema, ledger_key(operation))
    if _support.dialect_family(operations) == "sqlite" and type_ in _REBUILT_ON_SQLITE:
        # batch mode's copy would drop the table with foreign keys on: children cascade away
        # (issue 11); SQLite's own rebuild procedure adds it instead
        rebuild.add_constraint(operations, plain, table, schema)
        return
    implicit = type_ == "foreignkey" and _support.dialect_family(operations) in MYSQL
    before = _index_names(operations, table, schema) if implicit else set()
    operations.invoke(plain)
    if implicit:
        # MySQL/MariaDB create an index for a foreign key that has none: the upgrade made
        # it too, so the downgrade may drop it (recorded after the fact: it has no name
        # before it exists)
        for index in sorted(_index_names(operations, table, schema) - before):
            ledger.record(operations, ledger.INDEX, table, schema, index)


MYSQL = ("mysql", "mariadb")
_REBUILT_ON_SQLITE = ("foreignkey", "unique", "check")


def _index_names(operations: AbstractOperations, table: str, schema: str | None) -> set[str]:
    insp = _support.inspector(operations)
    stored = _support.stored_name(operations, table)
    return {str(ix["name"]) for ix in insp.get_indexes(stored, schema=schema)}


def drop_implicit_indexes(
    operations: AbstractOperations, table: str, schema: str | None, columns: list[str]
) -> None:
    """After a foreign key the upgrade created is dropped (MySQL/MariaDB): drop the index the
    database created for it, if the ledger says the upgrade made it."""
    insp = _support.inspector(operations)
    stored = _support.stored_name(operations, table)
    for ix in insp.get_indexes(stored, schema=schema):
        name = str(ix["name"])
        if list(ix["column_names"]) != columns or ix.get("unique"):
            continue
        if ledger.recorded(operations, ledger.INDEX, table, schema, name) is None:
            continue
        operations.invoke(ops.DropIndexOp(name, table_name=stored, schema=schema))
        ledger.forget(operations, ledger.INDEX, table, schema, name)


def _generated_name(type_: str, table: str, wanted: str) -> str:
    prefix = {"unique": "uq", "foreignkey": "fk", "check": "ck", "primary": "pk"}[type_]
    cols = re.sub(r"\W+", "_", wanted.split("(", 1)[1]).strip("_")
    return f"{prefix}_{table}_{cols}"[:60]


def _plain(operation: ops.AddConstraintOp) -> Any:
    """The same constraint as Alembic's own operation (its implementation does the DDL)."""
    base: Any = next(cls for cls in TYPES if isinstance(operation, cls))
    plain = base.__new__(base)
    plain.__dict__.update(operation.__dict__)
    return plain


def reverse_of(operation: ops.AddConstraintOp) -> ops.MigrateOperation:
    from .drop_constraint_if_created import DropConstraintIfCreatedOp

    table, schema = table_of(operation)
    name = (
        getattr(operation, "constraint_name", None)
        if isinstance(getattr(operation, "constraint_name", None), str)
        else None
    )
    return DropConstraintIfCreatedOp(
        name,
        str(table),
        type_of(operation),
        schema=schema,
        definition=None if name else definition(operation),
        create_op=operation,
    )


def from_op(cls: Any, op: ops.AddConstraintOp) -> Any:
    new = cls.__new__(cls)
    new.__dict__.update(op.__dict__)
    return new


__all__ = ["Operations", "create_unless_present", "definition", "find", "from_op", "reverse_of"]


def render(autogen_context: Any, op: ops.AddConstraintOp, plain_name: str) -> str:
    """Alembic's own rendering of the constraint, under the idempotent operation's name."""
    from alembic.autogenerate.render import render_op_text

    autogen_context.imports.add(_support.IMPORT_LINE)
    text = render_op_text(autogen_context, _plain(op))
    return text.replace(f"{plain_name}(", f"{plain_name}_if_not_exists(", 1)
