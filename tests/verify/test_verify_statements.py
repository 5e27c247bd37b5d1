"""Which values a statement can change (what verify fingerprints before it runs): read from
sqlglot's tokens, never guessed from text; what cannot be read means "anything"."""

from __future__ import annotations

import pytest

from alembic_additive.verify.catalog import sqlite_trigger
from alembic_additive.verify.statements import ALL, body, touched


@pytest.mark.parametrize(
    ("dialect", "statement", "expected"),
    [
        ("postgresql", "UPDATE items SET note = 'x', \"Name\" = upper(name) WHERE id = 1",
         {(None, "items"): {"note", "Name"}}),  # a quoted name keeps its case
        ("postgresql", "ALTER TABLE public.codes ALTER COLUMN code TYPE VARCHAR(10)",
         {("public", "codes"): {"code"}}),
        ("postgresql", "ALTER TABLE t ALTER COLUMN c SET NOT NULL, ADD COLUMN d INTEGER",
         {(None, "t"): set()}),
        ("postgresql", "ALTER TABLE jobs RENAME function_fullname TO job_name",
         {(None, "jobs"): {"function_fullname"}}),
        ("mysql", "ALTER TABLE `docs` MODIFY body TEXT NULL", {(None, "docs"): {"body"}}),
        # a table renamed: every column (compared with the new table's, or a new one of
        # the old name); an index renamed changes no value
        ("postgresql", "ALTER TABLE items RENAME TO items_old", {(None, "items"): ALL}),
        ("mysql", "ALTER TABLE items RENAME AS products", {(None, "items"): ALL}),
        ("mysql", "RENAME TABLE a TO b, s.c TO d", {(None, "a"): ALL, ("s", "c"): ALL}),
        ("postgresql", "ALTER TABLE t RENAME CONSTRAINT a TO b", {(None, "t"): set()}),
        ("mysql", "ALTER TABLE jobs CHANGE function_fullname job_name VARCHAR(200) NULL",
         {(None, "jobs"): {"function_fullname"}}),
        ("mysql", "ALTER TABLE people CONVERT TO CHARACTER SET latin1", {(None, "people"): ALL}),
        ("sqlite", "DROP TABLE stock", {(None, "stock"): ALL}),
        ("sqlite", "INSERT INTO _alembic_tmp_stock (id, qty) SELECT id, qty FROM stock", {}),
        # rows deleted may be inserted again with other values: every column
        ("postgresql", "CREATE INDEX ix ON t (c); DELETE FROM t; TRUNCATE u",
         {(None, "t"): ALL, (None, "u"): ALL}),
        ("postgresql", "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET c = 2",
         {(None, "t"): ALL}),
        ("postgresql", "SELECT 'UPDATE t SET c = 1'", {}),
    ],
)  # fmt: skip
def test_what_a_statement_can_change(
    dialect: str, statement: str, expected: dict[tuple[str | None, str], set[str] | None]
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert found.tables == expected


@pytest.mark.parametrize(
    "statement",
    [
        "DO $$ BEGIN EXECUTE format('UPDATE %I SET c = 1', 't'); END $$",
        "DO LANGUAGE plperl $$ 1 $$",
        # defines a function and runs something in the same block: the catalog is stale
        "DO $$ BEGIN CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'; "
        "PERFORM g(); END $$",
        "MERGE INTO t USING s ON (1=1) WHEN MATCHED THEN UPDATE SET c = 1",
    ],
)
def test_what_cannot_be_read_may_change_anything(statement: str) -> None:
    assert touched(statement, "postgresql") is None


@pytest.mark.parametrize(
    ("dialect", "statement", "tables", "writes"),
    [
        ("postgresql", "UPDATE parent SET code = upper(code)",
         {(None, "parent"): {"code"}}, {(None, "parent"): {"UPDATE"}}),
        ("postgresql", "INSERT INTO t (a) SELECT a FROM s", {}, {(None, "t"): {"INSERT"}}),
        ("postgresql", "DELETE FROM ONLY app.t WHERE id = 1", {("app", "t"): ALL},
         {("app", "t"): {"DELETE"}}),
        ("postgresql", "TRUNCATE TABLE a, b CASCADE", {(None, "a"): ALL, (None, "b"): ALL},
         {(None, "a"): {"TRUNCATE"}, (None, "b"): {"TRUNCATE"}}),
        ("sqlite", "DROP TABLE parent", {(None, "parent"): ALL}, {(None, "parent"): {"DROP"}}),
        ("postgresql", "WITH d AS (DELETE FROM x RETURNING *) INSERT INTO y SELECT * FROM d",
         {(None, "x"): ALL}, {(None, "x"): {"DELETE"}, (None, "y"): {"INSERT"}}),
        ("postgresql", "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET c = 2",
         {(None, "t"): ALL}, {(None, "t"): {"INSERT", "UPDATE"}}),
        # SQLite's conflict clauses: OR REPLACE deletes and re-inserts the row it meets
        ("sqlite", "INSERT OR REPLACE INTO t (id, v) VALUES (1, 2)",
         {(None, "t"): ALL}, {(None, "t"): {"INSERT", "DELETE"}}),
        ("sqlite", "UPDATE OR IGNORE t SET v = 1", {(None, "t"): {"v"}},
         {(None, "t"): {"UPDATE"}}),
        ("postgresql", "ALTER TABLE t ADD COLUMN c INTEGER", {(None, "t"): set()}, {}),
    ],
)  # fmt: skip
def test_what_a_statement_writes(
    dialect: str,
    statement: str,
    tables: dict[tuple[str | None, str], set[str] | None],
    writes: dict[tuple[str | None, str], set[str]],
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert (found.tables, found.writes, found.unknown_writes) == (tables, writes, set())


def test_a_write_to_a_table_not_read_is_an_unknown_write() -> None:
    found = touched("DELETE a FROM parent a JOIN x ON x.id = a.id", "mysql")
    assert found is not None
    assert (found.writes, found.unknown_writes) == ({}, {"DELETE"})


@pytest.mark.parametrize(
    ("dialect", "statement", "redefines"),
    [
        ("postgresql", "CREATE TRIGGER x AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()", True),
        ("postgresql", "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN END $$ "
         "LANGUAGE plpgsql", True),
        ("postgresql", "ALTER TABLE c ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES p (id) "
         "ON DELETE SET NULL", True),
        ("sqlite", "ALTER TABLE _alembic_tmp_t RENAME TO t", True),
        ("sqlite", "PRAGMA foreign_keys=ON", True),
        ("postgresql", "CREATE INDEX ix ON t (c)", False),
        ("postgresql", "ALTER TABLE t ADD COLUMN c INTEGER", False),
        ("postgresql", "UPDATE t SET c = 1", False),
    ],
)  # fmt: skip
def test_what_redefines_triggers_or_foreign_keys(
    dialect: str, statement: str, redefines: bool
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert found.redefines is redefines


def test_a_write_after_a_redefinition_in_the_same_string_is_flagged() -> None:
    found = touched(
        "CREATE TRIGGER x AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f(); UPDATE t SET c = 1",
        "postgresql",
    )
    assert found is not None and found.writes_after_redefining
    before = touched("UPDATE t SET c = 1; CREATE TRIGGER x AFTER UPDATE ON t EXECUTE FUNCTION f()",
                     "postgresql")  # fmt: skip
    assert before is not None and before.redefines and not before.writes_after_redefining


@pytest.mark.parametrize(
    ("dialect", "source", "tables", "writes"),
    [
        # MariaDB compound body; REPLACE() and INSERT() are string functions there
        ("mysql", "BEGIN IF NEW.a > 0 THEN UPDATE b SET x = 1; END IF; "
         "SET NEW.y = REPLACE(NEW.y, 'a', 'b'); "
         "INSERT INTO log (m) VALUES (INSERT('abc', 1, 1, 'x')); END",
         {(None, "b"): {"x"}}, {(None, "b"): {"UPDATE"}, (None, "log"): {"INSERT"}}),
        # PL/pgSQL: FOR UPDATE, DO UPDATE and NEW := are not statements of their own
        ("postgresql", "BEGIN UPDATE mirror SET v = 'UPDATE x SET y = 1'; "
         "PERFORM 1 FROM t FOR UPDATE; "
         "INSERT INTO a VALUES (1) ON CONFLICT (id) DO UPDATE SET v = 2; "
         "NEW.x := 1; RETURN NEW; END",
         {(None, "mirror"): {"v"}, (None, "a"): ALL},
         {(None, "mirror"): {"UPDATE"}, (None, "a"): {"INSERT", "UPDATE"}}),
        ("postgresql", "DECLARE r record; BEGIN FOR r IN SELECT * FROM c LOOP "
         "DELETE FROM d WHERE id = r.id; END LOOP; "
         "WITH u AS (UPDATE e SET z = 1 RETURNING 1) SELECT 1 INTO r; RETURN NULL; END",
         {(None, "d"): ALL, (None, "e"): {"z"}},
         {(None, "d"): {"DELETE"}, (None, "e"): {"UPDATE"}}),
        ("postgresql", "BEGIN RAISE NOTICE 'DELETE FROM x'; RETURN NEW; END", {}, {}),
    ],
)  # fmt: skip
def test_what_a_trigger_body_can_change(
    dialect: str,
    source: str,
    tables: dict[tuple[str | None, str], set[str] | None],
    writes: dict[tuple[str | None, str], set[str]],
) -> None:
    found = body(source, dialect)
    assert found is not None
    assert (found.tables, found.writes) == (tables, writes)


@pytest.mark.parametrize(
    ("dialect", "source"),
    [
        ("postgresql", "BEGIN EXECUTE format('UPDATE %I SET x = 1', TG_TABLE_NAME); END"),
        ("mysql", "REPLACE INTO t (id) VALUES (NEW.id)"),
    ],
)
def test_a_trigger_body_that_cannot_be_read_may_change_anything(dialect: str, source: str) -> None:
    assert body(source, dialect) is None


@pytest.mark.parametrize(
    ("dialect", "statement", "calls", "procedures"),
    [
        ("postgresql", "SELECT archive_and_trim()", {(None, "archive_and_trim")}, set()),
        ("postgresql", "UPDATE t SET a = a WHERE app.f(id) AND \"Odd\"(1)",
         {("app", "f"), (None, "odd")}, set()),
        # the INSERT target's column list is not a call; pg_catalog's functions are built in
        ("postgresql", "INSERT INTO log (a) SELECT g() FROM pg_catalog.now()",
         {(None, "g")}, set()),
        ("postgresql", "SELECT 'f()', $$g()$$", set(), set()),
        ("postgresql", "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT f()", {(None, "f")}, set()),
        ("postgresql", "CREATE TABLE t AS SELECT f()", {(None, "f")}, set()),
        # defined, not run
        ("postgresql", "CREATE TABLE t (id INTEGER DEFAULT f())", set(), set()),
        ("postgresql", "CREATE TRIGGER x AFTER UPDATE ON t EXECUTE FUNCTION f()", set(), set()),
        ("postgresql", "CREATE VIEW v AS SELECT f()", set(), set()),
        ("postgresql", "DROP FUNCTION f(integer)", set(), set()),
        ("postgresql", "CALL fix_everything()", {(None, "fix_everything")},
         {(None, "fix_everything")}),
        ("mysql", "CALL p", set(), {(None, "p")}),
        ("mysql", "CALL app.`P q`('a;b', g(1))", {("app", "p q"), (None, "g")},
         {("app", "p q")}),
        ("mysql", "SELECT `f`(1), concat('x', 'y')", {(None, "f"), (None, "concat")}, set()),
        ("mysql", "DO f(1)", {(None, "f")}, set()),
        # reserved words are not calls, unless quoted or qualified
        ("postgresql", "ALTER TABLE t ADD c VARCHAR(10) CHECK (c IN ('a')) DEFAULT f()",
         {(None, "f")}, set()),
        ("postgresql", "SELECT \"check\"(1), app.check(2)", {(None, "check"), ("app", "check")},
         set()),
        ("postgresql", "CREATE INDEX ix ON app.t USING btree (f(c))", {(None, "f")}, set()),
    ],
)  # fmt: skip
def test_what_a_statement_calls(
    dialect: str,
    statement: str,
    calls: set[tuple[str | None, str]],
    procedures: set[tuple[str | None, str]],
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert (found.calls, found.procedures) == (calls, procedures)


def test_what_a_routine_body_calls() -> None:
    found = body(
        "BEGIN PERFORM g(1); CALL p(); x := h('k()'); UPDATE t SET a = 1; RETURN NULL; END",
        "postgresql",
    )
    assert found is not None
    assert (found.calls, found.procedures) == (
        {(None, "g"), (None, "h"), (None, "p")},
        {(None, "p")},
    )
    assert found.tables == {(None, "t"): {"a"}}
    mysql = body("BEGIN CALL fix_everything(); END", "mysql")  # was: anything
    assert mysql is not None and mysql.procedures == {(None, "fix_everything")}


def test_a_call_after_a_redefinition_in_the_same_string_is_flagged() -> None:
    found = touched(
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT 1'; SELECT f()", "postgresql"
    )
    assert found is not None and found.writes_after_redefining


def test_sqlite_trigger_text() -> None:
    events, found = sqlite_trigger(
        'CREATE TRIGGER "update" AFTER UPDATE OF a ON "begin" WHEN NEW.a > 0 BEGIN '
        "UPDATE b SET x = 1 WHERE id = NEW.id; INSERT INTO c VALUES (1); END"
    )
    assert events == {"UPDATE"}
    assert found is not None
    assert (found.tables, found.writes) == (
        {(None, "b"): {"x"}},
        {(None, "b"): {"UPDATE"}, (None, "c"): {"INSERT"}},
    )
    events, found = sqlite_trigger(
        "CREATE TRIGGER t BEFORE DELETE ON p BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    assert (events, found is not None and found.tables) == ({"DELETE"}, {})


@pytest.mark.parametrize(
    ("statement", "tables", "calls"),
    [
        ("DO $$ BEGIN UPDATE items SET name = 'z' WHERE id = 3; END $$",
         {(None, "items"): {"name"}}, set()),
        ("DO LANGUAGE plpgsql 'BEGIN PERFORM app.archive(); END'", {}, {("app", "archive")}),
        # the usual guarded DDL: a redefinition that runs nothing (the trigger's function
        # is defined, not called)
        ("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'x') THEN "
         "CREATE TRIGGER x AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f(); END IF; END $$",
         {}, set()),
    ],
)  # fmt: skip
def test_a_postgresql_do_block_is_read_like_a_function_body(
    statement: str,
    tables: dict[tuple[str | None, str], set[str] | None],
    calls: set[tuple[str | None, str]],
) -> None:
    found = touched(statement, "postgresql")
    assert found is not None
    assert (found.tables, found.calls) == (tables, calls)
    assert found.redefines is ("TRIGGER" in statement)


@pytest.mark.parametrize(
    ("dialect", "statement", "reads"),
    [
        ("postgresql", "SELECT * FROM app.v2 WHERE x = 1",
         {(None, "app"), (None, "v2"), ("app", "v2"), (None, "x")}),
        ("postgresql", "REFRESH MATERIALIZED VIEW CONCURRENTLY mv", {(None, "mv")}),
        # definitions and DDL read no view
        ("postgresql", "CREATE VIEW v AS SELECT * FROM w", set()),
        ("postgresql", "ALTER TABLE t ADD COLUMN c INTEGER", set()),
        ("postgresql", "CREATE INDEX ix ON t (c)", set()),
        ("mysql", "SELECT `v`.`a` FROM `db`.`v`", {(None, "v"), (None, "a"), (None, "db"),
                                                 ("v", "a"), ("db", "v")}),
    ],
)  # fmt: skip
def test_the_names_a_statement_may_read(
    dialect: str, statement: str, reads: set[tuple[str | None, str]]
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert found.reads - {(None, "materialized"), (None, "concurrently")} == reads


@pytest.mark.parametrize(
    ("statement", "rewrites", "attaches"),
    [
        ("ALTER TABLE t ALTER COLUMN c TYPE BIGINT", {(None, "t")}, set()),
        ("ALTER TABLE t VALIDATE CONSTRAINT ck", {(None, "t")}, set()),
        ("ALTER TABLE t ALTER COLUMN c SET NOT NULL, ADD COLUMN d INTEGER", set(), set()),
        ("ALTER TABLE t ALTER COLUMN c SET DEFAULT app.f()", set(), {("app", "f")}),
        ("CREATE TABLE t (a INTEGER DEFAULT f(), b VARCHAR(10))", set(), {(None, "f")}),
        ("CREATE INDEX ix ON t (g(c))", set(), {(None, "g")}),
        ("CREATE VIEW v AS SELECT f()", set(), set()),
    ],
)  # fmt: skip
def test_rewrites_and_attached_functions(
    statement: str, rewrites: set[tuple[str | None, str]], attaches: set[tuple[str | None, str]]
) -> None:
    found = touched(statement, "postgresql")
    assert found is not None
    assert (found.rewrites, found.attaches) == (rewrites, attaches)


@pytest.mark.parametrize(
    ("dialect", "statement", "writes", "calls"),
    [
        # EXPLAIN ANALYZE and MariaDB's ANALYZE run the statement; EXPLAIN alone does not
        ("postgresql", "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET c = f()",
         {(None, "t"): {"UPDATE"}}, {(None, "f")}),
        ("postgresql", "EXPLAIN SELECT f()", {}, set()),
        ("mysql", "ANALYZE UPDATE t SET c = 1", {(None, "t"): {"UPDATE"}}, set()),
        ("mysql", "ANALYZE TABLE t", {}, set()),
    ],
)  # fmt: skip
def test_explain_analyze_runs_its_statement(
    dialect: str,
    statement: str,
    writes: dict[tuple[str | None, str], set[str]],
    calls: set[tuple[str | None, str]],
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert (found.writes, found.calls) == (writes, calls)


def test_relations_of_a_mariadb_view_definition() -> None:
    from alembic_additive.verify.sqlnames import relations, tokenize

    tokens = tokenize(
        "select `d`.`t`.`id` AS `id`,(select max(`x`) from `d`.`u`) AS `m` "
        "from ((`d`.`t` join `d`.`v` on(`d`.`v`.`id` = `d`.`t`.`id`)) "
        "join (select `w`.`a` AS `a` from `e`.`w`) `s`), `d`.`z` where `f`(`d`.`t`.`id`)",
        "mysql",
    )
    assert tokens is not None
    assert relations(tokens) == {("d", "t"), ("d", "u"), ("d", "v"), ("e", "w"), ("d", "z")}
