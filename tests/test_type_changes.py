"""Type changes are proved on the dialect's real semantics, or measured, never guessed (issue 10).

Each test reproduces one case through the real ``alembic`` command line and compares every
row and value before and after (``helpers.dump``): MariaDB's text family (limits in bytes,
JSON stored as LONGTEXT), MariaDB charsets, DOUBLE vs FLOAT(53), PostgreSQL CHAR padding,
SQLite's batch copy (CAST, affinity) and its INTEGER PRIMARY KEY rowid alias.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision
from sqlalchemy.dialects import mysql

SESSION_MODE_MARKER = "    with connectable.connect() as connection:\n"


def set_session_sql_mode(project: Path, mode: str) -> None:
    """Every connection of the project's env.py runs with this session ``sql_mode``."""
    env = project / "migrations" / "env.py"
    text = env.read_text()
    assert SESSION_MODE_MARKER in text
    env.write_text(
        text.replace(
            SESSION_MODE_MARKER,
            SESSION_MODE_MARKER
            + f"        connection.exec_driver_sql(\"SET SESSION sql_mode = '{mode}'\")\n"
            + "        connection.commit()\n",
        )
    )


def without_version_table(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "alembic_version"}


def upgrade_of(project: Path) -> str:
    return function_source(only_revision(project), "upgrade")


def statements(upgrade: str) -> str:
    """The upgrade without the findings comment block: what it will actually run."""
    return upgrade.split("### end alembic-additive ###")[-1]


def assert_check_clean(project: Path) -> None:
    result = alembic(project, "check", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


BIG = "x" * 100_000  # bytes: over TEXT's 65,535

MARIADB_TEXT_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

docs = sa.Table(
    "docs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("medium", sa.Text),
    sa.Column("big", sa.Text),
    sa.Column("payload", sa.Text),
)
"""


@pytest.mark.parametrize("sql_mode", [None, ""], ids=["strict", "sql_mode-empty"])
def test_mariadb_text_family_limits_are_bytes(
    make_database: Any, tmp_path: Path, sql_mode: str | None
) -> None:
    """MEDIUMTEXT/LONGTEXT/JSON (LONGTEXT on MariaDB) → Text: TEXT holds 65,535 bytes. The
    change is suppressed with the count of values that would not fit; a 100,000-byte value
    survives in strict mode (no failure) and with ``sql_mode=''`` (no silent truncation)."""
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE docs (id INTEGER PRIMARY KEY, medium MEDIUMTEXT, big LONGTEXT, "
                "payload JSON)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO docs VALUES (1, :big, :big, :json), (2, 'a', 'b', '{}')"),
            {"big": BIG, "json": '{"k": "' + BIG + '"}'},
        )
    project = tmp_path / "project"
    make_project(project, db.ini_url, MARIADB_TEXT_MODELS)
    if sql_mode is not None:
        set_session_sql_mode(project, sql_mode)
    before = dump(db.engine)

    alembic(project, "revision", "--autogenerate", "-m", "text")
    upgrade = upgrade_of(project)
    assert "alter_column" not in statements(upgrade)
    for column, old in (("medium", "MEDIUMTEXT"), ("big", "LONGTEXT"), ("payload", "LONGTEXT")):
        line = next(x for x in upgrade.splitlines() if f"docs.{column} type" in x)
        assert f"{old}" in line and "TEXT holds at most 65,535 bytes" in line, line
        assert "1 value(s) would not fit" in line, line
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    with db.engine.connect() as conn:
        lengths = conn.execute(
            sa.text("SELECT octet_length(medium), octet_length(big) FROM docs WHERE id = 1")
        ).one()
    assert tuple(lengths) == (100_000, 100_000)
    assert_check_clean(project)


CHARSET_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100)),
)
"""


DECORATED_CHARSET_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()


class Name(sa.types.TypeDecorator):
    impl = sa.String
    cache_ok = True


people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", Name(100)),
)
"""


@pytest.mark.parametrize(
    ("sql_mode", "models"),
    [
        pytest.param(None, CHARSET_MODELS, id="strict"),
        pytest.param("", CHARSET_MODELS, id="sql_mode-empty"),
        pytest.param("", DECORATED_CHARSET_MODELS, id="type-decorator-sql_mode-empty"),
    ],
)
def test_mariadb_widening_keeps_the_column_charset(
    make_database: Any, tmp_path: Path, sql_mode: str | None, models: str
) -> None:
    """A utf8mb4 VARCHAR(50) in a latin1 table, model String(100): the kept MODIFY carries
    the column's charset and collation, so '山田太郎' survives (it would fail with 1366 in
    strict mode and become '????' with ``sql_mode=''``)."""
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE people (id INTEGER PRIMARY KEY, "
                "name VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci) "
                "CHARACTER SET latin1"
            )
        )
        conn.execute(sa.text("INSERT INTO people VALUES (1, '山田太郎'), (2, 'Ann')"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, models)
    if sql_mode is not None:
        set_session_sql_mode(project, sql_mode)
    before = dump(db.engine)

    alembic(project, "revision", "--autogenerate", "-m", "widen")
    upgrade = statements(upgrade_of(project))
    assert "alter_column" in upgrade
    assert "charset='utf8mb4'" in upgrade and "collation='utf8mb4_unicode_ci'" in upgrade
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    with db.engine.connect() as conn:
        name = conn.execute(sa.text("SELECT name FROM people WHERE id = 1")).scalar_one()
        charset, collation, length = conn.execute(
            sa.text(
                "SELECT character_set_name, collation_name, character_maximum_length "
                "FROM information_schema.columns WHERE table_schema = DATABASE() "
                "AND table_name = 'people' AND column_name = 'name'"
            )
        ).one()
    assert name == "山田太郎"
    assert (charset, collation, length) == ("utf8mb4", "utf8mb4_unicode_ci", 100)
    assert_check_clean(project)


LATIN1_MODELS = """import sqlalchemy as sa
from sqlalchemy.dialects import mysql

metadata = sa.MetaData()

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", mysql.VARCHAR(100, charset="latin1", collation="latin1_bin")),
)
"""


def test_mariadb_charset_conversion_is_measured(make_database: Any, tmp_path: Path) -> None:
    """The model names latin1 for a utf8mb4 column: '山田太郎' cannot be converted, so the
    change is suppressed with a count; once only convertible values are left it is kept,
    and a value written after the revision makes the upgrade refuse (``sql_mode=''``, where
    MariaDB would otherwise store '????')."""
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE people (id INTEGER PRIMARY KEY, "
                "name VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin) CHARACTER SET latin1"
            )
        )
        conn.execute(sa.text("INSERT INTO people VALUES (1, '山田太郎'), (2, 'José')"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, LATIN1_MODELS)
    set_session_sql_mode(project, "")
    before = dump(db.engine)

    alembic(project, "revision", "--autogenerate", "-m", "latin1")
    upgrade = upgrade_of(project)
    assert "alter_column" not in statements(upgrade)
    line = next(x for x in upgrade.splitlines() if "people.name type" in x)
    assert "converts utf8mb4 to latin1" in line and "1 value(s) would change" in line, line
    alembic(project, "upgrade", "head")
    assert_preserved(before, dump(db.engine))

    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM people WHERE id = 1"))
    alembic(project, "stamp", "base")
    for revision in (project / "migrations" / "versions").glob("*.py"):
        revision.unlink()
    alembic(project, "revision", "--autogenerate", "-m", "latin1 again")
    upgrade = upgrade_of(project)
    assert "alter_column" in statements(upgrade)
    assert "'test': 'charset'" in upgrade and "'detail': 'latin1'" in upgrade

    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO people VALUES (3, '山田太郎')"))
    drifted = dump(db.engine)
    refused = alembic(project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "people.name: 1 value(s) with characters the new character set cannot hold" in output
    assert without_version_table(dump(db.engine)) == without_version_table(drifted)

    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM people WHERE id = 3"))
    fixed = dump(db.engine)
    alembic(project, "upgrade", "head")
    assert_preserved(without_version_table(fixed), dump(db.engine))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM people")).scalar_one() == "José"
        assert (
            conn.execute(
                sa.text(
                    "SELECT character_set_name FROM information_schema.columns WHERE "
                    "table_schema = DATABASE() AND table_name = 'people' AND column_name = 'name'"
                )
            ).scalar_one()
            == "latin1"
        )


FLOAT_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

readings = sa.Table(
    "readings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.Float(53)),
    sa.Column("other", sa.Double),
)
"""


def test_mariadb_double_and_float53_are_the_same_type(make_database: Any, tmp_path: Path) -> None:
    """FLOAT(53) *is* DOUBLE on MariaDB: no operation, no finding, ``alembic check`` clean."""
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE readings (id INTEGER PRIMARY KEY, value DOUBLE, other FLOAT(53))")
        )
        conn.execute(sa.text("INSERT INTO readings VALUES (1, 0.1, 1e300)"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, FLOAT_MODELS)
    before = dump(db.engine)
    assert_check_clean(project)
    alembic(project, "revision", "--autogenerate", "-m", "nothing")
    upgrade = upgrade_of(project)
    assert "alter_column" not in upgrade
    assert "readings" not in upgrade  # not even a finding
    alembic(project, "upgrade", "head")
    assert_preserved(before, dump(db.engine))


CHAR_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

codes = sa.Table(
    "codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(10)),
)
"""


def test_postgresql_char_padding_is_measured(make_database: Any, tmp_path: Path) -> None:
    """CHAR(5) → String(10) on PostgreSQL turns 'ab   ' into 'ab': with such a value the
    change is suppressed, with a count, and the value stays."""
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE codes (id INTEGER PRIMARY KEY, code CHAR(5))"))
        conn.execute(sa.text("INSERT INTO codes VALUES (1, 'ab'), (2, 'abcde'), (3, NULL)"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, CHAR_MODELS)
    before = dump(db.engine)
    assert ("'ab   '",) in {r[1:] for r in before["codes"]["rows"]}

    alembic(project, "revision", "--autogenerate", "-m", "char")
    upgrade = upgrade_of(project)
    assert "alter_column" not in statements(upgrade)
    line = next(x for x in upgrade.splitlines() if "codes.code type" in x)
    assert "CHAR padding" in line and "1 value(s) would change" in line, line
    alembic(project, "upgrade", "head")
    assert_preserved(before, dump(db.engine))


def test_postgresql_char_without_padding_is_kept_and_reproved(
    make_database: Any, tmp_path: Path
) -> None:
    """Only full-width values: the change is kept, with a ``type-fits`` guard; a padded
    value written after the revision makes the upgrade refuse, changing nothing."""
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE codes (id INTEGER PRIMARY KEY, code CHAR(5))"))
        conn.execute(sa.text("INSERT INTO codes VALUES (1, 'abcde'), (2, NULL)"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, CHAR_MODELS)

    alembic(project, "revision", "--autogenerate", "-m", "char")
    upgrade = upgrade_of(project)
    assert "alter_column" in statements(upgrade)
    assert "'kind': 'type-fits'" in upgrade and "'test': 'padded'" in upgrade
    assert upgrade.index("op.preflight(") < statements(upgrade).index("alter_column") + (
        len(upgrade) - len(statements(upgrade))
    )

    offline = alembic(project, "upgrade", "head", "--sql").stdout
    assert "DO $alembic_additive$" in offline
    assert "char_length(rtrim(CAST(codes.code AS TEXT))) < 5" in " ".join(offline.split())

    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO codes VALUES (3, 'ab')"))
    before = dump(db.engine)
    refused = alembic(project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "codes.code: 1 value(s) that would lose or gain CHAR padding" in output
    assert "Traceback" not in output
    assert without_version_table(dump(db.engine)) == without_version_table(before)

    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM codes WHERE id = 3"))
    fixed = dump(db.engine)
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")  # the guard on a column that is VARCHAR already
    assert_preserved(without_version_table(fixed), dump(db.engine))
    code = sa.inspect(db.engine).get_columns("codes")[1]["type"]
    assert (type(code), code.length) == (sa.VARCHAR, 10)


NUMERIC_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

amounts = sa.Table(
    "amounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("qty", sa.Numeric(20, 0)),
)
"""


def test_sqlite_integer_to_numeric_keeps_text_values(make_database: Any, tmp_path: Path) -> None:
    """SQLite INTEGER column holding '' and 'n/a' (flexible typing), model Numeric(20,0):
    the batch copy's CAST would make them 0, so the change is suppressed with a count."""
    db: Database = make_database("sqlite")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE amounts (id INTEGER NOT NULL PRIMARY KEY, qty INTEGER)"))
        conn.execute(sa.text("INSERT INTO amounts VALUES (1, 5), (2, ''), (3, 'n/a'), (4, NULL)"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, NUMERIC_MODELS)
    before = dump(db.engine)
    assert {r[1] for r in before["amounts"]["rows"]} == {"5", "''", "'n/a'", "None"}

    alembic(project, "revision", "--autogenerate", "-m", "numeric")
    upgrade = upgrade_of(project)
    assert "alter_column" not in statements(upgrade)
    line = next(x for x in upgrade.splitlines() if "amounts.qty type" in x)
    assert "2 value(s) would change" in line, line
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert dump(db.engine)["amounts"] == before["amounts"]


def test_sqlite_integer_to_numeric_is_reproved_at_upgrade(
    make_database: Any, tmp_path: Path
) -> None:
    """Only integers: kept with a ``type-fits`` guard; an 'n/a' written after the revision
    makes the upgrade refuse before the table is rebuilt."""
    db: Database = make_database("sqlite")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE amounts (id INTEGER NOT NULL PRIMARY KEY, qty INTEGER)"))
        conn.execute(sa.text("INSERT INTO amounts VALUES (1, 5), (2, NULL)"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, NUMERIC_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "numeric")
    upgrade = upgrade_of(project)
    assert "'kind': 'type-fits'" in upgrade and "'test': 'sqlite_copy'" in upgrade
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO amounts VALUES (3, 'n/a')"))
    before = dump(db.engine)
    refused = alembic(project, "upgrade", "head", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "amounts.qty: 1 value(s) that SQLite would convert" in output
    assert dump(db.engine) == before

    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM amounts WHERE id = 3"))
    fixed = dump(db.engine)
    alembic(project, "upgrade", "head")
    alembic(project, "stamp", "base")
    alembic(project, "upgrade", "head")
    assert_preserved(without_version_table(fixed), dump(db.engine))
    with db.engine.begin() as conn:
        declared = conn.execute(
            sa.text("SELECT type FROM pragma_table_info('amounts') WHERE name = 'qty'")
        ).scalar_one()
        conn.execute(sa.text("INSERT INTO amounts (qty) VALUES (7)"))  # rowid alias kept
        assert conn.execute(sa.text("SELECT max(id) FROM amounts")).scalar_one() == 3
    assert declared == "NUMERIC(20, 0)"


ROWID_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.String(20)),
)
"""


def test_sqlite_integer_primary_key_to_biginteger_is_no_change(
    make_database: Any, tmp_path: Path
) -> None:
    """INTEGER PRIMARY KEY → BigInteger: SQLite stores both alike, and a rebuild to BIGINT
    would lose the rowid alias (inserts without an id then fail). No operation, check clean."""
    db: Database = make_database("sqlite")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, kind VARCHAR(20))")
        )
        conn.execute(sa.text("INSERT INTO events (kind) VALUES ('a'), ('b')"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, ROWID_MODELS)
    before = dump(db.engine)
    assert_check_clean(project)
    alembic(project, "revision", "--autogenerate", "-m", "nothing")
    assert "alter_column" not in upgrade_of(project)
    alembic(project, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO events (kind) VALUES ('c')"))
        ids = conn.execute(sa.text("SELECT id FROM events ORDER BY id")).scalars().all()
    assert ids == [1, 2, 3]


def test_mysql_types_render_with_their_charset() -> None:
    """The carried charset is in the rendered type (the revision imports mysql types)."""
    from alembic_additive.types.charset import keep_charset

    kept = keep_charset(
        mysql.VARCHAR(50, charset="utf8mb4", collation="utf8mb4_bin"), sa.String(100)
    )
    assert repr(kept) == "VARCHAR(charset='utf8mb4', collation='utf8mb4_bin', length=100)"
    assert keep_charset(mysql.VARCHAR(50), sa.String(100)).__class__ is sa.String
    kept_text = keep_charset(mysql.VARCHAR(50, charset="utf8mb4"), sa.Text())
    assert (type(kept_text), kept_text.charset) == (mysql.TEXT, "utf8mb4")  # type: ignore[attr-defined]
    enum = keep_charset(
        mysql.ENUM("a", charset="utf8mb4", collation="utf8mb4_bin"), sa.Enum("a", "b", name="e")
    )
    assert repr(enum) == "ENUM('a', 'b', charset='utf8mb4', collation='utf8mb4_bin')"
    # a charset the model names is the model's (classified as a conversion, measured)
    latin = mysql.VARCHAR(100, charset="latin1")
    assert keep_charset(mysql.VARCHAR(50, charset="utf8mb4"), latin) is latin


def test_audit_reports_a_measured_change(make_database: Any, tmp_path: Path) -> None:
    """``audit`` shows a measured type change as ``measured``, with the count of values that
    would change; suppressed (values would change) it is among the critical findings."""
    import json
    import sys

    from click.testing import CliRunner

    from alembic_additive.cli import main

    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE codes (id INTEGER PRIMARY KEY, code CHAR(5))"))
        conn.execute(sa.text("INSERT INTO codes VALUES (1, 'ab'), (2, 'abcde')"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, CHAR_MODELS)
    ini = str(project / "alembic.ini")
    sys.modules.pop("models", None)
    try:
        result = CliRunner().invoke(main, ["audit", "-c", ini, "--format", "json"])
        markdown = CliRunner().invoke(main, ["audit", "-c", ini, "--format", "markdown"])
    finally:
        sys.modules.pop("models", None)
    assert result.exit_code == 0, result.output
    (mismatch,) = json.loads(result.stdout)["type_mismatches"]
    assert (mismatch["classification"], mismatch["values_not_fitting"]) == ("measured", 1)
    assert mismatch["decision"]["action"] == "suppress"
    assert "**Lossy type change** `codes.code`" in markdown.stdout
