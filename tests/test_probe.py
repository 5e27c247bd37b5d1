"""``probe.measure`` on real databases: exact counts from one SELECT per table, quoting of
hostile identifiers, time-outs that leave the caller's transaction usable, and the
``estimate`` / ``off`` modes. Plus ``probe.requests_for``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database

from alembic_additive import probe
from alembic_additive.findings import (
    Findings,
    MisfitCheck,
    MissingColumn,
    MissingIndex,
    MissingTable,
    NotNullChange,
    OrphanColumn,
    OrphanConstraint,
    OrphanIndex,
    OrphanTable,
    TableCounts,
    TableRef,
    TypeChange,
)

T = TableRef(None, "t")
TIMEOUT = 30.0

#: Statements the dialect guards may run besides the counts (savepoints, timeouts).
GUARD = re.compile(
    r"^(SAVEPOINT |ROLLBACK TO SAVEPOINT |RELEASE SAVEPOINT |SELECT set_config\("
    r"|SELECT @@session\.max_(statement|execution)_time|SET SESSION max_(statement|execution)_time)"
)


@contextlib.contextmanager
def recorded(engine: sa.Engine) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs."""
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def counts_of(statements: list[str]) -> list[str]:
    return [s for s in statements if "count(" in s.lower()]


def others(statements: list[str]) -> list[str]:
    return [s for s in statements if "count(" not in s.lower() and not GUARD.match(s.strip())]


# --- exact counts ---------------------------------------------------------------------------

ROWS: list[dict[str, Any]] = [
    {"a": 1, "b": "ab", "n": -(2**40), "x": Decimal("999.99")},
    {"a": None, "b": "abc", "n": -101, "x": Decimal("-1000.00")},
    {"a": 3, "b": "abcd", "n": -100, "x": Decimal("1000.00")},
    {"a": None, "b": "größe", "n": 0, "x": Decimal("12345678.90")},
    {"a": 5, "b": "äöü", "n": 100, "x": Decimal("-999.99")},
    {"a": 6, "b": None, "n": 101, "x": None},
    {"a": None, "b": None, "n": 2**40, "x": Decimal("0")},
    {"a": 8, "b": None, "n": None, "x": None},
    {"a": 9, "b": None, "n": None, "x": None},
    {"a": 10, "b": "   ", "n": None, "x": Decimal("1.5")},
]

REQUEST = probe.Request(
    T,
    non_null={"a", "b", "n"},
    misfits={
        "b": MisfitCheck("max_length", 3),
        "n": MisfitCheck("int_range", 100, -100),
        "x": MisfitCheck("abs_below", 1000),
    },
)

EXPECTED = TableCounts(
    rows=10,
    non_null={"a": 7, "b": 6, "n": 7},
    # b: "abcd", "größe" (characters, not bytes: "äöü" fits); n: ±2**40, -101, 101;
    # x: -1000.00, 1000.00, 12345678.90
    misfits={"b": 2, "n": 4, "x": 3},
)


def make_t(db: Database, rows: list[dict[str, Any]] = ROWS) -> sa.Table:
    metadata = sa.MetaData()
    table = sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Unicode(40)),
        sa.Column("n", sa.BigInteger),
        sa.Column("x", sa.Numeric(12, 2)),
        sa.Column("unused", sa.Integer),
    )
    with db.engine.begin() as conn:
        metadata.create_all(conn)
        if rows:
            conn.execute(table.insert(), rows)
    return table


def test_exact_counts(db: Database) -> None:
    make_t(db)
    with db.engine.connect() as conn:
        measurements = probe.measure(conn, [REQUEST], "exact", TIMEOUT)
    assert measurements.mode == "exact"
    assert dict(measurements.tables) == {T: EXPECTED}
    assert measurements.rows(T) == 10
    assert measurements.non_null(T, "b") == 6
    assert measurements.misfits(T, "x") == 3


def test_exact_counts_of_an_empty_table_are_zero(db: Database) -> None:
    make_t(db, rows=[])
    with db.engine.connect() as conn:
        counts = probe.measure(conn, [REQUEST], "exact", TIMEOUT).get(T)
    assert counts == TableCounts(
        rows=0, non_null={"a": 0, "b": 0, "n": 0}, misfits={"b": 0, "n": 0, "x": 0}
    )


def test_rows_only(db: Database) -> None:
    make_t(db)
    with db.engine.connect() as conn:
        counts = probe.measure(conn, [probe.Request(T)], "exact", TIMEOUT).get(T)
    assert counts == TableCounts(rows=10)


def test_one_select_per_table_regardless_of_column_count(db: Database) -> None:
    make_t(db)
    metadata = sa.MetaData()
    wide = sa.Table(
        "wide",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        *(sa.Column(f"c{i}", sa.String(20)) for i in range(40)),
    )
    with db.engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(
            wide.insert(), [{f"c{i}": "x" * (i % 7) if i % 3 else None for i in range(40)}] * 3
        )
    wide_ref = TableRef(None, "wide")
    requests = [
        REQUEST,
        probe.Request(
            wide_ref,
            non_null={f"c{i}" for i in range(40)},
            misfits={f"c{i}": MisfitCheck("max_length", 3) for i in range(0, 40, 2)},
        ),
    ]
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        measurements = probe.measure(conn, requests, "exact", TIMEOUT)
    selects = counts_of(statements)
    assert len(selects) == 2, selects
    assert all(s.lstrip().upper().startswith("SELECT") for s in selects)
    assert others(statements) == []
    assert measurements.get(T) == EXPECTED
    wide_counts = measurements.get(wide_ref)
    assert wide_counts.rows == 3
    # c<i> is NULL when i % 3 == 0, else "x" * (i % 7) (the empty string is not NULL)
    assert wide_counts.non_null == {f"c{i}": 0 if i % 3 == 0 else 3 for i in range(40)}
    assert wide_counts.misfits == {
        f"c{i}": 3 if i % 3 and i % 7 > 3 else 0 for i in range(0, 40, 2)
    }


def test_requests_run_in_one_select_each_even_with_one_column(db: Database) -> None:
    make_t(db)
    for request in (probe.Request(T), probe.Request(T, non_null={"a"}), REQUEST):
        with db.engine.connect() as conn, recorded(db.engine) as statements:
            probe.measure(conn, [request], "exact", TIMEOUT)
        assert len(counts_of(statements)) == 1


def test_progress_is_reported_per_table(db: Database) -> None:
    make_t(db)
    calls: list[tuple[int, int, TableRef]] = []
    other = TableRef(None, "t2")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t2 (id INTEGER)"))
    with db.engine.connect() as conn:
        probe.measure(
            conn,
            [probe.Request(T), probe.Request(other)],
            "exact",
            TIMEOUT,
            progress=lambda done, total, table: calls.append((done, total, table)),
        )
    assert calls == [(0, 2, T), (1, 2, other), (2, 2, other)]


def test_measure_leaves_the_callers_transaction_alone(db: Database) -> None:
    table = make_t(db)
    with db.engine.connect() as conn:
        trans = conn.begin()
        conn.execute(table.insert(), [{"a": None, "b": "zzzzzz"}])  # not committed yet
        counts = probe.measure(conn, [REQUEST], "exact", TIMEOUT).get(T)
        assert counts.rows == 11  # the probe sees the caller's own uncommitted row
        assert counts.non_null["a"] == 7
        assert counts.misfits["b"] == 3
        assert trans.is_active
        conn.execute(table.insert(), [{"a": 1}])  # still writable
        trans.commit()
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 12


# --- hostile identifiers --------------------------------------------------------------------

HOSTILE_COLUMNS = [
    "select",
    "from",
    "order",
    "group by",
    "MixedCase",
    "größe",
    "has space",
    'dq"uote',
    "back`tick",
    "semi;colon",
    "it's",
    "50% off",
    "colon:name",
    "x); DROP TABLE t; --",
]
HOSTILE_TABLES = ["order", 'we"ird `tab;le', "MixedCase Größe", "it's; DROP"]


def test_hostile_identifiers_are_quoted(db: Database) -> None:
    metadata = sa.MetaData()
    tables = [
        sa.Table(
            name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            *(sa.Column(c, sa.String(20)) for c in HOSTILE_COLUMNS),
        )
        for name in HOSTILE_TABLES
    ]
    # row k of every table: column j holds a value of length j+1 when (j + k) is even
    with db.engine.begin() as conn:
        metadata.create_all(conn)
        for n, table in enumerate(tables):
            conn.execute(
                table.insert(),
                [
                    {
                        c: ("v" * (j + 1) if (j + k) % 2 == 0 else None)
                        for j, c in enumerate(HOSTILE_COLUMNS)
                    }
                    for k in range(n + 3)
                ],
            )
    requests = [
        probe.Request(
            TableRef(None, name),
            non_null=set(HOSTILE_COLUMNS),
            misfits={c: MisfitCheck("max_length", 4) for c in HOSTILE_COLUMNS},
        )
        for name in HOSTILE_TABLES
    ]
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        measurements = probe.measure(conn, requests, "exact", TIMEOUT)
    assert len(counts_of(statements)) == len(HOSTILE_TABLES)
    assert others(statements) == []
    for n, name in enumerate(HOSTILE_TABLES):
        rows = n + 3
        counts = measurements.get(TableRef(None, name))
        assert counts.rows == rows, name
        expected_nn = {
            c: sum(1 for k in range(rows) if (j + k) % 2 == 0)
            for j, c in enumerate(HOSTILE_COLUMNS)
        }
        assert dict(counts.non_null) == expected_nn, name
        expected_misfits = {
            c: (expected_nn[c] if j + 1 > 4 else 0) for j, c in enumerate(HOSTILE_COLUMNS)
        }
        assert dict(counts.misfits) == expected_misfits, name
    # nothing was dropped or changed
    with db.engine.connect() as conn:
        for n, table in enumerate(tables):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == n + 3
    assert set(sa.inspect(db.engine).get_table_names()) == set(HOSTILE_TABLES)


def test_schema_qualified_hostile_names(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    metadata = sa.MetaData()
    schema = 'Odd "Schema"; x'
    table = sa.Table("MixedCase", metadata, sa.Column("größe", sa.Integer), schema=schema)
    with db.engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
        metadata.create_all(conn)
        conn.execute(table.insert(), [{"größe": 1}, {"größe": None}, {"größe": 40000}])
    ref = TableRef(schema, "MixedCase")
    request = probe.Request(
        ref, non_null={"größe"}, misfits={"größe": MisfitCheck("int_range", 32767, -32768)}
    )
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        counts = probe.measure(conn, [request], "exact", TIMEOUT).get(ref)
    assert counts == TableCounts(rows=3, non_null={"größe": 2}, misfits={"größe": 1})
    assert len(counts_of(statements)) == 1
    assert others(statements) == []


# --- time-outs ------------------------------------------------------------------------------

BIG_ROWS = 300_000


def fill_big(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(sa.text("CREATE TABLE small (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(sa.text("INSERT INTO small (id, v) VALUES (1, 1), (2, NULL)"))
        if db.dialect == "sqlite":
            conn.execute(
                sa.text(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
                    "INSERT INTO big (id, v) SELECT x, x FROM c"
                ),
                {"n": BIG_ROWS},
            )
        elif db.dialect == "postgresql":
            conn.execute(
                sa.text("INSERT INTO big (id, v) SELECT g, g FROM generate_series(1, :n) g"),
                {"n": BIG_ROWS},
            )
        else:  # MariaDB's sequence engine
            conn.execute(
                sa.text(f"INSERT INTO big (id, v) SELECT seq, seq FROM seq_1_to_{BIG_ROWS}")
            )


@pytest.mark.parametrize(
    ("dialect", "timeout"), [("sqlite", 0.000001), ("postgresql", 0.001), ("mysql", 0.001)]
)
def test_timeout_is_reported_and_the_transaction_stays_usable(
    make_database: Any, dialect: str, timeout: float
) -> None:
    db: Database = make_database(dialect)
    fill_big(db)
    big, small = TableRef(None, "big"), TableRef(None, "small")
    requests = [
        probe.Request(big, non_null={"v"}, misfits={"v": MisfitCheck("int_range", 10, 0)}),
        probe.Request(small, non_null={"v"}),
    ]
    with db.engine.connect() as conn:
        trans = conn.begin()
        conn.execute(sa.text("INSERT INTO small (id, v) VALUES (3, 3)"))  # uncommitted
        measurements = probe.measure(conn, requests, "exact", timeout)
        counts = measurements.get(big)
        assert counts.timed_out is True
        assert counts.rows is None
        assert dict(counts.non_null) == {"v": None}
        assert dict(counts.misfits) == {"v": None}
        # the next table is still measured, within the same (recovered) guard
        assert measurements.get(small) == TableCounts(rows=3, non_null={"v": 2})
        # the caller's transaction survived: its row is there, and it can read and write
        assert trans.is_active
        assert conn.execute(sa.text("SELECT count(*), count(v) FROM big")).one() == (
            BIG_ROWS,
            BIG_ROWS,
        )
        conn.execute(sa.text("INSERT INTO small (id, v) VALUES (4, NULL)"))
        trans.commit()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM small")).scalar() == 4


def test_a_generous_timeout_counts_the_big_table(make_database: Any) -> None:
    db: Database = make_database("sqlite")
    fill_big(db)
    big = TableRef(None, "big")
    request = probe.Request(big, non_null={"v"}, misfits={"v": MisfitCheck("int_range", 10, 0)})
    with db.engine.connect() as conn:
        counts = probe.measure(conn, [request], "exact", TIMEOUT).get(big)
    assert counts == TableCounts(
        rows=BIG_ROWS, non_null={"v": BIG_ROWS}, misfits={"v": BIG_ROWS - 10}
    )


def test_postgresql_guard_is_read_only_and_restored(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    table = make_t(db)
    seen: list[tuple[str, str]] = []
    write_errors: list[str] = []

    def during(done: int, total: int, ref: TableRef) -> None:
        if done == total:
            return
        seen.append(
            (
                conn.execute(sa.text("SHOW transaction_read_only")).scalar_one(),
                conn.execute(sa.text("SHOW statement_timeout")).scalar_one(),
            )
        )
        try:
            with conn.begin_nested():
                conn.execute(table.insert(), [{"a": 1}])
        except sa.exc.DBAPIError as error:
            write_errors.append(str(error.orig))

    with db.engine.connect() as conn:
        conn.execute(sa.text("SET statement_timeout = '42s'"))
        conn.commit()
        measurements = probe.measure(conn, [REQUEST, REQUEST], "exact", 2.5, progress=during)
        assert measurements.get(T) == EXPECTED  # the failed write inside did not break it
        assert seen == [("on", "2500ms")] * 2
        assert len(write_errors) == 2
        assert all("read-only transaction" in e for e in write_errors)
        # afterwards: writable again, the session's timeout back
        assert conn.execute(sa.text("SHOW transaction_read_only")).scalar_one() == "off"
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "42s"
        conn.execute(table.insert(), [{"a": 1}])
        conn.commit()
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 11


def test_postgresql_timeout_restores_the_session(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    fill_big(db)
    big = TableRef(None, "big")
    with db.engine.connect() as conn:
        conn.execute(sa.text("SET statement_timeout = 0"))
        counts = probe.measure(conn, [probe.Request(big, non_null={"v"})], "exact", 0.001).get(big)
        assert counts.timed_out is True
        assert conn.execute(sa.text("SHOW transaction_read_only")).scalar_one() == "off"
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "0"
        conn.execute(sa.text("UPDATE big SET v = NULL WHERE id = 1"))
        assert conn.execute(sa.text("SELECT count(v) FROM big")).scalar() == BIG_ROWS - 1


def test_mysql_session_timeout_is_restored(make_database: Any) -> None:
    db: Database = make_database("mysql")
    make_t(db)
    mariadb = bool(getattr(db.engine.dialect, "is_mariadb", False))
    var = "max_statement_time" if mariadb else "max_execution_time"
    seen: list[float] = []
    with db.engine.connect() as conn:
        conn.execute(sa.text(f"SET SESSION {var} = 42"))

        def during(done: int, total: int, ref: TableRef) -> None:
            seen.append(float(conn.execute(sa.text(f"SELECT @@session.{var}")).scalar_one()))

        assert probe.measure(conn, [REQUEST], "exact", 2.5, progress=during).get(T) == EXPECTED
        assert float(conn.execute(sa.text(f"SELECT @@session.{var}")).scalar_one()) == 42
    assert seen == ([2.5, 2.5] if mariadb else [2500.0, 2500.0])


# --- estimate and off -----------------------------------------------------------------------


def test_estimate_postgresql_after_analyze(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE est_t (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(
            sa.text(
                "INSERT INTO est_t SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE g END "
                "FROM generate_series(1, 2000) g"
            )
        )
        conn.execute(sa.text("ANALYZE est_t"))
    ref = TableRef(None, "est_t")
    request = probe.Request(ref, non_null={"v"}, misfits={"v": MisfitCheck("int_range", 9, 0)})
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        measurements = probe.measure(conn, [request], "estimate", TIMEOUT)
    assert measurements.mode == "estimate"
    counts = measurements.get(ref)
    assert counts.estimated is True
    assert counts.timed_out is False
    assert counts.rows is not None and abs(counts.rows - 2000) <= 100
    nn = counts.non_null["v"]
    assert nn is not None and abs(nn - 1500) <= 100
    assert dict(counts.misfits) == {"v": None}  # estimates cannot count misfits
    assert not any("est_t" in s for s in statements)  # catalog only: the table is not read


def test_estimate_postgresql_never_analyzed_is_unknown(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE est_t (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(sa.text("INSERT INTO est_t VALUES (1, 1)"))
    ref = TableRef(None, "est_t")
    with db.engine.connect() as conn:
        counts = probe.measure(conn, [probe.Request(ref, non_null={"v"})], "estimate", TIMEOUT).get(
            ref
        )
    assert counts == TableCounts(rows=None, non_null={"v": None}, estimated=True)


def test_estimate_sqlite_without_statistics_is_unknown(make_database: Any) -> None:
    db: Database = make_database("sqlite")
    make_t(db)
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        counts = probe.measure(conn, [REQUEST], "estimate", TIMEOUT).get(T)
    assert counts.rows is None
    assert counts.estimated is True
    assert dict(counts.non_null) == {"a": None, "b": None, "n": None}
    assert dict(counts.misfits) == {"b": None, "n": None, "x": None}
    assert not any(re.search(r"\bFROM t\b", s) for s in statements)


def test_estimate_sqlite_after_analyze(make_database: Any) -> None:
    db: Database = make_database("sqlite")
    make_t(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    with db.engine.connect() as conn:
        counts = probe.measure(conn, [REQUEST], "estimate", TIMEOUT).get(T)
    assert counts.estimated is True
    assert counts.rows == 10


def test_estimate_mysql(make_database: Any) -> None:
    db: Database = make_database("mysql")
    make_t(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE TABLE t"))
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        counts = probe.measure(conn, [REQUEST], "estimate", TIMEOUT).get(T)
    assert counts.estimated is True
    assert counts.rows is not None and abs(counts.rows - 10) <= 2
    assert dict(counts.non_null) == {"a": None, "b": None, "n": None}
    assert not counts_of(statements)


def test_estimate_of_an_empty_table_has_no_values(make_database: Any) -> None:
    db: Database = make_database("postgresql")
    make_t(db, rows=[])
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE t"))
    with db.engine.connect() as conn:
        counts = probe.measure(conn, [REQUEST], "estimate", TIMEOUT).get(T)
    assert counts.rows == 0
    assert dict(counts.non_null) == {"a": 0, "b": 0, "n": 0}
    assert counts.estimated is True


def test_off_measures_nothing(db: Database) -> None:
    make_t(db)
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        measurements = probe.measure(conn, [REQUEST], "off", TIMEOUT)
    assert statements == []
    assert measurements.mode == "off"
    assert dict(measurements.tables) == {}
    assert measurements.get(T).rows is None


def test_nothing_to_measure_runs_nothing(db: Database) -> None:
    make_t(db)
    with db.engine.connect() as conn, recorded(db.engine) as statements:
        assert dict(probe.measure(conn, [], "exact", TIMEOUT).tables) == {}
        assert dict(probe.measure(None, [REQUEST], "exact", TIMEOUT).tables) == {}
    assert statements == []


# --- requests_for ---------------------------------------------------------------------------


def test_requests_for_groups_columns_by_table() -> None:
    a, b, c, d = (TableRef(None, n) for n in ("a", "b", "c", "d"))
    s = TableRef("s", "a")
    lossy = MisfitCheck("max_length", 10)
    findings = Findings(
        [
            OrphanColumn(b, sa.Column("old1", sa.Integer)),
            NotNullChange(b, "email"),
            OrphanColumn(b, sa.Column("old2", sa.Integer)),
            TypeChange(b, "code", sa.Text(), sa.String(10), False, "lossy", lossy),
            TypeChange(b, "wide", sa.String(5), sa.String(9), True, "widens"),
            TypeChange(b, "kind", sa.Integer(), sa.String(9), False, "lossy"),
            OrphanTable(a, sa.Table("a", sa.MetaData())),
            MissingColumn(c, sa.Column("status", sa.String(5), nullable=False)),
            MissingColumn(d, sa.Column("note", sa.String(5))),
            MissingColumn(d, sa.Column("flag", sa.Boolean, nullable=False, server_default="0")),
            MissingTable(d),
            MissingIndex(d, "ix"),
            OrphanIndex(d, "ix_old", ("x",)),
            OrphanConstraint(d, "fk", "foreignkey"),
            OrphanColumn(s, sa.Column("x", sa.Integer)),
            NotNullChange(b, "email"),  # twice: still one column
        ]
    )
    requests = probe.requests_for(findings)
    assert [r.table for r in requests] == [a, b, c, s]
    by_table = {r.table: r for r in requests}
    assert by_table[a].non_null == set() and by_table[a].misfits == {}
    assert by_table[b].non_null == {"old1", "old2", "email", "code", "kind"}
    assert by_table[b].misfits == {"code": lossy}
    assert by_table[c].non_null == set() and by_table[c].misfits == {}
    assert by_table[s].non_null == {"x"}


def test_requests_for_nothing_to_count() -> None:
    d = TableRef(None, "d")
    findings = Findings(
        [
            MissingTable(d),
            MissingColumn(d, sa.Column("note", sa.String(5))),
            TypeChange(d, "wide", sa.String(5), sa.String(9), True, "widens"),
        ]
    )
    assert probe.requests_for(findings) == []


def test_a_failing_count_is_unknown_not_fatal(db: Database) -> None:
    """A count that fails (here: a column that does not exist) is reported unknown, the
    caller's transaction survives, and the other tables are still counted."""
    md = sa.MetaData()
    t = sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer))
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(t.insert(), [{"v": 1}, {"v": None}])
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        result = probe.measure(
            conn,
            [
                probe.Request(TableRef(None, "t"), non_null={"no_such_column"}),
                probe.Request(TableRef(None, "t"), non_null={"v"}),
            ],
            "exact",
            30,
        )
        counts = result.tables[TableRef(None, "t")]
        assert counts.non_null == {"v": 1} and counts.rows == 2
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 2
    with db.engine.connect() as conn:
        bad = probe.measure(
            conn, [probe.Request(TableRef(None, "t"), non_null={"nope"})], "exact", 30
        )
        failed = bad.tables[TableRef(None, "t")]
        assert failed.rows is None and failed.non_null == {"nope": None} and failed.error
        assert not failed.timed_out


def test_unknown_dialect_falls_back_with_a_warning(
    make_database: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A dialect the probe has no timeout recipe for is counted plainly, with a warning."""
    db: Database = make_database("sqlite")  # type: ignore[operator]
    md = sa.MetaData()
    t = sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer))
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(t.insert(), [{"v": 1}, {"v": None}, {"v": 3}])
    with db.engine.connect() as conn:
        conn.dialect.name = "somedb"  # as a third-party dialect would call itself
        try:
            with caplog.at_level("WARNING"):
                counted = probe.measure(
                    conn, [probe.Request(TableRef(None, "t"), non_null={"v"})], "exact", 30
                )
        finally:
            del conn.dialect.name
    assert counted.tables[TableRef(None, "t")].non_null == {"v": 2}
    assert "No statement timeout for dialect 'somedb'" in caplog.text
