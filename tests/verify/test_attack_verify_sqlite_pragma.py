"""A revision that turns SQLite's foreign keys on or off itself runs the same under verify as
under ``alembic upgrade`` (``alembic_additive/verify/sqlite_session.py``).

verify runs each revision inside a transaction it begins; ``PRAGMA foreign_keys`` is ignored
inside one. Python's sqlite3 module, under ``alembic upgrade``, begins one only at the first
INSERT/UPDATE/DELETE, so a revision that starts with the pragma changes the setting there,
and with it whether a batch copy's ``DROP TABLE`` of a parent deletes the rows of its
``ON DELETE CASCADE`` children. Before, verify ran a different migration than the upgrade:
"No data lost" where the upgrade deleted every child row, and "rows-lost" (with the children
really deleted in verify's database) where the upgrade, told ``PRAGMA foreign_keys=OFF``
first, as Alembic's documentation advises for such copies, kept them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, lines, plain_upgrade, twins

PARENT_CHILD = """
op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(20)))
op.create_table("child", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")))
op.execute("INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')")
op.execute("INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 1), (3, 2)")
"""
COPY_PARENT = """
with op.batch_alter_table("parent", recreate="always") as batch:
    batch.alter_column("name", type_=sa.String(40), existing_type=sa.String(20))
"""
CHILDREN = [("1", "1"), ("2", "1"), ("3", "2")]


def _env_turns_foreign_keys_on(folder: Path) -> None:
    env = folder / "migrations" / "env.py"
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


def test_revision_that_turns_foreign_keys_on_before_copying_a_parent(
    tmp_path: Path, make_database: Any
) -> None:
    verified, plain = twins(
        tmp_path,
        make_database,
        "sqlite",
        PARENT_CHILD,
        'op.execute("PRAGMA foreign_keys=ON")\n' + COPY_PARENT,
    )

    run = verified.cli()

    assert run.code == 1, run
    assert lines(run) == ["r2: rows-lost child: rows 3 → 0"]
    before, after = plain_upgrade(plain)
    assert before["child"]["rows"] == CHILDREN
    assert after["child"]["rows"] == []  # the upgrade really deleted them
    assert contents(verified) == after


@pytest.mark.parametrize("flag", [True, False])
def test_revision_that_turns_foreign_keys_off_before_copying_a_parent(
    tmp_path: Path, make_database: Any, flag: bool
) -> None:
    # env.py turns them on (verify: --sqlite-foreign-keys); the revision turns them off for
    # the copy, as Alembic advises. Without the flag they are off anyway.
    verified, plain = twins(
        tmp_path,
        make_database,
        "sqlite",
        PARENT_CHILD,
        'op.execute("PRAGMA foreign_keys=OFF")\n' + COPY_PARENT,
    )
    if flag:
        _env_turns_foreign_keys_on(plain.folder)

    run = verified.cli(*(["--sqlite-foreign-keys"] if flag else []))

    assert run.code == 0, run
    assert run.out.startswith("No data lost"), run
    before, after = plain_upgrade(plain)
    assert before["child"]["rows"] == after["child"]["rows"] == CHILDREN
    assert contents(verified) == after  # verify's own run did not delete them either


def test_pragma_after_the_first_data_change_is_ignored_as_under_alembic(
    tmp_path: Path, make_database: Any
) -> None:
    # After an UPDATE the sqlite3 module has begun a transaction: the pragma does nothing
    # under `alembic upgrade`, and nothing under verify.
    verified, plain = twins(
        tmp_path,
        make_database,
        "sqlite",
        PARENT_CHILD,
        'op.execute("UPDATE parent SET name = name")\n'
        'op.execute("PRAGMA foreign_keys=ON")\n' + COPY_PARENT,
    )

    run = verified.cli()

    assert run.code == 0, run
    before, after = plain_upgrade(plain)
    assert before["child"]["rows"] == after["child"]["rows"] == CHILDREN
    assert contents(verified) == after
