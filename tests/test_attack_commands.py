"""Attack on the user-facing commands, as a newcomer runs them: the suggested model code (the
revision comment and ``alembic-additive recover`` in both styles) for awkward orphans (mixed
case, composite primary key, a foreign key between two orphan tables, server defaults, an enum,
JSON, numeric precision, keyword column names), pasted into the models, builds on a fresh
database and leaves plain ``alembic check`` with nothing to report; ``cleanup`` never drops a
value; ``audit`` never prints one. Through the installed console scripts, on every dialect.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, function_source, make_project, only_revision
from test_suggestions import check_plain, comment_block, create_all, section

CLI = str(Path(sys.executable).with_name("alembic-additive"))

MARKERS = ("MARKER_TYPE_1", "MARKER_FROM_1", "MARKER_JSON_1", "MARKER_CLASS_1", "MARKER_META_1")


def build_awkward(engine: sa.Engine, empty_orphans: bool = True) -> None:
    """The drift; ``empty_orphans`` adds an empty orphan column and table (never suggested:
    the paste tests leave them out so ``alembic check`` has nothing left to report)."""
    md = sa.MetaData()
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("type", sa.String(20), server_default="basic"),
        sa.Column("Balance", sa.Numeric(12, 4)),
    )
    if empty_orphans:
        accounts.append_column(sa.Column("gone", sa.String(10)))
    parent = sa.Table(
        "OrderHeader",
        md,
        sa.Column("Id", sa.Integer, primary_key=True),
        sa.Column("from", sa.String(40), nullable=False),
        sa.Column("status", sa.Enum("new", "paid", name="order_status")),
        sa.Column("payload", sa.JSON),
        sa.Column("total", sa.Numeric(10, 2), server_default="0"),
        sa.UniqueConstraint("from", name="uq_orderheader_from"),
    )
    line = sa.Table(
        "order_line",
        md,
        sa.Column(
            "order_id",
            sa.Integer,
            sa.ForeignKey("OrderHeader.Id", name="fk_line_order"),
            primary_key=True,
        ),
        sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("class", sa.String(20)),
        sa.Column("metadata", sa.Text),
        sa.Index("ix_order_line_class", "class"),
    )
    if empty_orphans:
        sa.Table(
            "Stale", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("from", sa.Text)
        )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            accounts.insert(),
            [{"name": "a", "type": "MARKER_TYPE_1", "Balance": 1.5}],
        )
        conn.execute(accounts.insert(), [{"name": "b"}])
        conn.execute(
            parent.insert(),
            [
                {
                    "Id": 1,
                    "from": "MARKER_FROM_1",
                    "status": "paid",
                    "payload": {"k": "MARKER_JSON_1"},
                }
            ],
        )
        conn.execute(
            line.insert(),
            [{"order_id": 1, "line_no": 1, "class": "MARKER_CLASS_1", "metadata": "MARKER_META_1"}],
        )


CORE = """import sqlalchemy as sa

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

DECLARATIVE = """from __future__ import annotations

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


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], cwd=project, capture_output=True, text=True, timeout=600)


def imports_of(block: list[str]) -> str:
    if "The model code above needs:" not in block:
        return ""
    return "\n".join(section(block, "The model code above needs:")) + "\n"


def assert_clean(project: Path, models: str, fresh: sa.Engine, folder: Path) -> None:
    create_all(models, folder, fresh)
    (project / "models.py").write_text(models)
    result = check_plain(project)
    assert result.returncode == 0, models + result.stdout + result.stderr


def test_awkward_core_comment_suggestions_paste(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    build_awkward(db.engine, empty_orphans=False)
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE)
    alembic(project, "revision", "--autogenerate", "-m", "drift")
    block = comment_block(function_source(only_revision(project), "upgrade"))
    columns = section(block, "Orphan columns holding data (in the database, not in your models):")
    core = [ln.split("add to your model: ", 1)[1] for ln in columns if "add to your model: " in ln]
    assert len(core) == 2, columns
    tables = section(block, "Orphan tables (in the database, not in your models):")
    heads = [i for i, ln in enumerate(tables) if not ln.startswith(" ")]
    assert [tables[i].split(":")[0] for i in heads] == ["OrderHeader", "order_line"], tables
    code = ""
    for n, (start, end) in enumerate(zip(heads, [*heads[1:], len(tables)], strict=True)):
        code += f"t{n} = " + "\n".join(ln[4:] for ln in tables[start + 1 : end]) + "\n"
    models = imports_of(block) + CORE.replace(
        "    # COLUMNS", "".join(f"    {c},\n" for c in core)
    ).replace("# TABLES", code)
    alembic(project, "upgrade", "head")
    assert_clean(project, models, make_database(db.dialect).engine, tmp_path / "fresh")


def test_awkward_recover_core_pastes(db: Database, make_database: Any, tmp_path: Path) -> None:
    build_awkward(db.engine, empty_orphans=False)
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE)
    proc = cli(project, "recover", "--style", "core")
    assert proc.returncode == 0, proc.stderr
    for marker in MARKERS:
        assert marker not in proc.stdout + proc.stderr
    # the recovered module as written, plus the model's own table and the documented apply()
    models = (
        proc.stdout + '\naccounts = sa.Table("accounts", metadata, sa.Column("id", sa.Integer, '
        'primary_key=True), sa.Column("name", sa.String(50), nullable=True))\n'
        "apply(metadata)\n"
    )
    assert_clean(project, models, make_database(db.dialect).engine, tmp_path / "fresh")


def test_awkward_recover_declarative_pastes(
    db: Database, make_database: Any, tmp_path: Path
) -> None:
    build_awkward(db.engine, empty_orphans=False)
    project = tmp_path / "project"
    make_project(project, db.ini_url, DECLARATIVE)
    proc = cli(project, "recover")  # auto: the project is declarative
    assert proc.returncode == 0, proc.stderr
    code = proc.stdout
    assert "class OrderLine(" in code and "class_: Mapped" in code, code
    # paste: the mixin's lines into Account, the classes under the project's base
    lines = code.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("class AccountsRecovered"))
    body = []
    for ln in lines[start + 1 :]:
        if ln and not ln.startswith(" "):
            break
        if ln.strip().startswith(('"""', "#")) or not ln.strip():
            continue
        body.append(ln)
    rest = "\n".join(lines[lines.index(body[-1]) + 1 :]).replace("(Base):", "(Model):")
    header = "\n".join(ln for ln in lines if ln.startswith(("from sqlalchemy.dialects",)))
    models = (
        DECLARATIVE.replace("# COLUMNS", "\n".join(body))
        .replace("# TABLES", rest)
        .replace("import datetime\n", header + "\nimport datetime\n")
    )
    assert_clean(project, models, make_database(db.dialect).engine, tmp_path / "fresh")


def test_awkward_cleanup_drops_only_empty_and_refuses_late_data(
    db: Database, tmp_path: Path
) -> None:
    build_awkward(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE)
    proc = cli(project, "cleanup", "-m", "drop empty orphans")
    assert proc.returncode == 0, proc.stderr
    for marker in MARKERS:
        assert marker not in proc.stdout + proc.stderr
    before = dump(db.engine)
    with db.engine.begin() as conn:  # a value lands in an empty orphan after it was written
        conn.execute(sa.text("UPDATE accounts SET gone = 'MK_LATE' WHERE name = 'a'"))
    late = dump(db.engine)
    refused = alembic(project, "upgrade", "head", check=False)
    assert refused.returncode != 0
    assert "nothing was dropped" in refused.stderr, refused.stderr
    assert "MK_LATE" not in refused.stdout + refused.stderr
    after = dump(db.engine)
    after.pop("alembic_version", None)
    late.pop("alembic_version", None)
    assert after == late

    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE accounts SET gone = NULL"))
    alembic(project, "upgrade", "head")
    cleaned = dump(db.engine)
    assert "Stale" not in cleaned and "gone" not in cleaned["accounts"]["columns"]
    kept = {k: v for k, v in before.items() if k not in ("Stale", "accounts", "alembic_version")}
    assert_preserved(kept, cleaned)
    gone = before["accounts"]["columns"].index("gone")
    assert sorted(
        tuple(v for i, v in enumerate(r) if i != gone) for r in before["accounts"]["rows"]
    ) == sorted(
        tuple(
            r[cleaned["accounts"]["columns"].index(c)]
            for c in before["accounts"]["columns"]
            if c != "gone"
        )
        for r in cleaned["accounts"]["rows"]
    )
    # rerun converges: nothing left to clean, no second revision of drops
    again = cli(project, "cleanup", "-m", "again")
    assert again.returncode == 0, again.stderr
    assert len(list((project / "migrations" / "versions").glob("*.py"))) == 1, again.stdout
    alembic(project, "downgrade", "base")
    restored = dump(db.engine)
    assert "Stale" in restored and "gone" in restored["accounts"]["columns"]
    assert_preserved(kept, restored)


def test_audit_never_prints_a_value_and_bad_input_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    build_awkward(db.engine)
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE)
    before = dump(db.engine)
    seen = ""
    # orphans only: nothing the policy would act on, --check and --strict pass
    for extra in ([], ["--check"], ["--strict"]):
        proc = cli(project, "audit", *extra)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        seen += proc.stdout + proc.stderr
    # a column the models add: --check and --strict fail, in every format
    (project / "models.py").write_text(
        CORE.replace("    # COLUMNS", '    sa.Column("nickname", sa.String(20), nullable=True),')
    )
    for fmt in ("text", "markdown", "json"):
        for extra in ([], ["--check"], ["--strict"]):
            proc = cli(project, "audit", "--format", fmt, *extra)
            assert proc.returncode == (1 if extra else 0), proc.stdout + proc.stderr
            seen += proc.stdout + proc.stderr
            if fmt == "json":
                summary = json.loads(proc.stdout)["summary"]
                assert summary["orphan_tables"] == 3
                assert summary["orphan_tables_with_rows"] == 2
                assert summary["orphan_columns_with_data"] == 2
                assert summary["empty_orphan_columns"] == 1
                assert summary["missing_columns"] == 1
    out = tmp_path / "report.md"
    proc = cli(
        project,
        "audit",
        "--format",
        "markdown",
        "--output",
        str(out),
        "--backup",
        str(tmp_path / "backup.json"),
    )
    assert proc.returncode == 0, proc.stderr
    seen += proc.stdout + proc.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".json", ".py", ".txt"):
            seen += path.read_text(errors="replace")
    for marker in MARKERS:
        assert marker not in seen, marker
    assert out.read_text().strip() and (tmp_path / "backup.json").read_text().strip()

    for bad in (
        ["--format", "yaml"],  # rejected by click
        ["--bogus"],  # rejected by click
        ["-x", "novalue"],
        ["--url", "sqlite://"],
        ["-c", "missing.ini"],
    ):
        proc = cli(project, "audit", *bad)
        assert proc.returncode == 2, (bad, proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, (bad, proc.stderr)
    assert dump(db.engine) == before  # no alembic_version created either: a report writes nothing
    assert set(sa.inspect(db.engine).get_table_names()) == set(before)  # nor the ledger


def test_postgresql_array_enum_and_default_columns_paste(
    make_database: Any, tmp_path: Path
) -> None:
    """Orphan columns only PostgreSQL has (an array, a named enum, a function default):
    the suggested line with its import builds on a new database and ``alembic check`` is
    clean."""
    db: Database = make_database("postgresql")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TYPE mood AS ENUM ('ok', 'MARKER_ENUM_LABEL')"))
        conn.execute(
            sa.text(
                "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50), "
                "tags TEXT[], feeling mood, seen_at TIMESTAMP DEFAULT now(), "
                '"Numbers" NUMERIC(8, 3)[])'
            )
        )
        conn.execute(
            sa.text(
                'INSERT INTO accounts (id, name, tags, feeling, "Numbers") VALUES '
                "(1, 'a', ARRAY['MARKER_ARRAY'], 'MARKER_ENUM_LABEL', ARRAY[1.5])"
            )
        )
    project = tmp_path / "project"
    make_project(project, db.ini_url, CORE.replace("# TABLES", ""))
    alembic(project, "revision", "--autogenerate", "-m", "drift")
    block = comment_block(function_source(only_revision(project), "upgrade"))
    assert not any("MARKER_ARRAY" in ln for ln in block)
    columns = section(block, "Orphan columns holding data (in the database, not in your models):")
    core = [ln.split("add to your model: ", 1)[1] for ln in columns if "add to your model: " in ln]
    assert len(core) == 4, columns
    models = imports_of(block) + CORE.replace("# TABLES", "").replace(
        "    # COLUMNS", "".join(f"    {c},\n" for c in core)
    )
    alembic(project, "upgrade", "head")
    assert_clean(project, models, make_database("postgresql").engine, tmp_path / "fresh")


def test_click_usage_errors_are_one_line_everywhere(tmp_path: Path) -> None:
    """Options click rejects (unknown option or command, a value outside a choice) read like
    every other error: one line naming where help is, exit 2; help itself is untouched."""
    for args in (
        ["recover", "--style", "x"],
        ["cleanup", "--bogus"],
        ["audit", "--format", "yaml"],
        ["bogus"],
        ["--bogus"],
    ):
        proc = cli(tmp_path, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("alembic-additive: error: "), proc.stderr
        assert "--help'" in lines[0] and proc.stdout == ""
    helped = cli(tmp_path, "audit", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: alembic-additive audit")
