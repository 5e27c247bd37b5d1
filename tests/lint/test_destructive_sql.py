"""destructive-sql: raw SQL read by a parser, through every way revisions build and run it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lint_support import found, project, rules

from alembic_additive.lint.sql import PLACEHOLDER, SqlHit, find_destructive, might_destroy


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE users",
        "drop table if exists users cascade",
        "ALTER TABLE users DROP COLUMN email",
        "ALTER TABLE users DROP email",
        "ALTER TABLE orders DROP CONSTRAINT fk_orders_user",
        "ALTER TABLE orders DROP FOREIGN KEY fk_orders_user",
        "ALTER TABLE orders DROP PRIMARY KEY",
        "DROP INDEX CONCURRENTLY IF EXISTS ix_users_email",
        "DROP SCHEMA archive CASCADE",
        "DROP TYPE mood CASCADE",
        "TRUNCATE users",
        "TRUNCATE TABLE users RESTART IDENTITY",
        "DELETE FROM users",
        "DELETE FROM users WHERE created_at < now() - interval '1 year'",
        "UPDATE users SET email = NULL",
        "UPDATE users SET email = NULL, name = 'x' WHERE id > 10",
        "WITH gone AS (DELETE FROM sessions RETURNING id) SELECT count(*) FROM gone",
        "DO $$ BEGIN DELETE FROM sessions; END $$",
        "DO $$ BEGIN EXECUTE 'DROP TABLE tmp'; END $$",
        "DROP TABLE `legacy`",
    ],
)
def test_destructive_statements(sql: str) -> None:
    assert find_destructive(sql), sql


@pytest.mark.parametrize(
    "sql",
    [
        "COMMENT ON TABLE users IS 'never drop this'",
        "SELECT dropped_at FROM users",
        "ALTER TABLE users ADD COLUMN dropped_at timestamp",
        "CREATE INDEX ix_deleted ON users (deleted_at)",
        "UPDATE users SET status = 'active' WHERE status IS NULL",
        "UPDATE users SET deleted = false",
        "CREATE TABLE t (a int REFERENCES u (id) ON DELETE CASCADE)",
        "CREATE TRIGGER trg AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION f()",
        "SELECT TRUNCATE(price, 2) FROM products",
        "DROP VIEW active_users",
        "INSERT INTO audit (what) VALUES ('drop table users')",
        "CREATE INDEX CONCURRENTLY ix ON t (a)",
    ],
)
def test_harmless_statements(sql: str) -> None:
    assert find_destructive(sql) == (), sql


def test_prefilter_is_only_a_prefilter() -> None:
    assert not might_destroy("CREATE INDEX ix ON t (a)")
    assert might_destroy("SELECT dropped_at FROM t")  # the parser then says no
    assert find_destructive("SELECT dropped_at FROM t") == ()


def test_err_op_execute_plain_string(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.execute("DROP TABLE legacy_users")')
    result = lint()
    assert rules(result) == ["destructive-sql"]
    message = result.findings[0].message
    assert "`op.execute`: `DROP TABLE legacy_users` deletes the table" in message


def test_err_every_way_to_run_sql(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        from sqlalchemy import text
        from sqlalchemy import text as T


        def upgrade():
            bind = op.get_bind()
            bind.execute(sa.text("TRUNCATE a"))
            conn = op.get_bind()
            conn.execute(text("TRUNCATE b"))
            connection = bind
            connection.exec_driver_sql("TRUNCATE c")
            op.execute(T("TRUNCATE d"))
            op.get_bind().execute(sa.text("TRUNCATE e"))
            op.execute(sa.DDL("DROP TABLE f"))
        """
    )
    assert rules(lint()) == ["destructive-sql"] * 6


def test_err_text_built_before_it_runs(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        stmt = sa.text("DELETE FROM sessions")
        op.get_bind().execute(stmt)
        """
    )
    result = lint()
    assert rules(result) == ["destructive-sql"]
    assert result.findings[0].line == 10  # reported where it runs, once


def test_err_standalone_text_is_checked(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='statements = [sa.text("DROP TABLE a")]')
    assert rules(lint()) == ["destructive-sql"]


def test_err_standalone_text_of_a_module_constant(tmp_path: Path) -> None:
    """``text(...)`` alone in ``upgrade()`` whose destructive SQL lives in a module-level
    constant: the function body names no destructive word, yet it is walked."""
    write, lint = project(tmp_path)
    write(
        """
        PURGE = "DELETE FROM sessions"


        def upgrade():
            op.get_bind().scalar(sa.text(PURGE))
        """
    )
    assert found(lint()) == [(12, 26, "destructive-sql", "sessions", None, "error")]


def test_ok_text_server_defaults_are_not_sql_that_runs(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.add_column("t", sa.Column("at", sa.DateTime(), server_default=sa.text("now()")))
        op.create_table("u", sa.Column("on", sa.Boolean(), server_default=sa.text("true")))
        """
    )
    assert found(lint()) == []


def test_err_fstrings_concatenation_and_formatting(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        SCHEMA = "archive"
        PREFIX = "DROP TABLE "


        def upgrade():
            table = compute_name()
            op.execute(f"DROP TABLE {SCHEMA}.{table}")
            op.execute("ALTER TABLE users " + "DROP COLUMN " + table)
            op.execute(PREFIX + table)
            op.execute("DELETE FROM %s WHERE id = %%s" % table)
            op.execute("TRUNCATE {}".format(table))
            op.execute("TRUNCATE {name}".format(name="users"))
            op.execute(" ".join(["DROP", "TABLE", table]))
            sql = "UPDATE users SET "
            sql += "email = NULL"
            op.execute(sql)
        """
    )
    result = lint()
    assert rules(result) == ["destructive-sql"] * 8
    messages = [f.message for f in result.findings]
    assert "`DROP TABLE archive.{...}`" in messages[0]
    assert "TRUNCATE TABLE users" in messages[5]


def test_err_loop_over_statements(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        STATEMENTS = [
            "CREATE TABLE b (id int)",
            "INSERT INTO b SELECT id FROM a",
            "DROP TABLE a",
        ]


        def upgrade():
            for statement in STATEMENTS:
                op.execute(statement)
        """
    )
    result = lint()
    assert rules(result) == ["destructive-sql"]
    assert "`DROP TABLE a`" in result.findings[0].message


def test_err_multi_statement_string(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade='''
        op.execute("""
            CREATE TABLE users_new (id int);
            INSERT INTO users_new SELECT id FROM users;
            DROP TABLE users;
            ALTER TABLE users_new RENAME TO users;
        """)
        '''
    )
    result = lint()
    assert rules(result) == ["destructive-sql"]
    assert "`DROP TABLE users`" in result.findings[0].message


def test_err_two_destructive_statements_two_findings(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.execute("DELETE FROM a; TRUNCATE b")')
    assert rules(lint()) == ["destructive-sql", "destructive-sql"]


def test_err_sqlalchemy_constructs(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        users = sa.table("users", sa.column("email"))
        op.execute(users.delete().where(users.c.email.is_(None)))
        op.execute(sa.delete(users))
        op.execute(users.update().values(email=None))
        op.execute(users.update().values(email="x"))
        """
    )
    assert rules(lint()) == ["destructive-sql"] * 3


def test_err_in_helper_and_conditional(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _purge(conn):
            conn.execute(sa.text("DELETE FROM audit_log"))


        def upgrade():
            if op.get_context().dialect.name == "postgresql":
                _purge(op.get_bind())
        """
    )
    assert rules(lint()) == ["destructive-sql"]


def test_err_sql_handed_to_a_helper(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _run(sql, *, conn=None):
            (conn or op.get_bind()).execute(sa.text(sql))


        def upgrade():
            _run("CREATE TABLE a (id int)")
            _run(f"DROP TABLE {'b'}")
            _run(sql="TRUNCATE c")
            _run("TRUNCATE c")  # same statement, same call site: reported once
        """
    )
    result = lint()
    assert rules(result) == ["destructive-sql", "destructive-sql"]
    assert {f.line for f in result.findings} == {9}
    assert "DROP TABLE b" in result.findings[0].message


def test_err_construct_assigned_first(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        users = sa.table("users")
        stmt = users.delete()
        op.execute(stmt)
        """
    )
    assert rules(lint()) == ["destructive-sql"]


def test_err_ddl_constructs_and_text_methods(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        from sqlalchemy.schema import DropTable
        op.execute(DropTable(sa.table("legacy")))
        op.execute(sa.text("DELETE FROM t WHERE id = :id").bindparams(id=1))
        """
    )
    result = lint()
    assert rules(result) == ["destructive-sql", "destructive-sql"]
    assert "`DropTable`" in result.findings[0].message


def test_ok_harmless_sql_that_mentions_drop(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.execute("COMMENT ON TABLE users IS 'never drop this'")
        op.execute("ALTER TABLE users ADD COLUMN dropped_at timestamp")
        op.execute(sa.text("SELECT id FROM users WHERE dropped_at IS NULL"))
        op.execute("UPDATE users SET status = 'x' WHERE status IS NULL")
        op.add_column("t", sa.Column("c", sa.DateTime(), server_default=sa.text("now()")))
        op.execute(f"CREATE INDEX ix_{'t'} ON t (deleted_at)")
        """
    )
    assert rules(lint()) == []


def test_ok_sql_in_downgrade_only(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.execute("CREATE TABLE tmp (id int)")


        def downgrade():
            op.execute("DROP TABLE tmp")
        """
    )
    assert rules(lint()) == []
    assert rules(lint(include_downgrade=True)) == ["destructive-sql"]


def test_suppressed_on_the_string_line(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.execute(
            "DELETE FROM sessions"  # additive: allow destructive-sql -- sessions are ephemeral
        )
        # additive: allow destructive-sql -- tmp is this revision's scratch table
        op.execute("DROP TABLE tmp")
        """
    )
    assert rules(lint()) == []


def test_sql_is_parsed_lazily(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import alembic_additive.lint.sql as sql

    write, lint = project(tmp_path)
    calls: list[str] = []
    real = sql._analyse

    def spy(text: str, depth: int):  # type: ignore[no-untyped-def]
        calls.append(text)
        return real(text, depth)

    monkeypatch.setattr(sql, "_analyse", spy)
    write(
        upgrade="""
        op.execute("CREATE INDEX ix ON t (a)")
        op.execute("UPDATE t SET a = 1")
        op.execute("DELETE FROM t")
        op.execute("DELETE FROM t USING u WHERE t.id = u.id")
        op.execute("DELETE FROM t USING u WHERE t.id = u.id")
        """
    )
    assert rules(lint()) == ["destructive-sql"] * 3
    # pre-filtered, simple shapes read without the parser, the rest parsed once per run
    assert calls == ["DELETE FROM t USING u WHERE t.id = u.id"]


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE users",
        "DROP TABLE IF EXISTS s.tmp_x CASCADE",
        "drop table a, b",
        "DROP INDEX ix_a",
        "DROP INDEX CONCURRENTLY IF EXISTS ix_a",
        "DROP INDEX ix_a ON t",
        'DROP TABLE "Quoted Name"',
        "ALTER TABLE orders DROP CONSTRAINT fk_orders_user",
        "ALTER TABLE orders DROP CONSTRAINT IF EXISTS fk_orders_user CASCADE",
        "ALTER TABLE users DROP COLUMN email",
        "ALTER TABLE users DROP email",
        "ALTER TABLE ONLY public.users DROP COLUMN IF EXISTS email",
        "TRUNCATE users",
        "TRUNCATE TABLE s.users",
        "DELETE FROM sessions",
        "DELETE FROM sessions WHERE created < now()",
        "DROP TABLE __additive_expr__",
        "DROP TABLE a; DROP INDEX ix_b; ALTER TABLE c DROP CONSTRAINT d",
    ],
)
def test_simple_shapes_read_as_the_parser_reads_them(statement: str) -> None:
    """The shapes read without sqlglot give the parser's kinds, tables, names, severities
    and offsets; and the parser's message for every drop (a DELETE shows the text as
    written rather than sqlglot's regenerated SQL)."""
    from alembic_additive.lint.sql import _analyse, _dedupe
    from alembic_additive.lint.sqlscan import quick_hits

    quick = quick_hits(statement)
    assert quick is not None, statement
    parsed = tuple(_dedupe(_analyse(statement, 0)))

    def facts(hit: SqlHit) -> tuple[object, ...]:
        return (hit.kind, hit.table, hit.name, hit.severity, hit.offset)

    assert [facts(h) for h in quick] == [facts(h) for h in parsed]
    if not statement.upper().startswith("DELETE"):
        assert [h.what for h in quick] == [h.what for h in parsed]


@pytest.mark.parametrize(
    "statement",
    [
        "DO $$ BEGIN DELETE FROM sessions; END $$",
        "DELETE FROM a, b",
        "ALTER TABLE t DROP COLUMN a, DROP COLUMN b",
        "ALTER TABLE t DROP PRIMARY KEY",
        "DROP VIEW v",
        "SELECT 1 -- drop table x",
        "UPDATE t SET a = NULL",
        "DROP TABLE 'x",
    ],
)
def test_other_shapes_go_to_the_parser(statement: str) -> None:
    from alembic_additive.lint.sqlscan import quick_hits

    assert quick_hits(statement) is None


_FRAGMENTS = [
    "DROP",
    "TABLE",
    "COLUMN",
    "DELETE",
    "FROM",
    "TRUNCATE",
    "UPDATE",
    "SET",
    "= NULL",
    "ALTER",
    "DO",
    "$$",
    "'",
    '"',
    "`",
    ";",
    "(",
    ")",
    "--",
    "/*",
    "*/",
    "users",
    "dropped_at",
    PLACEHOLDER,
    "\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=5), max_size=14))
def test_never_crashes_on_odd_sql(parts: list[str]) -> None:
    sql = " ".join(parts)
    hits = find_destructive(sql)
    assert isinstance(hits, tuple)
    if not might_destroy(sql):
        assert hits == ()


def test_err_orm_deletes(tmp_path: Path) -> None:
    """``session.query(Model).delete()`` and ``.filter(...).delete()`` on an ORM session
    bound to the migration's connection delete rows like ``DELETE``."""
    write, lint = project(tmp_path)
    write(
        """
        from sqlalchemy import orm
        from sqlalchemy.orm import Session, sessionmaker

        from myapp.models import Setting, Visit


        def upgrade():
            bind = op.get_bind()
            session = orm.Session(bind=bind)
            session.query(Setting).delete()
            session.query(Visit).filter(Visit.date < "2000-01-01").delete(
                synchronize_session=False
            )
            session.query(Visit).filter(Visit.id == 1).update({"note": "x"})
            session.execute(sa.delete(Setting.__table__))
            with Session(bind=bind) as other:
                other.query(Setting).filter_by(key="x").delete()
            Maker = sessionmaker()
            third = Maker(bind=bind)
            third.query(Visit).delete()
            {}.get("x").delete()  # not a session
        """
    )
    result = lint()
    assert found(result) == [
        (17, 5, "destructive-sql", "Setting", None, "error"),
        (18, 5, "destructive-sql", "Visit", None, "error"),
        (22, 5, "destructive-sql", None, None, "error"),
        (24, 9, "destructive-sql", "Setting", None, "error"),
        (27, 5, "destructive-sql", "Visit", None, "error"),
    ]
    message = result.findings[0].message
    assert "`session.query(...).delete` of `Setting`: deletes the rows" in message


def test_err_one_finding_per_statement_with_its_real_name(tmp_path: Path) -> None:
    """Several DROP CONSTRAINTs on a long table name in one ``op.execute``: one finding
    each, naming the constraint (they used to collapse into one, compared by a message cut
    at 72 characters)."""
    table = "very_long_table_name_of_a_real_project_with_prefixes_and_suffixes"
    names = [f"fk_{table}_column_number_{i}" for i in range(5)]
    statements = "\n".join(f"ALTER TABLE {table} DROP CONSTRAINT {n};" for n in names)
    write, lint = project(tmp_path)
    write(upgrade=f'op.execute("""\n{statements}\n""")')
    result = lint()
    assert found(result) == [(9, 5, "destructive-sql", table, n, "warning") for n in names]
    for name, finding in zip(names, result.findings, strict=True):
        expected = f"`ALTER TABLE {table} DROP CONSTRAINT {name}` drops the constraint"
        assert expected in finding.message


def test_err_several_objects_in_one_drop(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.execute("DROP TABLE a, b; DROP INDEX ix_c; ALTER TABLE d DROP COLUMN e")')
    assert found(lint()) == [
        (9, 5, "destructive-sql", "a", "a", "error"),
        (9, 5, "destructive-sql", "b", "b", "error"),
        (9, 5, "destructive-sql", None, "ix_c", "warning"),
        (9, 5, "destructive-sql", "d", "e", "error"),
    ]


def test_ok_temporary_table_created_in_the_same_string(tmp_path: Path) -> None:
    """A temporary table created earlier in the same SQL string (or an earlier
    ``op.execute``) held nothing that existed before the upgrade; created *after* the drop
    in the same string, it did."""
    write, lint = project(tmp_path)
    write(
        upgrade='''
        op.execute("""
            CREATE TEMPORARY TABLE tmp_ids AS SELECT id FROM visits WHERE note IS NULL;
            UPDATE visits SET note = 'n/a' WHERE id IN (SELECT id FROM tmp_ids);
            DROP TABLE tmp_ids;
            DROP TABLE visits_old;
        """)
        op.execute("CREATE TABLE scratch (id int)")
        op.execute("DROP TABLE IF EXISTS scratch")
        op.execute("DROP TABLE later; CREATE TABLE later (id int)")
        '''
    )
    assert found(lint()) == [
        (9, 5, "destructive-sql", "visits_old", "visits_old", "error"),
        (17, 5, "destructive-sql", "later", "later", "error"),
    ]
