"""Hostile identifiers, end to end: reserved words, quotes, backticks, semicolons, spaces,
unicode, mixed case, newlines and the longest names each dialect allows. Counts stay right
and nothing runs that the user did not write."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision

from alembic_additive.cli import main
from alembic_additive.operations._support import printable

TABLE = "select"
OTHER = 'Größe "Tab"; --'


def hostile_columns(dialect: str) -> list[str]:
    longest = 63 if dialect == "postgresql" else 64
    names = ["order", 'weird "col"; DROP TABLE x; --', "größe", "MixedCase", "with space"]
    names.append("L" + "x" * (longest - 1))
    if dialect != "mysql":
        # SQLAlchemy's MySQL reflection returns a backtick in a name doubled ("back``tick"),
        # so no tool built on it can address such a column there; the probe then reports
        # its counts as unknown (tests/test_probe.py) rather than failing.
        names.append("back`tick")
    if dialect != "mysql":  # MySQL/MariaDB identifiers cannot hold a newline
        names.append("x\nimport sys; sys.exit(3)")
    return names


def models_source(extra_column: str) -> str:
    return f"""import sqlalchemy as sa

metadata = sa.MetaData()

t1 = sa.Table({TABLE!r}, metadata, sa.Column("id", sa.Integer, primary_key=True),
              sa.Column({extra_column!r}, sa.String(20), nullable=True))
t2 = sa.Table({OTHER!r}, metadata, sa.Column("id", sa.Integer, primary_key=True))
"""


@pytest.fixture(autouse=True)
def fresh_models_module() -> None:
    sys.modules.pop("models", None)


def test_hostile_identifiers_end_to_end(db: Database, tmp_path: Path) -> None:
    names = hostile_columns(db.dialect)
    md = sa.MetaData()
    t1 = sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        *(sa.Column(n, sa.String(30)) for n in names),
    )
    t2 = sa.Table(
        OTHER,
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("Ünïcode; ok", sa.Integer),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        # column i holds i + 1 values out of 10 rows
        conn.execute(
            t1.insert(),
            [{n: ("v" if r <= i else None) for i, n in enumerate(names)} for r in range(10)],
        )
        conn.execute(t2.insert(), [{"Ünïcode; ok": 1}, {"Ünïcode; ok": None}])
    new_column = 'new "col"; --'
    make_project(tmp_path, db.ini_url, models_source(new_column))
    before = dump(db.engine)

    alembic(tmp_path, "revision", "--autogenerate", "-m", "hostile")
    revision = only_revision(tmp_path)
    compile(revision.read_text(), str(revision), "exec")
    upgrade = function_source(revision, "upgrade")
    for i, name in enumerate(names):
        assert f"# {TABLE}.{printable(name)}: {i + 1} non-null value(s) in 10 rows" in upgrade
    assert f"# {OTHER}.Ünïcode; ok: 1 non-null value(s) in 2 rows" in upgrade
    if db.dialect != "mysql":
        assert "\n    import sys; sys.exit(3)" not in revision.read_text()

    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    after = dump(db.engine)
    assert_preserved(before, after)
    assert new_column in after[TABLE]["columns"]
    assert "No new upgrade operations detected." in alembic(tmp_path, "check").stdout

    sys.modules.pop("models", None)
    result = CliRunner().invoke(
        main, ["audit", "-c", str(tmp_path / "alembic.ini"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    counts = {(c["table"], c["column"]): c["non_null"] for c in report["orphan_columns"]}
    assert counts == {**{(TABLE, n): i + 1 for i, n in enumerate(names)}, (OTHER, "Ünïcode; ok"): 1}
    sys.modules.pop("models", None)
    text = CliRunner().invoke(main, ["audit", "-c", str(tmp_path / "alembic.ini")])
    assert "\x1b" not in text.stdout
    if db.dialect != "mysql":
        assert "x\\nimport sys; sys.exit(3)" in text.stdout
    sys.modules.pop("models", None)
    recovered = CliRunner().invoke(
        main, ["recover", "-c", str(tmp_path / "alembic.ini"), "--style", "core"]
    )
    namespace: dict[str, object] = {}
    exec(compile(recovered.stdout, "recovered.py", "exec"), namespace)
    cols = namespace["RECOVERED_COLUMNS"]
    assert [c.name for c in cols[TABLE]] == sorted(names)  # type: ignore[index]
