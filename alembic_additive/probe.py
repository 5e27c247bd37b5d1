"""Measure how much data the findings touch: counts only, never values.

``exact`` mode reads each table once: every count the findings need for one table
(rows, non-null values per column, values that would not fit a narrower type) comes from a
single ``SELECT count(*), count(a), count(b), sum(case ...) FROM t``, built with SQLAlchemy
so every identifier is quoted by the dialect. It runs read-only where the dialect can enforce
it (PostgreSQL, inside a savepoint that is always rolled back) and under a statement timeout;
a table that times out is reported "unknown (timed out)" and the policy treats it as holding
data. ``estimate`` mode reads catalog statistics instead and scans nothing; ``off`` measures
nothing.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from .findings import (
    EnumValueRemoval,
    Findings,
    Measurements,
    MisfitCheck,
    MissingColumn,
    NotNullChange,
    OrphanColumn,
    OrphanTable,
    OrphanView,
    TableCounts,
    TableRef,
    TypeChange,
)
from .types.measure import misfit_predicate

log = logging.getLogger(f"alembic.{__name__}")


@dataclass
class Request:
    """Everything to count on one table."""

    table: TableRef
    non_null: set[str] = field(default_factory=set)
    misfits: dict[str, MisfitCheck] = field(default_factory=dict)
    uses: set[tuple[str, str, bool]] = field(default_factory=set)
    """(column, enum label, is_array): rows holding a label an extension would remove."""


def requests_for(findings: Findings) -> list[Request]:
    """Which tables and columns the policy needs numbers for, one request per table."""
    by_table: dict[TableRef, Request] = {}

    def req(ref: TableRef) -> Request:
        return by_table.setdefault(ref, Request(ref))

    for f in findings.items:
        if isinstance(f, OrphanTable) or (isinstance(f, OrphanView) and f.materialized):
            req(f.table)
        elif isinstance(f, EnumValueRemoval):
            for table, column, array in f.columns:
                req(table).uses.update((column, label, array) for label in f.removed)
        elif isinstance(f, OrphanColumn):
            req(f.table).non_null.add(f.column.name)
        elif isinstance(f, NotNullChange):
            req(f.table).non_null.add(f.column)
        elif isinstance(f, TypeChange) and not f.widening:
            r = req(f.table)
            r.non_null.add(f.column)
            if f.misfit is not None:
                r.misfits[f.column] = f.misfit
        elif isinstance(f, MissingColumn) and f.needs_backfill:
            req(f.table)
    return sorted(by_table.values(), key=lambda r: (r.table.schema or "", r.table.name))


def measure(
    connection: sa.Connection | None,
    requests: Iterable[Request],
    mode: str,
    timeout: float,
    progress: Callable[[int, int, TableRef], None] | None = None,
) -> Measurements:
    """Count what ``requests`` ask for, in ``mode`` ("exact", "estimate" or "off")."""
    requests = list(requests)
    if mode == "off" or connection is None or not requests:
        return Measurements({}, mode=mode)
    if mode == "estimate":
        return Measurements(_estimate(connection, requests), mode=mode)
    results: dict[TableRef, TableCounts] = {}
    with _guard(connection, timeout) as run:
        for done, request in enumerate(requests):
            if progress is not None:
                progress(done, len(requests), request.table)
            results[request.table] = run(request)
        if progress is not None and requests:
            progress(len(requests), len(requests), requests[-1].table)
    return Measurements(results, mode=mode)


def count_statement(
    dialect: sa.Dialect, request: Request
) -> tuple[sa.Select[Any], list[str], list[str]]:
    """The one SELECT for a table, and the column order of its non-null and misfit counts."""
    non_null = sorted(request.non_null)
    misfit_cols = sorted(request.misfits)
    names = sorted(set(non_null) | set(misfit_cols) | {u[0] for u in request.uses})
    table = sa.table(
        request.table.name, *(sa.column(n) for n in names), schema=request.table.schema
    )
    exprs: list[Any] = [sa.func.count()]
    exprs += [sa.func.count(table.c[n]) for n in non_null]
    for name in misfit_cols:
        predicate = _misfit_predicate(dialect, table.c[name], request.misfits[name])
        exprs.append(sa.func.coalesce(sa.func.sum(sa.case((predicate, 1), else_=0)), 0))
    for name, label, array in sorted(request.uses):
        predicate = _uses_predicate(table.c[name], label, array)
        exprs.append(sa.func.coalesce(sa.func.sum(sa.case((predicate, 1), else_=0)), 0))
    return sa.select(*exprs).select_from(table), non_null, misfit_cols


def _misfit_predicate(
    dialect: sa.Dialect, col: sa.ColumnClause[Any], check: MisfitCheck
) -> sa.ColumnElement[bool]:
    """The same test the upgrade-time guard runs (:mod:`alembic_additive.types.measure`)."""
    return misfit_predicate(dialect.name, col, check)


def _uses_predicate(col: sa.ColumnClause[Any], label: str, array: bool) -> sa.ColumnElement[bool]:
    """The row holds enum ``label`` (compared as text; the label is a bound parameter)."""
    if array:
        from sqlalchemy.dialects import postgresql

        as_text = sa.cast(col, postgresql.ARRAY(sa.Text))
        return sa.func.array_position(as_text, sa.cast(label, sa.Text)).is_not(None)
    return sa.cast(col, sa.Text) == label


def _run_exact(connection: sa.Connection, request: Request) -> TableCounts:
    stmt, non_null, misfits = count_statement(connection.dialect, request)
    row = connection.execute(stmt).one()
    values = [int(v) if v is not None else None for v in row]
    nn = dict(zip(non_null, values[1 : 1 + len(non_null)], strict=True))
    end = 1 + len(non_null) + len(misfits)
    mf = dict(zip(misfits, values[1 + len(non_null) : end], strict=True))
    used = zip(sorted(request.uses), values[end:], strict=True)
    uses = {(c, label): v for (c, label, _), v in used}
    return TableCounts(rows=values[0], non_null=nn, misfits=mf, uses=uses)


def _timed_out(request: Request) -> TableCounts:
    log.warning("Probe of %s timed out; treating its columns as holding data", request.table)
    return TableCounts(
        rows=None,
        non_null={c: None for c in request.non_null},
        misfits={c: None for c in request.misfits},
        uses={(c, label): None for c, label, _ in request.uses},
        timed_out=True,
    )


def _failed(request: Request, error: sa_exc.DBAPIError) -> TableCounts:
    """A count that timed out or failed: unknown, which the policy treats as holding data."""
    if _is_timeout(error):
        return _timed_out(request)
    first = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "error"
    log.warning(
        "Could not count %s (%s); treating its columns as holding data", request.table, first
    )
    return TableCounts(
        rows=None,
        non_null={c: None for c in request.non_null},
        misfits={c: None for c in request.misfits},
        uses={(c, label): None for c, label, _ in request.uses},
        error=first,
    )


def _is_timeout(error: sa_exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    return any(
        marker in text
        for marker in (
            "canceling statement due to statement timeout",
            "max_statement_time",
            "maximum statement execution time",
            "interrupted",
        )
    )


@contextlib.contextmanager
def _guard(connection: sa.Connection, timeout: float) -> Iterator[Callable[[Request], TableCounts]]:
    """Yield a function that counts one request under the dialect's timeout and read-only mode."""
    name = connection.dialect.name
    if name == "postgresql":
        with _postgresql_guard(connection, timeout) as run:
            yield run
    elif name in ("mysql", "mariadb"):
        with _mysql_guard(connection, timeout) as run:
            yield run
    elif name == "sqlite":
        with _sqlite_guard(connection, timeout) as run:
            yield run
    else:
        log.warning("No statement timeout for dialect %r; probing without one", name)

        def plain(request: Request) -> TableCounts:
            return _run_exact(connection, request)

        yield plain


@contextlib.contextmanager
def _postgresql_guard(
    connection: sa.Connection, timeout: float
) -> Iterator[Callable[[Request], TableCounts]]:
    # A savepoint that is always rolled back: the read-only flag and the timeout are
    # SET LOCAL settings, undone with it, and a cancelled statement does not abort the
    # caller's transaction. An AUTOCOMMIT connection has no transaction to hold a
    # savepoint ("SAVEPOINT can only be used in transaction blocks"): there the counts run
    # in a READ ONLY transaction of their own, always rolled back.
    if _autocommit(connection):
        with _postgresql_autocommit_guard(connection, timeout) as autocommit_run:
            yield autocommit_run
        return
    state: dict[str, Any] = {}

    def begin() -> None:
        state["sp"] = connection.begin_nested()
        connection.execute(sa.select(sa.func.set_config("transaction_read_only", "on", True)))
        ms = str(max(1, int(timeout * 1000)))
        connection.execute(sa.select(sa.func.set_config("statement_timeout", ms, True)))

    def run(request: Request) -> TableCounts:
        try:
            return _run_exact(connection, request)
        except sa_exc.DBAPIError as error:
            state["sp"].rollback()
            begin()
            return _failed(request, error)

    begin()
    try:
        yield run
    finally:
        if state["sp"].is_active:
            state["sp"].rollback()


def _autocommit(connection: sa.Connection) -> bool:
    """Whether the driver runs every statement in a transaction of its own."""
    return bool(getattr(connection.connection.driver_connection, "autocommit", False))


@contextlib.contextmanager
def _postgresql_autocommit_guard(
    connection: sa.Connection, timeout: float
) -> Iterator[Callable[[Request], TableCounts]]:
    ms = str(max(1, int(timeout * 1000)))

    def begin() -> None:
        connection.exec_driver_sql("BEGIN READ ONLY")
        connection.execute(sa.select(sa.func.set_config("statement_timeout", ms, True)))

    def run(request: Request) -> TableCounts:
        try:
            return _run_exact(connection, request)
        except sa_exc.DBAPIError as error:
            connection.exec_driver_sql("ROLLBACK")
            begin()
            return _failed(request, error)

    begin()
    try:
        yield run
    finally:
        connection.exec_driver_sql("ROLLBACK")


@contextlib.contextmanager
def _mysql_guard(
    connection: sa.Connection, timeout: float
) -> Iterator[Callable[[Request], TableCounts]]:
    mariadb = bool(getattr(connection.dialect, "is_mariadb", False))
    var = "max_statement_time" if mariadb else "max_execution_time"
    value: float | int = timeout if mariadb else max(1, int(timeout * 1000))
    previous = connection.execute(sa.text(f"SELECT @@session.{var}")).scalar()
    connection.execute(sa.text(f"SET SESSION {var} = :v"), {"v": value})

    def run(request: Request) -> TableCounts:
        try:
            return _run_exact(connection, request)
        except sa_exc.DBAPIError as error:
            return _failed(request, error)

    try:
        yield run
    finally:
        connection.execute(sa.text(f"SET SESSION {var} = :v"), {"v": previous})


@contextlib.contextmanager
def _sqlite_guard(
    connection: sa.Connection, timeout: float
) -> Iterator[Callable[[Request], TableCounts]]:
    # SQLite has no statement timeout; a progress handler that returns non-zero interrupts
    # the running statement ("interrupted"), which is just as good.
    raw = connection.connection.driver_connection
    deadline = [0.0]

    def handler() -> int:
        return 1 if time.monotonic() > deadline[0] else 0

    def run(request: Request) -> TableCounts:
        deadline[0] = time.monotonic() + timeout
        try:
            return _run_exact(connection, request)
        except sa_exc.DBAPIError as error:
            return _failed(request, error)

    installed = isinstance(raw, sqlite3.Connection)
    if installed:
        assert isinstance(raw, sqlite3.Connection)
        raw.set_progress_handler(handler, 10_000)
    try:
        yield run
    finally:
        if installed:
            assert isinstance(raw, sqlite3.Connection)
            raw.set_progress_handler(None, 0)


def _estimate(connection: sa.Connection, requests: list[Request]) -> dict[TableRef, TableCounts]:
    """Catalog statistics only: no table is scanned."""
    name = connection.dialect.name
    out: dict[TableRef, TableCounts] = {}
    for request in requests:
        rows: int | None = None
        non_null: dict[str, int | None] = {c: None for c in request.non_null}
        if name == "postgresql":
            rows, non_null = _pg_estimate(connection, request)
        elif name in ("mysql", "mariadb"):
            rows = _mysql_estimate(connection, request)
        elif name == "sqlite":
            rows = _sqlite_estimate(connection, request)
        if rows == 0:
            non_null = dict.fromkeys(request.non_null, 0)
        out[request.table] = TableCounts(
            rows=rows,
            non_null=non_null,
            misfits={c: None for c in request.misfits},
            uses={(c, label): None for c, label, _ in request.uses},
            estimated=True,
        )
    return out


def _pg_estimate(
    connection: sa.Connection, request: Request
) -> tuple[int | None, dict[str, int | None]]:
    schema = request.table.schema or connection.dialect.default_schema_name
    rel = connection.execute(
        sa.text(
            "SELECT c.reltuples FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname = :table"
        ),
        {"schema": schema, "table": request.table.name},
    ).scalar()
    rows = int(rel) if rel is not None and rel >= 0 else None
    non_null: dict[str, int | None] = dict.fromkeys(request.non_null)
    if rows is not None and request.non_null:
        stats = connection.execute(
            sa.text(
                "SELECT attname, null_frac FROM pg_catalog.pg_stats "
                "WHERE schemaname = :schema AND tablename = :table"
            ),
            {"schema": schema, "table": request.table.name},
        ).all()
        fractions = {str(a): float(f) for a, f in stats}
        for col in request.non_null:
            if col in fractions:
                non_null[col] = round(rows * (1.0 - fractions[col]))
    return rows, non_null


def _mysql_estimate(connection: sa.Connection, request: Request) -> int | None:
    value = connection.execute(
        sa.text(
            "SELECT table_rows FROM information_schema.tables "
            "WHERE table_schema = COALESCE(:schema, DATABASE()) AND table_name = :table"
        ),
        {"schema": request.table.schema, "table": request.table.name},
    ).scalar()
    return int(value) if value is not None else None


def _sqlite_estimate(connection: sa.Connection, request: Request) -> int | None:
    has_stats = connection.execute(
        sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ).scalar()
    if not has_stats:
        return None
    stat = connection.execute(
        sa.text("SELECT stat FROM sqlite_stat1 WHERE tbl = :table LIMIT 1"),
        {"table": request.table.name},
    ).scalar()
    if not stat:
        return None
    try:
        return int(str(stat).split()[0])
    except ValueError:
        return None
