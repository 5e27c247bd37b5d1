"""verify compares the values a trigger or a foreign-key action changes in a table no
statement of the revision names (``alembic_additive/verify/effects.py``).

Each revision changes values *only* through a trigger or a cascade, run through the real
command; before the catalog was read, each printed "No data lost" for those tables (or, on
PostgreSQL, only a note). The tables are read back afterwards, so every report is about a
change that really happened. SQLite runs foreign-key actions only with ``PRAGMA
foreign_keys=ON``; verify does not run env.py, so it turns them on with
``--sqlite-foreign-keys``, and ``test_sqlite_foreign_keys_flag_mirrors_an_env_py_that_turns_them_on``
shows that this is what ``alembic upgrade`` does with such an env.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import DIALECTS
from helpers import alembic
from verify_support import Project, new_project, rows, violation_lines

from alembic_additive.verify import effects


def _cli(project: Project, *args: str) -> Any:
    extra = ("--sqlite-foreign-keys",) if project.db.dialect == "sqlite" else ()
    return project.cli(*extra, *args)


# -- foreign-key actions -------------------------------------------------------------------

PARENT_CHILD = """
op.create_table(
    "parent",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("number", sa.Integer, nullable=False, unique=True),
    sa.Column("note", sa.String(20)),
)
op.create_table(
    "child",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_number", sa.Integer, sa.ForeignKey("parent.number", onupdate="CASCADE")),
    sa.Column("label", sa.String(20)),
)
op.execute("INSERT INTO parent (id, number, note) VALUES (1, 1, NULL), (2, 2, NULL), (3, 3, NULL)")
op.execute(
    "INSERT INTO child (id, parent_number, label) "
    "VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 2, 'z'), (4, 3, 'w'), (5, NULL, 'v')"
)
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_on_update_cascade_rewrites_child_values(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    project = new_project(tmp_path, make_database(dialect))
    project.revision("r1", None, PARENT_CHILD)
    project.revision(
        "r2", "r1", 'op.execute("UPDATE parent SET number = number + 100 WHERE id IN (1, 2)")'
    )

    run = _cli(project)

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed parent.number: 2 of 3 non-null values changed",
        "r2: values-changed child.parent_number: 3 of 4 non-null values changed",
    ]
    assert rows(project.db, "SELECT id, parent_number FROM child ORDER BY id") == [
        (1, 101), (2, 101), (3, 102), (4, 3), (5, None),
    ]  # fmt: skip


SET_DEFAULT = """
op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
op.create_table(
    "child",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column(
        "parent_id",
        sa.Integer,
        sa.ForeignKey("parent.id", ondelete="SET DEFAULT"),
        server_default="0",
    ),
)
op.execute("INSERT INTO parent (id) VALUES (0), (1), (2)")
op.execute("INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 1), (3, 2), (4, 0)")
"""


# MariaDB/InnoDB rejects ON DELETE SET DEFAULT.
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_on_delete_set_default_changes_child_values(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    project = new_project(tmp_path, make_database(dialect))
    project.revision("r1", None, SET_DEFAULT)
    project.revision("r2", "r1", 'op.execute("DELETE FROM parent WHERE id = 1")')

    run = _cli(project)

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: rows-lost parent: rows 3 → 2",
        "r2: values-changed child.parent_id: 2 of 4 non-null values changed",
    ]
    assert rows(project.db, "SELECT id, parent_id FROM child ORDER BY id") == [
        (1, 0), (2, 0), (3, 2), (4, 0),
    ]  # fmt: skip


@pytest.mark.parametrize("dialect", DIALECTS)
def test_on_delete_cascade_and_set_null_are_seen_by_the_counts(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    # Rows a cascade deletes and values SET NULL removes lower the counts: no fingerprint
    # needed, but they must be seen on every dialect.
    project = new_project(tmp_path, make_database(dialect))
    project.revision(
        "r1",
        None,
        """
op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
op.create_table(
    "kids",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")),
)
op.create_table(
    "refs",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="SET NULL")),
)
op.execute("INSERT INTO parent (id) VALUES (1), (2), (3)")
op.execute("INSERT INTO kids (id, parent_id) VALUES (1, 1), (2, 1), (3, 2)")
op.execute("INSERT INTO refs (id, parent_id) VALUES (1, 1), (2, 3), (3, 3)")
""",
    )
    project.revision("r2", "r1", 'op.execute("DELETE FROM parent WHERE id = 1")')

    run = _cli(project)

    assert run.code == 1, run
    assert sorted(violation_lines(run)) == [
        "r2: rows-lost kids: rows 3 → 1",
        "r2: rows-lost parent: rows 3 → 2",
        "r2: values-lost refs.parent_id: non-null values 3 → 2",
    ]


def test_sqlite_foreign_keys_flag_mirrors_an_env_py_that_turns_them_on(
    tmp_path: Path, make_database: Any
) -> None:
    # verify does not run env.py; SQLite leaves foreign keys off unless something turns
    # them on. Without the flag the action does not run (here, as under a plain env.py),
    # and a note says so; with it, verify sees what an env.py that turns them on does.
    project = new_project(tmp_path, make_database("sqlite"))
    project.revision("r1", None, SET_DEFAULT)
    project.revision("r2", "r1", 'op.execute("DELETE FROM parent WHERE id = 1")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == ["r2: rows-lost parent: rows 3 → 2"]
    assert run.err.splitlines() == [
        "alembic-additive: note: foreign keys are off on this SQLite connection (verify does "
        "not run env.py), so their ON UPDATE/ON DELETE actions did not run; if your env.py "
        "turns them on, run verify with --sqlite-foreign-keys"
    ]
    assert rows(project.db, "SELECT parent_id FROM child ORDER BY id") == [(1,), (1,), (2,), (0,)]

    # The same chain through `alembic upgrade` with an env.py that turns them on.
    other = new_project(tmp_path / "with_env", make_database("sqlite"))
    for revision in ("r1", "r2"):
        source = project.folder / "migrations" / "versions" / f"{revision}.py"
        target = other.folder / "migrations" / "versions" / f"{revision}.py"
        target.write_text(source.read_text())
    env = other.folder / "migrations" / "env.py"
    anchor = "        poolclass=pool.NullPool,\n    )\n"
    text = env.read_text()
    assert anchor in text
    env.write_text(
        text.replace(
            anchor,
            anchor
            + "    from sqlalchemy import event\n\n"
            + '    @event.listens_for(connectable, "connect")\n'
            + "    def _foreign_keys_on(dbapi_connection, record):\n"
            + '        dbapi_connection.execute("PRAGMA foreign_keys=ON")\n\n',
        )
    )
    alembic(other.folder, "upgrade", "head")
    assert rows(other.db, "SELECT parent_id FROM child ORDER BY id") == [(0,), (0,), (2,), (0,)]


# -- triggers ------------------------------------------------------------------------------

TABLES = """
op.create_table("a1", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer))
op.create_table("b", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("x", sa.String(20)))
op.create_table("a2", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer), sa.Column("y", sa.String(20)))
op.create_table("c", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer))
op.create_table("d", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("total", sa.Integer))
op.execute("INSERT INTO a1 (id, n) VALUES (1, 1), (2, 2), (3, 3)")
op.execute("INSERT INTO b (id, x) VALUES (1, 's'), (2, 't'), (3, 'u')")
op.execute("INSERT INTO a2 (id, n, y) VALUES (1, 1, 'p'), (2, 2, 'q'), (3, 3, 'r')")
op.execute("INSERT INTO d (id, total) VALUES (1, 10), (2, 20)")
"""

# a1: AFTER UPDATE writes b; a2: BEFORE UPDATE sets NEW.y (SQLite cannot assign NEW: its
# trigger updates a2 itself); c: AFTER INSERT adds to d.total.
TRIGGERS = {
    "postgresql": [
        "CREATE FUNCTION a1_after() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.n <> OLD.n THEN UPDATE b SET x = x || '!' WHERE id = NEW.id; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER a1_after AFTER UPDATE ON a1 FOR EACH ROW EXECUTE FUNCTION a1_after()",
        "CREATE FUNCTION a2_before() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "NEW.y := NEW.y || '!'; RETURN NEW; END $$",
        "CREATE TRIGGER a2_before BEFORE UPDATE ON a2 FOR EACH ROW EXECUTE FUNCTION a2_before()",
        "CREATE FUNCTION c_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE d SET total = total + NEW.n WHERE id = 1; RETURN NULL; END $$",
        "CREATE TRIGGER c_insert AFTER INSERT ON c FOR EACH ROW EXECUTE FUNCTION c_insert()",
    ],
    "mysql": [
        "CREATE TRIGGER a1_after AFTER UPDATE ON a1 FOR EACH ROW BEGIN "
        "IF NEW.n <> OLD.n THEN UPDATE b SET x = concat(x, '!') WHERE id = NEW.id; END IF; "
        "END",
        "CREATE TRIGGER a2_before BEFORE UPDATE ON a2 FOR EACH ROW SET NEW.y = concat(NEW.y, '!')",
        "CREATE TRIGGER c_insert AFTER INSERT ON c FOR EACH ROW "
        "UPDATE d SET total = total + NEW.n WHERE id = 1",
    ],
    "sqlite": [
        "CREATE TRIGGER a1_after AFTER UPDATE ON a1 WHEN NEW.n <> OLD.n BEGIN "
        "UPDATE b SET x = x || '!' WHERE id = NEW.id; END",
        "CREATE TRIGGER a2_after AFTER UPDATE OF n ON a2 BEGIN "
        "UPDATE a2 SET y = y || '!' WHERE id = NEW.id; END",
        "CREATE TRIGGER c_insert AFTER INSERT ON c BEGIN "
        "UPDATE d SET total = total + NEW.n WHERE id = 1; END",
    ],
}


def _with_triggers(dialect: str, triggers: list[str] | None = None) -> str:
    chosen = TRIGGERS[dialect] if triggers is None else triggers
    return TABLES + "\n".join(f"op.execute({t!r})" for t in chosen)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_values_changed_by_triggers_are_compared(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    project = new_project(tmp_path, make_database(dialect))
    project.revision("r1", None, _with_triggers(dialect))
    project.revision("r2", "r1", 'op.execute("UPDATE a1 SET n = n + 1 WHERE id IN (1, 2)")')
    project.revision("r3", "r2", 'op.execute("UPDATE a2 SET n = n + 1 WHERE id = 1")')
    project.revision("r4", "r3", 'op.execute("INSERT INTO c (id, n) VALUES (1, 5)")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed a1.n: 2 of 3 non-null values changed",
        "r2: values-changed b.x: 2 of 3 non-null values changed",  # AFTER UPDATE ON a1
        "r3: values-changed a2.n: 1 of 3 non-null values changed",
        "r3: values-changed a2.y: 1 of 3 non-null values changed",  # not named by the UPDATE
        "r4: values-changed d.total: 1 of 2 non-null values changed",  # AFTER INSERT ON c
    ]
    assert run.err == ""  # PostgreSQL: compared, so no "not compared" note
    assert rows(project.db, "SELECT x FROM b ORDER BY id") == [("s!",), ("t!",), ("u",)]
    assert rows(project.db, "SELECT y FROM a2 ORDER BY id") == [("p!",), ("q",), ("r",)]
    assert rows(project.db, "SELECT total FROM d ORDER BY id") == [(15,), (20,)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_trigger_created_and_fired_in_the_same_revision(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    # The catalog read before the revision's first write has no trigger yet: it is read
    # again after the CREATE TRIGGER. (PostgreSQL/MariaDB also add a foreign key with an
    # action and fire it. SQLite's CREATE TRIGGER ... BEGIN ...; END is split at its
    # semicolons and the lone END cannot be read, so there every value of the revision is
    # fingerprinted anyway.)
    project = new_project(tmp_path, make_database(dialect))
    project.revision("r1", None, TABLES + "\n" + PARENT_CHILD.replace(', onupdate="CASCADE"', ""))
    trigger = {
        "postgresql": TRIGGERS["postgresql"][:2],
        "mysql": [
            "CREATE TRIGGER a1_after AFTER UPDATE ON a1 FOR EACH ROW "
            "UPDATE b SET x = concat(x, '!') WHERE id = NEW.id"
        ],
        "sqlite": TRIGGERS["sqlite"][:1],
    }[dialect]
    body = [
        'op.execute("UPDATE a1 SET n = n + 10 WHERE id = 3")',  # the catalog is read here
        *(f"op.execute({t!r})" for t in trigger),
        'op.execute("UPDATE a1 SET n = n + 1 WHERE id = 1")',
    ]
    expected = [
        "r2: values-changed a1.n: 2 of 3 non-null values changed",
        "r2: values-changed b.x: 1 of 3 non-null values changed",
    ]
    if dialect != "sqlite":  # SQLite cannot add a foreign key to an existing table
        body[1:1] = ["op.execute(\"UPDATE parent SET note = 'seen'\")"]
        body += [
            'op.drop_constraint("child_parent_number_fkey", "child", type_="foreignkey")'
            if dialect == "postgresql"
            else 'op.drop_constraint("child_ibfk_1", "child", type_="foreignkey")',
            'op.create_foreign_key("fk_child_parent", "child", "parent", ["parent_number"], '
            '["number"], onupdate="CASCADE")',
            'op.execute("UPDATE parent SET number = number + 100 WHERE id = 3")',
        ]
        expected = [
            "r2: values-changed a1.n: 2 of 3 non-null values changed",
            "r2: values-changed b.x: 1 of 3 non-null values changed",
            "r2: values-changed parent.number: 1 of 3 non-null values changed",
            "r2: values-changed child.parent_number: 1 of 4 non-null values changed",
        ]
    project.revision("r2", "r1", "\n".join(body))

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == expected


def test_postgresql_trigger_function_with_dynamic_sql_compares_everything(
    tmp_path: Path, make_database: Any
) -> None:
    # EXECUTE builds its statement at run time: any table may change, so every value is
    # fingerprinted before the UPDATE that fires it.
    project = new_project(tmp_path, make_database("postgresql"))
    project.revision(
        "r1",
        None,
        _with_triggers(
            "postgresql",
            [
                "CREATE FUNCTION a1_dynamic() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "EXECUTE format('UPDATE %I SET x = x || ''?''', 'b'); RETURN NULL; END $$",
                "CREATE TRIGGER a1_dynamic AFTER UPDATE ON a1 FOR EACH STATEMENT "
                "EXECUTE FUNCTION a1_dynamic()",
            ],
        ),
    )
    project.revision("r2", "r1", 'op.execute("UPDATE a1 SET n = n + 1 WHERE id = 1")')

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed a1.n: 1 of 3 non-null values changed",
        "r2: values-changed b.x: 3 of 3 non-null values changed",
    ]


def test_postgresql_rule_and_trigger_defined_in_the_same_string_compare_everything(
    tmp_path: Path, make_database: Any
) -> None:
    # A rule rewrites the statement: anything may change. A trigger created in the same
    # op.execute() string as the UPDATE that fires it is not in the catalog yet when the
    # string is read: every value is fingerprinted.
    project = new_project(tmp_path, make_database("postgresql"))
    project.revision("r1", None, _with_triggers("postgresql", []))
    project.revision(
        "r2",
        "r1",
        """
op.execute("CREATE RULE a2_also AS ON UPDATE TO a2 DO ALSO UPDATE b SET x = x || '#' WHERE id = 3")
op.execute("UPDATE a2 SET n = n + 1 WHERE id = 1")
""",
    )
    one_string = "; ".join([*TRIGGERS["postgresql"][4:6], "INSERT INTO c (id, n) VALUES (1, 5)"])
    project.revision("r3", "r2", f"op.execute({one_string!r})")

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed a2.n: 1 of 3 non-null values changed",
        "r2: values-changed b.x: 1 of 3 non-null values changed",  # the rule
        "r3: values-changed d.total: 1 of 2 non-null values changed",  # the new trigger
    ]
    assert run.err == ""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_triggers_and_cascades_that_change_nothing_report_nothing(
    tmp_path: Path, make_database: Any, dialect: str
) -> None:
    # They exist and are followed (fingerprinted), but do not fire, or fire and write the
    # same values: no false report.
    still = {
        "postgresql": [
            "CREATE FUNCTION a1_same() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE b SET x = x; RETURN NULL; END $$",
            "CREATE TRIGGER a1_same AFTER UPDATE ON a1 FOR EACH ROW EXECUTE FUNCTION a1_same()",
            "CREATE FUNCTION d_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE b SET x = 'deleted'; RETURN NULL; END $$",
            "CREATE TRIGGER d_gone AFTER DELETE ON d FOR EACH ROW EXECUTE FUNCTION d_gone()",
        ],
        "mysql": [
            "CREATE TRIGGER a1_same AFTER UPDATE ON a1 FOR EACH ROW UPDATE b SET x = x",
            "CREATE TRIGGER d_gone AFTER DELETE ON d FOR EACH ROW UPDATE b SET x = 'deleted'",
        ],
        "sqlite": [
            "CREATE TRIGGER a1_same AFTER UPDATE ON a1 BEGIN UPDATE b SET x = x; END",
            "CREATE TRIGGER d_gone AFTER DELETE ON d BEGIN UPDATE b SET x = 'deleted'; END",
        ],
    }[dialect]
    project = new_project(tmp_path, make_database(dialect))
    project.revision("r1", None, _with_triggers(dialect, still) + "\n" + PARENT_CHILD)
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE a1 SET n = n")
op.execute("UPDATE d SET total = total")
op.execute("INSERT INTO d (id, total) VALUES (3, 30)")
op.execute("UPDATE parent SET note = 'filled'")
op.execute("UPDATE parent SET number = number WHERE id = 1")
""",
    )

    run = _cli(project)

    assert (run.code, run.err) == (0, ""), run
    assert run.out.startswith("No data lost: 2 revisions verified"), run.out


def test_catalog_is_read_once_per_revision_and_again_after_a_redefinition(
    tmp_path: Path, make_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = new_project(tmp_path, make_database("postgresql"))
    project.revision("r1", None, _with_triggers("postgresql"))
    project.revision(
        "r2",
        "r1",
        """
op.execute("UPDATE a1 SET n = n + 1 WHERE id = 1")
op.execute("UPDATE a2 SET n = n + 1 WHERE id = 1")
op.execute("INSERT INTO c (id, n) VALUES (1, 1)")
op.execute("DELETE FROM c")
""",
    )
    project.revision(
        "r3",
        "r2",
        """
op.execute("UPDATE b SET x = 'b'")
op.execute(
    "CREATE FUNCTION b_after() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE d SET total = total + 1 WHERE id = 2; RETURN NULL; END $$"
)
op.execute("CREATE TRIGGER b_after AFTER UPDATE ON b FOR EACH ROW EXECUTE FUNCTION b_after()")
op.execute("UPDATE b SET x = 'c'")
""",
    )
    project.revision("r4", "r3", 'op.add_column("b", sa.Column("extra", sa.Integer))')
    reads: list[int] = []
    real = effects.read

    def counting(*args: Any, **kwargs: Any) -> effects.Catalog:
        reads[-1] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(effects, "read", counting)
    for revision in ("r1", "r2", "r3", "r4"):
        reads.append(0)
        project.verify(to_rev=revision)

    assert reads == [1, 1, 2, 0]


def test_update_inside_autocommit_block_is_compared(tmp_path: Path, make_database: Any) -> None:
    # Inside autocommit_block() SQLAlchemy's transaction is a fake one: verify's own queries
    # must not open a savepoint there (it failed the revision).
    project = new_project(tmp_path, make_database("postgresql"))
    project.revision("r1", None, _with_triggers("postgresql"))
    project.revision(
        "r2",
        "r1",
        """
with op.get_context().autocommit_block():
    op.execute("UPDATE a1 SET n = n + 1 WHERE id = 1")
""",
    )

    run = project.cli()

    assert run.code == 1, run
    assert violation_lines(run) == [
        "r2: values-changed a1.n: 1 of 3 non-null values changed",
        "r2: values-changed b.x: 1 of 3 non-null values changed",
    ]
