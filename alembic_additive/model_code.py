"""Model code to paste: columns, tables and declarative classes for what the models lack.

Every suggestion must paste and run: ``create_all`` builds it, ``alembic check`` then finds
nothing to change. So the code is rendered by Alembic's own renderer (``render_op_text``,
maintained alongside the types it renders), then adjusted for models:

* dialect types become portable ones (``mysql.INTEGER(display_width=11)`` →
  ``sa.Integer()``) when the portable type emits the same DDL on that dialect; a type with
  no portable equivalent stays, and its import is reported (:func:`code_imports`);
* each database object appears once (PostgreSQL reflects a unique constraint as a
  constraint *and* as its index; both pasted, ``create_all`` fails "already exists");
* attribute names that Python or Declarative reserve (``from``, ``metadata``) map the
  column under another attribute: ``from_: Mapped[str] = mapped_column("from", ...)``;
* a declarative project gets classes, a Core project ``sa.Table`` (:func:`is_declarative`).
"""

from __future__ import annotations

import ast
import datetime
import decimal
import keyword
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import ops

RESERVED_ATTRIBUTES = frozenset({"metadata", "registry", "type_annotation_map"})
"""Names a DeclarativeBase subclass uses itself: a column there would replace them."""

_INTEGER_WIDTH = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INTEGER|INT|BIGINT)\(\d+\)")


# --- types -----------------------------------------------------------------------------------


def portable_type(
    type_: sa.types.TypeEngine[Any], dialect: sa.Dialect | None
) -> sa.types.TypeEngine[Any]:
    """The generic type for a reflected dialect type, when it means the same on ``dialect``.

    "The same" is checked, not assumed: both types compile to the same DDL there (integer
    display widths aside, which MySQL ignores for values). ``INTEGER UNSIGNED``, ``TINYINT``,
    ``JSONB`` or a collated ``VARCHAR`` have no portable twin and stay as they are.
    """
    if dialect is None or not type(type_).__module__.startswith("sqlalchemy.dialects."):
        return type_
    try:
        generic = type_.as_generic()
        same = _ddl(generic, dialect) == _ddl(type_, dialect)
    except (NotImplementedError, sa.exc.CompileError, TypeError, AttributeError):
        return type_
    return generic if same else type_


def _ddl(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> str:
    text = type_.compile(dialect=dialect).upper()
    if isinstance(type_, sa.Integer) and not text.startswith("TINYINT"):
        text = _INTEGER_WIDTH.sub(r"\1", text)  # display width: no effect on values
    return text.replace("NUMERIC", "DECIMAL")


def _portable_column(column: sa.Column[Any], dialect: sa.Dialect | None) -> sa.Column[Any]:
    copy = column._copy()
    copy.type = portable_type(column.type, dialect)
    return copy


def _portable_table(table: sa.Table, dialect: sa.Dialect | None) -> sa.Table:
    copy = table.to_metadata(sa.MetaData())
    for column in copy.columns:
        column.type = portable_type(column.type, dialect)
    return copy


def python_type_name(type_: sa.types.TypeEngine[Any]) -> str:
    try:
        py = type_.python_type
    except NotImplementedError:
        return "Any"
    if py.__module__ == "builtins":
        return py.__name__
    if py in (datetime.datetime, datetime.date, datetime.time, datetime.timedelta):
        return f"datetime.{py.__name__}"
    if py is decimal.Decimal:
        return "decimal.Decimal"
    return f"{py.__module__}.{py.__qualname__}"


# --- names -----------------------------------------------------------------------------------


def attribute_name(column: str) -> str:
    """A Python attribute for ``column`` that Python and Declarative accept."""
    if column.isidentifier() and not column.startswith("__"):
        name = column
    else:
        name = re.sub(r"\W+", "_", column).strip("_") or "column"
        if name[0].isdigit():
            name = f"column_{name}"
    if keyword.iskeyword(name) or name in RESERVED_ATTRIBUTES:
        name += "_"
    return name


def class_name(table: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in table).split()
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Table"
    name = name if name[0].isalpha() else f"T{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


# --- project style ---------------------------------------------------------------------------


def declarative_base_name(metadata: Any) -> str | None:
    """The DeclarativeBase (or ``registry``) class owning ``metadata``; None for Core.

    A declarative project's ``target_metadata`` is its base's ``metadata``: the registry of
    that base holds it. The base's own name is what pasted classes must inherit from.
    """
    from sqlalchemy.orm import mapperlib

    wanted = metadata if isinstance(metadata, (list, tuple)) else [metadata]
    wanted = [m for m in wanted if m is not None]
    registries = getattr(mapperlib, "_mapper_registries", {})
    for reg in list(registries):
        if not any(reg.metadata is m for m in wanted):
            continue
        for mapper in list(reg.mappers):
            for klass in mapper.class_.__mro__[1:]:
                if "__tablename__" not in vars(klass) and getattr(klass, "registry", None) is reg:
                    return str(klass.__name__)
        return "Base"
    return None


# --- rendering -------------------------------------------------------------------------------


@contextmanager
def _imports(autogen_context: AutogenContext, keep: bool) -> Iterator[set[str]]:
    """Collect the imports rendering adds; keep them in the context only with ``keep``."""
    saved = set(autogen_context.imports)
    added: set[str] = set()
    try:
        yield added
    finally:
        added.update(autogen_context.imports - saved)
        if not keep:
            autogen_context.imports.clear()
            autogen_context.imports.update(saved)


def code_imports(code: str) -> list[str]:
    """The import lines ``code`` needs besides ``sa`` (dialect modules it names)."""
    out = []
    for module in ("postgresql", "mysql", "sqlite", "mssql", "oracle"):
        if re.search(rf"(?<![\w.]){module}\.", code):
            out.append(f"from sqlalchemy.dialects import {module}")
    return out


def column_code(
    autogen_context: AutogenContext,
    table: str,
    column: sa.Column[Any],
    *,
    keep_imports: bool = False,
) -> str:
    """``sa.Column('name', sa.Type(), nullable=...)`` as Alembic renders it, portable types.

    The imports the code needs are added to ``autogen_context.imports`` only with
    ``keep_imports``: comments need none.
    """
    col = _portable_column(column, autogen_context.dialect)
    with _imports(autogen_context, keep_imports):
        text = render_op_text(autogen_context, ops.AddColumnOp(table, col))
    call = _call(text)
    column_text = ast.get_source_segment(text, call.args[1]) or ""
    return _for_models(column_text, autogen_context)


def mapped_column_code(
    autogen_context: AutogenContext,
    table: str,
    column: sa.Column[Any],
    source: str | None = None,
    *,
    keep_imports: bool = False,
    primary_key: bool = False,
    attr: str | None = None,
) -> str:
    """``name: Mapped[T | None] = mapped_column(sa.Type(), ...)`` for declarative models.

    ``source`` is the column's :func:`column_code`, when the caller has it already.
    """
    source = source or column_code(autogen_context, table, column, keep_imports=keep_imports)
    call = _call(source)
    parts = [ast.get_source_segment(source, a) or "" for a in call.args[1:]]
    parts += [ast.get_source_segment(source, k) or "" for k in call.keywords]
    name = column.name
    attr = attr or attribute_name(name)
    if attr != name or name.startswith("_"):
        parts.insert(0, repr(name))
    if primary_key and not any(p.startswith("primary_key=") for p in parts):
        parts.append("primary_key=True")
    py = python_type_name(column.type)
    annotation = f"{py} | None" if column.nullable and not primary_key else py
    return f"{attr}: Mapped[{annotation}] = mapped_column({', '.join(parts)})"


def table_code(
    autogen_context: AutogenContext,
    table: sa.Table,
    *,
    keep_imports: bool = False,
    metadata: str = "metadata",
) -> str:
    """``sa.Table('name', metadata, sa.Column(...), ...)`` for an orphan table."""
    args, indexes, kwargs = _table_parts(autogen_context, table, keep_imports)
    inner = ",\n    ".join([args[0], metadata, *args[1:], *indexes, *kwargs])
    return f"sa.Table(\n    {inner},\n)"


def class_code(
    autogen_context: AutogenContext,
    table: sa.Table,
    base: str = "Base",
    *,
    keep_imports: bool = False,
) -> str:
    """A declarative class for an orphan table (``sa.Table(..., Base.metadata)`` when the
    table has no primary key: Declarative cannot map it)."""
    pk = {c.name for c in table.primary_key.columns}
    if not pk:
        code = table_code(
            autogen_context, table, keep_imports=keep_imports, metadata=f"{base}.metadata"
        )
        return f"{attribute_name(table.name)}_table = {code}"
    args, indexes, kwargs = _table_parts(autogen_context, table, keep_imports)
    constraints = [
        a for a in args[1:] if not a.startswith(("sa.Column(", "sa.PrimaryKeyConstraint("))
    ]
    options = [k.split("=", 1) for k in kwargs]
    if table.schema:
        options = [o for o in options if o[0] != "schema"] + [["schema", repr(table.schema)]]
    table_args = [*constraints, *indexes]
    if options:
        table_args.append("{" + ", ".join(f"{k!r}: {v}" for k, v in options) + "}")
    lines = [f"class {class_name(table.name)}({base}):", f"    __tablename__ = {table.name!r}"]
    if table_args:
        lines.append("    __table_args__ = (")
        lines += [f"        {a}," for a in table_args]
        lines.append("    )")
    lines.append("")
    used: set[str] = set()
    for column in table.columns:
        attr = attribute_name(column.name)
        while attr in used:  # two columns cleaned to one name
            attr += "_"
        used.add(attr)
        code = mapped_column_code(
            autogen_context,
            table.name,
            column,
            keep_imports=keep_imports,
            primary_key=column.name in pk,
            attr=attr,
        )
        lines.append(f"    {code}")
    return "\n".join(lines)


def _table_parts(
    autogen_context: AutogenContext, table: sa.Table, keep_imports: bool
) -> tuple[list[str], list[str], list[str]]:
    """The rendered ``create_table`` arguments, its indexes, and its keyword arguments."""
    portable = _portable_table(table, autogen_context.dialect)
    with _imports(autogen_context, keep_imports):
        text = render_op_text(autogen_context, ops.CreateTableOp.from_table(portable))
    call = _call(text)
    args = [_for_models(ast.get_source_segment(text, a) or "", autogen_context) for a in call.args]
    kwargs = [
        _for_models(ast.get_source_segment(text, k) or "", autogen_context) for k in call.keywords
    ]
    indexes = [code for code in map(index_code, unique_indexes(portable)) if code]
    return args, indexes, kwargs


def unique_indexes(table: sa.Table) -> list[sa.Index]:
    """The table's indexes, without those that are a unique constraint's own index.

    PostgreSQL and MySQL back a unique constraint with an index of the same name, and
    reflection reports both; the constraint is what the models declare.
    """
    constraints = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    names = {str(c.name) for c in constraints if c.name}
    shapes = {tuple(col.name for col in c.columns) for c in constraints}
    out = []
    for ix in sorted(table.indexes, key=lambda ix: str(ix.name or "")):
        shape = tuple(getattr(e, "name", "") for e in ix.expressions)
        if str(ix.name) in names or (ix.unique and shape in shapes):
            continue
        out.append(ix)
    return out


def index_code(index: sa.Index) -> str | None:
    """``sa.Index('name', 'a', 'b', unique=True)`` for a plain-column index; None for an
    expression index (Alembic renders those into revisions, not into models)."""
    names = [c.name for c in index.expressions if isinstance(c, sa.Column)]
    if len(names) != len(index.expressions) or index.name is None:
        return None
    unique = ", unique=True" if index.unique else ""
    return f"sa.Index({', '.join(repr(n) for n in [str(index.name), *names])}{unique})"


def table_index_codes(table: sa.Table) -> list[str]:
    """The indexes of ``table`` as model code (for declarative ``__table_args__``)."""
    return [code for code in map(index_code, unique_indexes(table)) if code]


def alter_code(autogen_context: AutogenContext, op: ops.AlterColumnOp) -> str:
    """One line of ``op.alter_column(...)`` as Alembic renders it."""
    with _imports(autogen_context, False):
        text = render_op_text(autogen_context, op)
    return ast.unparse(ast.parse(text.strip()))


def _for_models(code: str, autogen_context: AutogenContext) -> str:
    """Turn revision code into model code: ``op.f('name')`` is just ``'name'`` in a model,
    and reflection's defaults (``autoincrement=False`` for non-key columns) are noise."""
    prefix = re.escape(autogen_context.opts.get("alembic_module_prefix") or "op.")
    code = re.sub(prefix + r"f\(('(?:[^'\\]|\\.)*')\)", r"\1", code)
    for noise in (
        ", autoincrement=False",
        ", postgresql_include=[]",  # reflection's defaults for a unique constraint
        ", postgresql_nulls_not_distinct=False",
    ):
        code = code.replace(noise, "")
    return code


def _call(text: str) -> ast.Call:
    expr = ast.parse(text.strip(), mode="eval").body
    assert isinstance(expr, ast.Call)
    return expr
