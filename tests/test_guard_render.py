"""The guard op as written into a revision, and as offline ``--sql``: exact text, then run.

Render-and-run: the ``op.preflight(...)`` block a revision holds is compared line by line,
then the revision is executed twice (the guards pass, the second run is a no-op). Offline:
PostgreSQL gets a ``DO`` block per check that raises when the count is not 0 (executed here
against violating data, it aborts); MariaDB gets a marked comment and the counting SELECT
(executed here, it returns the count).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DIALECTS, Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision
from test_guards import MODELS as TIGHTEN_MODELS
from test_guards import build as build_tighten
from test_guards import without_version_table
from test_guards_scenario import build as build_scenario
from test_guards_scenario import project_for

EXPECTED_OP = """\
    # alembic-additive: the data this upgrade relies on is checked first, on the database it runs on; if a check fails, nothing is changed
    op.preflight(
        {'kind': 'empty', 'table': 'events', 'column': 'kind'},
        {'kind': 'check', 'table': 'orders', 'condition': 'qty > 0', 'name': 'ck_orders_qty'},
        {'kind': 'no-null', 'table': 'tags', 'column': 'label'},
        {'kind': 'unique', 'table': 'users', 'columns': ['nickname'], 'name': 'ix_users_nickname'},
        {'kind': 'unique', 'table': 'users', 'columns': ['email'], 'name': 'uq_users_email'},
        {'kind': 'unique', 'table': 'users', 'columns': ['token'], 'name': 'uq_users_token', 'added': ['token']},
        {'kind': 'empty', 'table': 'users', 'column': 'token', 'max_rows': 1},
        {'kind': 'foreign-key', 'table': 'posts', 'columns': ['user_id'], 'referent': 'users', 'referent_columns': ['id'], 'name': 'fk_posts_user_id'},
    )
"""


def preflight_block(upgrade: str) -> str:
    lines = upgrade.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "alembic-additive: the data" in line)
    end = next(i for i in range(start, len(lines)) if lines[i] == "    )\n")
    return "".join(lines[start : end + 1])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_guard_op_renders_exactly_and_runs(
    make_database: Any, tmp_path: Path, dialect: str
) -> None:
    db: Database = make_database(dialect)
    build_scenario(db.engine, production=False)
    project = project_for(tmp_path / "project", db)
    alembic(project, "revision", "--autogenerate", "-m", "constraints")
    revision = only_revision(project)
    upgrade = function_source(revision, "upgrade")
    assert preflight_block(upgrade + "\n") == EXPECTED_OP
    # after the findings comments (none here), before any operation
    body = [line for line in upgrade.splitlines() if not line.lstrip().startswith(("#", '"""'))]
    assert body[0] == "    op.preflight("
    assert "import alembic_additive.operations" in revision.read_text()

    before = dump(db.engine)
    alembic(project, "upgrade", "head")
    assert_preserved(without_version_table(before), dump(db.engine))
    after = dump(db.engine)
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert dump(db.engine) == after
    alembic(project, "check")


def offline_guards(project: Path) -> str:
    """The guard part of ``alembic upgrade head --sql``: after the revision's header line,
    up to its first DDL statement."""
    out = alembic(project, "upgrade", "head", "--sql").stdout
    start = out.index("-- Running upgrade")
    start = out.index("\n", start) + 1
    end = out.index("ALTER TABLE", start)
    return out[start:end].strip() + "\n"


EXPECTED_PG = """\
DO $alembic_additive$
DECLARE n bigint;
BEGIN
    n := (SELECT count(*) AS count_1 FROM e);
    IF n > 0 THEN
        RAISE EXCEPTION 'alembic-additive: refusing to upgrade: e: % row(s), but this upgrade adds e.qty NOT NULL without a server default (the table was empty when the revision was written); delete the rows, or give the column a server default and regenerate the revision, then rerun', n;
    END IF;
END $alembic_additive$;

DO $alembic_additive$
DECLARE n bigint;
BEGIN
    n := (SELECT count(*) AS count_1 FROM t WHERE t.code IS NULL);
    IF n > 0 THEN
        RAISE EXCEPTION 'alembic-additive: refusing to upgrade: t.code: % NULL value(s), but this upgrade makes the column NOT NULL; fill them in (or delete those rows), then rerun', n;
    END IF;
END $alembic_additive$;
"""

EXPECTED_MARIADB = """\
-- alembic-additive guard (empty): e is empty (qty is added NOT NULL without a default)
-- the SELECT below must return 0; if it does not, STOP: fix the data before running the rest of this script (this dialect cannot abort it by itself)
SELECT count(*) AS count_1 FROM e;

-- alembic-additive guard (no-null): t.code holds no NULL (it becomes NOT NULL)
-- the SELECT below must return 0; if it does not, STOP: fix the data before running the rest of this script (this dialect cannot abort it by itself)
SELECT count(*) AS count_1 FROM t WHERE t.code IS NULL;
"""


def test_offline_sql_postgresql_aborts(make_database: Any, tmp_path: Path) -> None:
    db: Database = make_database("postgresql")
    build_tighten(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, TIGHTEN_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "tighten")
    sql = offline_guards(project)
    assert sql == EXPECTED_PG

    blocks = sql.split(";\n\n")
    with db.engine.begin() as conn:  # the data still satisfies the checks: no exception
        for block in blocks:
            conn.exec_driver_sql(block.rstrip(";\n").replace("%", "%%"))
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t (id, code) VALUES (3, NULL)"))
    with pytest.raises(sa.exc.DBAPIError) as raised, db.engine.begin() as conn:
        for block in blocks:
            conn.exec_driver_sql(block.rstrip(";\n").replace("%", "%%"))
    message = str(raised.value.orig)
    assert "alembic-additive: refusing to upgrade: t.code: 1 NULL value(s)" in message


def test_offline_sql_mariadb_comment_and_select(make_database: Any, tmp_path: Path) -> None:
    db: Database = make_database("mysql")
    build_tighten(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, TIGHTEN_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "tighten")
    sql = offline_guards(project)
    assert sql == EXPECTED_MARIADB

    selects = re.findall(r"^SELECT .*;$", sql, re.MULTILINE)
    assert len(selects) == 2
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t (id, code) VALUES (3, NULL)"))
        conn.execute(sa.text("INSERT INTO e (id) VALUES (1), (2)"))
    with db.engine.connect() as conn:
        counts = [conn.exec_driver_sql(s.rstrip(";")).scalar() for s in selects]
    assert counts == [2, 1]
