"""Suggestions paste and run: the model code in the revision's comments (and from ``recover``)
is pasted into the models as written, ``create_all`` builds it on a new database, and plain
Alembic's ``alembic check`` against the drifted database then finds nothing to change; the
rename hints, followed as written, keep every value through upgrade and downgrade.

In the style of sqlacodegen's validate_code tests, on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import (
    alembic,
    assert_preserved,
    dump,
    function_source,
    make_project,
    only_revision,
)

from alembic_additive.model_code import attribute_name, portable_type

# --- the drifted database: keywords, reserved names, a unique constraint and its index ------


def build_drift(engine: sa.Engine) -> None:
    md = sa.MetaData()
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=True),
        sa.Column("from", sa.String(50), nullable=True),  # a Python keyword
        sa.Column("metadata", sa.Integer, nullable=True),  # reserved by Declarative
    )
    ledger = sa.Table(
        "ledger",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class", sa.String(30), nullable=False),
        sa.Column("amount", sa.Integer, nullable=True),
        sa.Column("registry", sa.Text, nullable=True),
        sa.UniqueConstraint("class", name="uq_ledger_class"),
        sa.Index("ix_ledger_amount", "amount"),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            accounts.insert(),
            [{"name": "a", "from": "x", "metadata": 1}, {"name": "b", "from": None, "metadata": 2}],
        )
        conn.execute(
            ledger.insert(),
            [
                {"class": "c1", "amount": 5, "registry": "r"},
                {"class": "c2", "amount": None, "registry": None},
            ],
        )


CORE_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=True),
    # COLUMNS
)
# TABLES
"""

DECLARATIVE_MODELS = """from __future__ import annotations

import datetime
import decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Model(DeclarativeBase):
    pass


class Account(Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(50), nullable=True)
    # COLUMNS


# TABLES

metadata = Model.metadata
"""


def types(dialect: str) -> dict[str, str]:
    """How reflected types are suggested: MariaDB's dialect types become portable ones;
    the SQL-standard ``sa.VARCHAR`` SQLite and PostgreSQL reflect is portable already."""
    if dialect == "mysql":
        return {
            "str50": "sa.String(length=50)",
            "int": "sa.Integer()",
            "text": "sa.Text()",
            "str30": "sa.String(length=30)",
        }
    return {
        "str50": "sa.VARCHAR(length=50)",
        "int": "sa.INTEGER()",
        "text": "sa.TEXT()",
        "str30": "sa.VARCHAR(length=30)",
    }


def comment_block(upgrade: str) -> list[str]:
    """The findings block, without the leading ``# `` of each comment line."""
    lines = [ln.strip() for ln in upgrade.splitlines() if ln.strip().startswith("#")]
    return [ln[2:] if ln.startswith("# ") else ln[1:] for ln in lines]


def section(block: list[str], title: str) -> list[str]:
    """The lines under a section title, up to the next unindented title line."""
    start = block.index(title) + 1
    out = []
    for line in block[start:]:
        if line.endswith(":") and not line.startswith(" ") and "—" not in line and "->" not in line:
            break
        if line.startswith("###"):
            break
        out.append(line)
    return out


def suggestions(block: list[str]) -> tuple[list[str], list[str], str, list[str]]:
    """(Core columns, declarative columns, table code, imports) from the comment block."""
    columns = section(block, "Orphan columns holding data (in the database, not in your models):")
    core = [
        ln.split("add to your model: ", 1)[1] for ln in columns if " — add to your model: " in ln
    ]
    mapped = [ln.split("or, declarative: ", 1)[1] for ln in columns if "or, declarative: " in ln]
    tables = section(block, "Orphan tables (in the database, not in your models):")
    assert tables[0] == "ledger: 2 row(s) — add to your models:", tables
    code = "\n".join(ln[4:] for ln in tables[1:])
    imports = (
        section(block, "The model code above needs:")
        if "The model code above needs:" in block
        else []
    )
    return core, mapped, code, imports


def check_plain(project: Path) -> subprocess.CompletedProcess[str]:
    """``alembic check`` by plain Alembic (the plugin removed from env.py)."""
    env = project / "migrations" / "env.py"
    env.write_text(env.read_text().replace(', "alembic_additive"]', "]"))
    try:
        return alembic(project, "check", check=False)
    finally:
        env.write_text(
            env.read_text().replace(
                '["alembic.autogenerate.*"]', '["alembic.autogenerate.*", "alembic_additive"]'
            )
        )


def create_all(source: str, folder: Path, engine: sa.Engine) -> None:
    """Import the pasted models as a module and build them on ``engine``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pasted_models.py").write_text(source)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import sqlalchemy as sa; "
        "import pasted_models; pasted_models.metadata.create_all(sa.create_engine(sys.argv[2]))"
    )
    url = engine.url.render_as_string(hide_password=False)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(folder), url], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_core_suggestions_paste_create_and_check(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    build_drift(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "drift")
    upgrade = function_source(only_revision(project), "upgrade")
    core, _, table, imports = suggestions(comment_block(upgrade))
    t = types(db.dialect)
    assert sorted(core) == [
        f"sa.Column('from', {t['str50']}, nullable=True)",
        f"sa.Column('metadata', {t['int']}, nullable=True)",
    ]
    assert table.startswith("sa.Table(\n    'ledger',\n    metadata,\n")
    assert table.count("uq_ledger_class") == 1  # the constraint once, not its index too
    assert (
        "sa.UniqueConstraint('class', name='uq_ledger_class')" in table  # reflected as such
        or "sa.Index('uq_ledger_class', 'class', unique=True)" in table  # MySQL: an index
    )
    assert "sa.Index('ix_ledger_amount', 'amount')" in table
    assert "mysql." not in table and "mysql." not in " ".join(core)
    assert imports == []

    models = CORE_MODELS.replace("    # COLUMNS", "".join(f"    {c},\n" for c in core))
    models = models.replace("# TABLES", f"ledger = {table}")
    create_all(models, tmp_path / "fresh", make_database(db.dialect).engine)
    alembic(project, "upgrade", "head")  # the revision holds only the findings
    (project / "models.py").write_text(models)
    result = check_plain(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected." in result.stdout + result.stderr


def test_declarative_suggestions_paste_create_and_check(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    build_drift(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, DECLARATIVE_MODELS)
    alembic(project, "revision", "--autogenerate", "-m", "drift")
    upgrade = function_source(only_revision(project), "upgrade")
    _, mapped, table, imports = suggestions(comment_block(upgrade))
    t = types(db.dialect)
    assert sorted(mapped) == [
        f"from_: Mapped[str | None] = mapped_column('from', {t['str50']}, nullable=True)",
        f"metadata_: Mapped[int | None] = mapped_column('metadata', {t['int']}, nullable=True)",
    ]
    # the project is declarative: the orphan table is a class of its base
    assert table.startswith("class Ledger(Model):\n    __tablename__ = 'ledger'\n")
    assert table.count("uq_ledger_class") == 1
    assert (
        f"    class_: Mapped[str] = mapped_column('class', {t['str30']}, nullable=False)" in table
    )
    assert (
        f"    registry_: Mapped[str | None] = mapped_column('registry', {t['text']}, nullable=True)"
        in table
    )
    assert "primary_key=True" in table
    assert imports == []

    models = DECLARATIVE_MODELS.replace("    # COLUMNS", "".join(f"    {c}\n" for c in mapped))
    models = models.replace("# TABLES", table)
    create_all(models, tmp_path / "fresh", make_database(db.dialect).engine)
    alembic(project, "upgrade", "head")  # the revision holds only the findings
    (project / "models.py").write_text(models)
    result = check_plain(project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_recover_code_paste_create_and_check(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    """``recover`` in both styles: its module imports, builds and matches the database."""
    build_drift(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE_MODELS)
    cli = str(Path(sys.executable).with_name("alembic-additive"))
    for style in ("core", "declarative"):
        proc = subprocess.run(
            [cli, "recover", "-c", str(project / "alembic.ini"), "--style", style],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        code = proc.stdout
        compile(code, "recovered.py", "exec")
        assert code.count("uq_ledger_class") == 1, code
        assert "mysql." not in code
        if style == "declarative":
            assert "from_: Mapped[str | None] = mapped_column('from'" in code
            assert "class_: Mapped[str] = mapped_column('class'" in code
            # the recovered classes hang off the stand-in Base: build them
            fresh = make_database(db.dialect).engine
            create_all(code + "\nmetadata = Base.metadata\n", tmp_path / style, fresh)
            assert set(sa.inspect(fresh).get_table_names()) == {"ledger"}
        else:
            fresh = make_database(db.dialect).engine
            create_all(code, tmp_path / style, fresh)
            assert set(sa.inspect(fresh).get_table_names()) == {"ledger"}


# --- portable types --------------------------------------------------------------------------


def test_portable_types_only_where_the_ddl_is_the_same() -> None:
    from sqlalchemy.dialects import mysql, postgresql

    my = mysql.dialect()
    assert repr(portable_type(mysql.INTEGER(display_width=11), my)) == "Integer()"
    assert repr(portable_type(mysql.VARCHAR(length=50), my)) == "String(length=50)"
    assert repr(portable_type(mysql.DECIMAL(10, 2), my)) == "Numeric(precision=10, scale=2)"
    for kept in (
        mysql.INTEGER(unsigned=True),
        mysql.TINYINT(display_width=1),
        mysql.LONGTEXT(),
    ):
        assert portable_type(kept, my) is kept
    jsonb = postgresql.JSONB()
    assert portable_type(jsonb, postgresql.dialect()) is jsonb
    assert repr(portable_type(postgresql.TIMESTAMP(), postgresql.dialect())) == "DateTime()"


def test_attribute_names() -> None:
    assert attribute_name("from") == "from_"
    assert attribute_name("metadata") == "metadata_"
    assert attribute_name("registry") == "registry_"
    assert attribute_name("class") == "class_"
    assert attribute_name("match") == "match"  # a soft keyword is a fine attribute
    assert attribute_name("first name") == "first_name"
    assert attribute_name("2fa") == "column_2fa"


# --- renames: the hints, followed as written ------------------------------------------------

RENAME_MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=True),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=True),
)
"""


def _replace_statement(text: str, function: str, matches: Any, new: str) -> str:
    """Replace the one statement of ``function`` for which ``matches(source)`` holds."""
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            hits = [
                stmt
                for stmt in node.body
                if matches("\n".join(lines[stmt.lineno - 1 : stmt.end_lineno]))
            ]
            assert len(hits) == 1, (function, [ast.dump(h)[:80] for h in hits])
            stmt = hits[0]
            indent = re.match(r"\s*", lines[stmt.lineno - 1]).group(0)  # type: ignore[union-attr]
            lines[stmt.lineno - 1 : stmt.end_lineno] = [indent + new]
            return "\n".join(lines) + "\n"
    raise AssertionError(function)


def test_rename_hints_followed_as_written_keep_every_value(db: Database, tmp_path: Path) -> None:
    md = sa.MetaData()
    patients = sa.Table(
        "patients",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("legacy_code", sa.String(20), nullable=True),
    )
    old_reports = sa.Table(
        "old_reports",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=True),
    )
    md.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(patients.insert(), [{"legacy_code": f"c{i}"} for i in range(134)])
        conn.execute(old_reports.insert(), [{"body": "r1"}, {"body": "r2"}])
    before = dump(db.engine)
    make_project(tmp_path, db.ini_url, RENAME_MODELS)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "renames")
    revision = only_revision(tmp_path)
    block = comment_block(function_source(revision, "upgrade"))
    renames = section(block, "Possible renames (never applied automatically):")
    code_type = "sa.String(length=20)" if db.dialect == "mysql" else "sa.VARCHAR(length=20)"
    assert renames == [
        "patients.legacy_code -> code: if this is a rename (134 value(s) to keep), in upgrade() "
        "replace the line adding 'code' with:",
        f"    op.alter_column('patients', 'legacy_code', existing_type={code_type}, "
        "new_column_name='code', existing_nullable=True)",
        "  and in downgrade() replace the line dropping 'code' with:",
        f"    op.alter_column('patients', 'code', existing_type={code_type}, "
        "new_column_name='legacy_code', existing_nullable=True)",
        "old_reports -> reports: if this is a rename (2 row(s) to keep), in upgrade() "
        "replace the create_table of 'reports' with:",
        "    op.rename_table('old_reports', 'reports')",
        "  and in downgrade() replace the line dropping table 'reports' with:",
        "    op.rename_table('reports', 'old_reports')",
    ]

    # follow the hints: four replacements, exactly as the comments say
    text = revision.read_text()
    text = _replace_statement(
        text, "upgrade", lambda s: "add_column_if_not_exists('patients'" in s, renames[1].strip()
    )
    text = _replace_statement(
        text,
        "downgrade",
        lambda s: "drop_column_if_empty('patients', 'code'" in s,
        renames[3].strip(),
    )
    text = _replace_statement(
        text, "upgrade", lambda s: "create_table('reports'" in s, renames[5].strip()
    )
    text = _replace_statement(
        text, "downgrade", lambda s: "table_if_empty('reports'" in s, renames[7].strip()
    )
    revision.write_text(text)

    alembic(tmp_path, "upgrade", "head")
    insp = sa.inspect(db.engine)
    assert {"patients", "reports"} <= set(insp.get_table_names())
    assert "old_reports" not in insp.get_table_names()
    with db.engine.connect() as conn:
        codes = conn.execute(sa.text("SELECT count(code) FROM patients")).scalar()
        bodies = conn.execute(sa.text("SELECT count(body) FROM reports")).scalar()
    assert (codes, bodies) == (134, 2)
    check = alembic(tmp_path, "check", check=False)
    assert check.returncode == 0, check.stdout + check.stderr

    alembic(tmp_path, "downgrade", "base")  # renames back: nothing refuses, nothing is lost
    after = dump(db.engine)
    assert after.pop("alembic_version")["rows"] == []
    assert after == before
    assert_preserved(before, dump(db.engine))


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_dialect_types_without_portable_twin_come_with_their_import(
    dialect: str, make_database: Any, tmp_path: Path
) -> None:
    db: Database = make_database(dialect)
    kind = "INTEGER UNSIGNED" if dialect == "mysql" else "JSONB"
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50), extra {kind})"
            )
        )
        value = "7" if dialect == "mysql" else "'{}'"
        conn.execute(sa.text(f"INSERT INTO accounts (id, name, extra) VALUES (1, 'a', {value})"))
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE_MODELS.replace("# TABLES", ""))
    alembic(project, "revision", "--autogenerate", "-m", "drift")
    block = comment_block(function_source(only_revision(project), "upgrade"))
    columns = section(block, "Orphan columns holding data (in the database, not in your models):")
    code = columns[0].split("add to your model: ", 1)[1]
    expected = {
        "mysql": "sa.Column('extra', mysql.INTEGER(display_width=10, unsigned=True), nullable=True)",
        "postgresql": "sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=True)",
    }
    assert code == expected[dialect]
    imports = section(block, "The model code above needs:")
    assert imports == [f"from sqlalchemy.dialects import {dialect}"]

    models = (
        "\n".join(imports)
        + "\n"
        + CORE_MODELS.replace("# TABLES", "").replace("    # COLUMNS", f"    {code},")
    )
    create_all(models, tmp_path / "fresh", make_database(dialect).engine)
    alembic(project, "upgrade", "head")
    (project / "models.py").write_text(models)
    result = check_plain(project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_declarative_projects_are_recognised_by_their_base() -> None:
    from sqlalchemy.orm import DeclarativeBase

    from alembic_additive.model_code import declarative_base_name

    class Model(DeclarativeBase):
        pass

    class Thing(Model):  # classic annotations: this module has `from __future__ import annotations`
        __table__ = sa.Table(
            "things", Model.metadata, sa.Column("id", sa.Integer, primary_key=True)
        )

    assert declarative_base_name(Model.metadata) == "Model"
    assert declarative_base_name([Model.metadata]) == "Model"
    assert declarative_base_name(sa.MetaData()) is None
    assert declarative_base_name(None) is None


def test_schema_qualified_orphan_table_code_compiles() -> None:
    """``schema=`` once: Alembic's renderer writes it; nothing may add it again."""
    from sqlalchemy.dialects import postgresql

    from alembic_additive import render
    from alembic_additive.audit.recover import _context, recovery_code
    from alembic_additive.findings import (
        Action,
        Decision,
        Measurements,
        OrphanTable,
        TableCounts,
        TableRef,
        Verdict,
    )

    ref = TableRef("archive", "ledger")
    table = sa.Table(
        "ledger",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("from", sa.String(5)),
        schema="archive",
    )
    verdict = Verdict(
        [Decision(OrphanTable(ref, table), Action.SUPPRESS, "orphan table holds 3 row(s)")],
        [],
        Measurements({ref: TableCounts(rows=3)}),
    )
    dialect = postgresql.dialect()
    for style in ("core", "declarative"):
        code = recovery_code(verdict, dialect, style)
        compile(code, style, "exec")
        assert code.count("'archive'") == 1, code
    lines = render.report_lines(verdict, _context(dialect))
    start = lines.index("archive.ledger: 3 row(s) — add to your models:") + 1
    block = [ln[4:] for ln in lines[start:] if ln.startswith("    ")]
    code = "\n".join(block)
    compile(f"ledger = {code}", "revision", "exec")
    assert code.count("schema='archive'") == 1
