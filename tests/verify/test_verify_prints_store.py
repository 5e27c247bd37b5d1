"""verify keeps each revision's fingerprints in temporary tables on its own connection
(``alembic_additive/verify/prints_store.py``): they hold one row per row, are invisible to
the snapshot's reflection, never end the revision's transaction (MySQL: ``CREATE``/``DROP
TEMPORARY TABLE`` do not commit, where ``DROP TABLE`` would) and are dropped once compared."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import Database

from alembic_additive.findings import TableRef
from alembic_additive.verify import prints
from alembic_additive.verify.prints_store import PREFIX, TempTables


def _items(conn: sa.Connection) -> None:
    conn.execute(sa.text("CREATE TABLE items (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
    conn.execute(sa.text("INSERT INTO items (id, note) VALUES (1, 'a'), (2, NULL), (3, 'c')"))


def test_fingerprints_live_in_temporary_tables_inside_the_transaction(db: Database) -> None:
    with db.engine.connect() as conn:
        _items(conn)
        conn.commit()
        conn.begin()
        conn.execute(sa.text("UPDATE items SET note = 'b' WHERE id = 2"))
        store = TempTables(conn)

        taken = prints.take(conn, TableRef(None, "items"), ["note"], store)
        note = taken["note"]
        stored = conn.execute(sa.select(sa.func.count()).select_from(note.table)).scalar_one()
        tables = sa.inspect(conn).get_table_names()
        store.drop_all()
        conn.rollback()  # the UPDATE is undone: nothing verify ran committed it

        assert stored == 3  # one row per row, NULL fingerprints included
        assert note.keyed and note.table.name.startswith(PREFIX)
        assert not [t for t in tables if t.startswith(PREFIX)]  # not a table of the schema
        assert store.created == []
        rows = conn.execute(sa.text("SELECT id, note FROM items ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, None), (3, "c")]


def test_two_sides_compared_row_by_row(db: Database) -> None:
    with db.engine.connect() as conn:
        _items(conn)
        store = TempTables(conn)
        ref = TableRef(None, "items")
        before = prints.take(conn, ref, ["note"], store)["note"]
        conn.execute(sa.text("UPDATE items SET note = 'x' WHERE id = 1"))
        conn.execute(sa.text("UPDATE items SET note = NULL WHERE id = 3"))
        conn.execute(sa.text("INSERT INTO items (id, note) VALUES (4, 'a'), (5, 'd')"))
        after = prints.take(conn, ref, ["note"], store)["note"]

        found = prints.compare(conn, store, before, after)
        store.drop_all()

        assert found == prints.Comparison(changed=1, cleared=1)
