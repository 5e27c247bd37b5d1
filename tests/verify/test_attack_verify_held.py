"""Attacks on verify that it withstood: kept as regression tests.

Each case runs the same revisions under verify and, on a second database, under the real
``alembic upgrade``: verify's report is the expected one (a real change is reported, with
counts only; what changes nothing reports nothing), and verify's database ends exactly as
the upgraded one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from attack_support import contents, lines, plain_upgrade, twins
from helpers import alembic
from verify_support import new_project

ITEMS = """
op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s VARCHAR(20), b VARCHAR(20))")
op.execute("INSERT INTO t VALUES (1, '', ' '), (2, 'a', 'a'), (3, 'caf\\u00e9', 'x')")
"""


@dataclass(frozen=True)
class Case:
    dialects: tuple[str, ...]
    setup: str
    change: str
    expected: tuple[str, ...]


ALL = ("sqlite", "postgresql", "mysql")
CASES = {
    # rows without primary key, duplicates: one of two equal rows changed is a change
    "duplicates_without_key": Case(
        ALL,
        """
op.execute("CREATE TABLE log (kind VARCHAR(10), msg VARCHAR(20))")
op.execute("INSERT INTO log VALUES ('a', 'x'), ('a', 'x'), ('b', 'y'), ('b', NULL)")
""",
        "op.execute(\"UPDATE log SET msg = 'y' WHERE kind = 'a' AND msg = 'x'\")",
        ("r2: values-changed log.msg: 2 of 3 non-null values changed",),
    ),
    # '' and ' ' and 'a ' are different values; restoring a value is no change
    "empty_and_spaces": Case(
        ALL,
        ITEMS,
        """
op.execute("UPDATE t SET s = 'q', b = 'q'")
op.execute("UPDATE t SET s = '' WHERE id = 1")
op.execute("UPDATE t SET s = 'a', b = 'a ' WHERE id = 2")
op.execute("UPDATE t SET s = 'caf\\u00e9', b = 'x' WHERE id = 3")
""",
        ("r2: values-changed t.b: 2 of 3 non-null values changed",),
    ),
    # NFC -> NFD: the same text to a collation, other code points
    "unicode_normalisation": Case(
        ALL,
        ITEMS,
        "op.execute(\"UPDATE t SET s = 'cafe\\u0301' WHERE id = 3\")",
        ("r2: values-changed t.s: 1 of 3 non-null values changed",),
    ),
    # a changed byte
    "bytes": Case(
        ALL,
        """
op.create_table("blobs", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("b", sa.LargeBinary))
op.bulk_insert(sa.table("blobs", sa.column("id"), sa.column("b", sa.LargeBinary)),
    [{"id": 1, "b": b"\\x00\\xff\\x80abc"}, {"id": 2, "b": b"\\xe5\\xb1\\xb1"}])
""",
        """
blobs = sa.table("blobs", sa.column("id"), sa.column("b", sa.LargeBinary))
op.execute(blobs.update().where(blobs.c.id == 1).values(b=b"\\x00\\xff\\x81abc"))
op.execute(blobs.update().where(blobs.c.id == 2).values(b=b"\\xe5\\xb1\\xb1"))
""",
        ("r2: values-changed blobs.b: 1 of 2 non-null values changed",),
    ),
    # a data migration through the ORM, on the revision's connection
    "orm_session": Case(
        ALL,
        ITEMS,
        """
from sqlalchemy import orm

class Base(orm.DeclarativeBase):
    pass

class T(Base):
    __tablename__ = "t"
    id = sa.Column(sa.Integer, primary_key=True)
    s = sa.Column(sa.String(20))

session = orm.Session(bind=op.get_bind())
for row in session.query(T):
    row.s = row.s.upper()
session.flush()
""",
        ("r2: values-changed t.s: 2 of 3 non-null values changed",),
    ),
    # inside autocommit_block() and after it
    "autocommit_block": Case(
        ALL,
        ITEMS,
        """
with op.get_context().autocommit_block():
    op.execute("UPDATE t SET b = 'z' WHERE id = 1")
op.execute("UPDATE t SET b = 'q' WHERE id = 2")
""",
        ("r2: values-changed t.b: 2 of 3 non-null values changed",),
    ),
    # an INSTEAD OF trigger on a view writes the table
    "instead_of_trigger": Case(
        ("sqlite",),
        ITEMS + 'op.execute("CREATE VIEW v AS SELECT id, s FROM t")\n',
        """
op.execute(
    "CREATE TRIGGER v_upd INSTEAD OF UPDATE ON v BEGIN "
    "UPDATE t SET s = NEW.s WHERE id = OLD.id; END"
)
op.execute("UPDATE v SET s = 'zz' WHERE id = 2")
""",
        ("r2: values-changed t.s: 1 of 3 non-null values changed",),
    ),
    "instead_of_trigger_pg": Case(
        ("postgresql",),
        ITEMS + 'op.execute("CREATE VIEW v AS SELECT id, s FROM t")\n',
        """
op.execute(
    "CREATE FUNCTION v_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE t SET s = NEW.s WHERE id = OLD.id; RETURN NEW; END $$"
)
op.execute("CREATE TRIGGER v_upd INSTEAD OF UPDATE ON v FOR EACH ROW EXECUTE FUNCTION v_upd()")
op.execute("UPDATE v SET s = 'zz' WHERE id = 2")
""",
        ("r2: values-changed t.s: 1 of 3 non-null values changed",),
    ),
    # json -> jsonb keeps the last of duplicate keys
    "json_to_jsonb": Case(
        ("postgresql",),
        """
op.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body JSON)")
op.execute(
    "INSERT INTO docs VALUES (1, '{\\"a\\": 1, \\"a\\": 2}'), (2, '{\\"b\\": 1}'), (3, '[1, 2]')"
)
""",
        'op.execute("ALTER TABLE docs ALTER COLUMN body TYPE JSONB")',
        ("r2: values-changed docs.body: 1 of 3 non-null values changed",),
    ),
    # single -> double precision and a narrower scale change numbers
    "numbers": Case(
        ("postgresql", "mysql"),
        """
op.create_table("n", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("f", sa.Float(precision=24)), sa.Column("d", sa.Numeric(10, 2)))
op.execute("INSERT INTO n VALUES (1, 0.1, 1.25), (2, 2.0, 3.00)")
""",
        """
op.alter_column("n", "f", type_=sa.Float(precision=53), existing_type=sa.Float(precision=24))
op.alter_column("n", "d", type_=sa.Numeric(10, 1), existing_type=sa.Numeric(10, 2),
                postgresql_using="d::numeric(10, 1)")
""",
        (
            "r2: values-changed n.f: 1 of 2 non-null values changed",
            "r2: values-changed n.d: 1 of 2 non-null values changed",
        ),
    ),
    # a cascade two levels down, through a composite foreign key
    "cascade_to_grandchild": Case(
        ("postgresql", "mysql"),
        """
op.execute("CREATE TABLE p (a INTEGER, b INTEGER, PRIMARY KEY (a, b))")
op.execute(
    "CREATE TABLE c (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, UNIQUE (a, b), "
    "FOREIGN KEY (a, b) REFERENCES p (a, b) ON UPDATE CASCADE)"
)
op.execute(
    "CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, "
    "FOREIGN KEY (a, b) REFERENCES c (a, b) ON UPDATE CASCADE)"
)
op.execute("INSERT INTO p VALUES (1, 1), (2, 2)")
op.execute("INSERT INTO c VALUES (1, 1, 1), (2, 2, 2)")
op.execute("INSERT INTO g VALUES (1, 1, 1), (2, 2, 2)")
""",
        'op.execute("UPDATE p SET b = 10 WHERE a = 1")',
        (
            "r2: values-changed p.b: 1 of 2 non-null values changed",
            "r2: values-changed c.b: 1 of 2 non-null values changed",
            "r2: values-changed g.b: 1 of 2 non-null values changed",
        ),
    ),
    # an enum label renamed (PostgreSQL) or dropped from the list (MariaDB, sql_mode='': '')
    "enum_label_renamed": Case(
        ("postgresql",),
        """
op.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
op.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, m mood)")
op.execute("INSERT INTO p VALUES (1, 'sad'), (2, 'ok')")
""",
        "op.execute(\"ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy'\")",
        ("r2: values-changed p.m: 1 of 2 non-null values changed",),
    ),
    "enum_label_dropped": Case(
        ("mysql",),
        """
op.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, m ENUM('sad', 'ok'))")
op.execute("INSERT INTO p VALUES (1, 'sad'), (2, 'ok')")
""",
        "op.execute(\"SET SESSION sql_mode = ''\")\n"
        "op.execute(\"ALTER TABLE p MODIFY m ENUM('unhappy', 'ok')\")",
        ("r2: values-changed p.m: 1 of 2 non-null values changed",),
    ),
    # backfills, a no-op rewrite and a lossless widening: nothing
    "lossless": Case(
        ALL,
        ITEMS,
        """
op.add_column("t", sa.Column("extra", sa.String(20)))
op.execute("UPDATE t SET extra = s")
op.execute("UPDATE t SET s = s, b = b")
with op.batch_alter_table("t") as batch:
    batch.alter_column("b", type_=sa.String(200), existing_type=sa.String(20))
""",
        (),
    ),
}


@pytest.mark.parametrize(
    ("name", "dialect"),
    [(name, dialect) for name, case in CASES.items() for dialect in case.dialects],
)
def test_attack_withstood(tmp_path: Path, make_database: Any, name: str, dialect: str) -> None:
    case = CASES[name]
    verified, plain = twins(tmp_path, make_database, dialect, case.setup, case.change)

    run = verified.cli()

    assert sorted(lines(run)) == sorted(case.expected), run
    assert run.code == (1 if case.expected else 0), run
    _, after = plain_upgrade(plain)
    if name not in ("bytes", "json_to_jsonb"):  # memoryview reprs; JSON read back as dicts
        assert contents(verified) == after


def test_branches_and_merge_attribute_each_change(tmp_path: Path, make_database: Any) -> None:
    project = new_project(tmp_path, make_database("postgresql"))
    project.revision("r1", None, ITEMS)
    project.revision("r2a", "r1", "op.execute(\"UPDATE t SET s = 'A' WHERE id = 2\")")
    project.revision("r2b", "r1", "op.execute(\"UPDATE t SET b = 'B' WHERE id = 3\")")
    project.revision("r3", ("r2a", "r2b"), "op.execute(\"UPDATE t SET s = 'M' WHERE id = 3\")")
    alembic(project.folder, "upgrade", "r1")

    run = project.cli("--to", "heads")

    assert run.code == 1, run
    assert sorted(lines(run)) == [
        "r2a: values-changed t.s: 1 of 3 non-null values changed",
        "r2b: values-changed t.b: 1 of 3 non-null values changed",
        "r3: values-changed t.s: 1 of 3 non-null values changed",
    ]
    with project.db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, s, b FROM t ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "", " "), (2, "A", "a"), (3, "M", "B")]
