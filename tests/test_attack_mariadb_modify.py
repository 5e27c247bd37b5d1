"""Attack: MariaDB ``MODIFY`` restates the whole column, so every ALTER the plugin writes
(NOT NULL only, a widening with NOT NULL, and their downgrades) must carry the column's
character set, collation, default and comment: a utf8mb4 column in a latin1 table keeps
'山田太郎' through ``upgrade``, ``stamp base`` + ``upgrade``, ``alembic check`` and
``downgrade -1`` (strict ``sql_mode`` and ``sql_mode=''``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import Database
from helpers import alembic, assert_preserved, dump, make_project

SQL_MODE_EVENT = """
    from sqlalchemy import event

    @event.listens_for(connectable, "connect")
    def _sql_mode(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION sql_mode = %r")
        cursor.close()

"""

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("a", sa.String(50), nullable=False, server_default="d", comment="c"),
    sa.Column("b", sa.String(100), nullable=False),
    sa.Column("c", sa.String(100), nullable=True),
    mysql_charset="latin1",
)
"""

CREATE = (
    "CREATE TABLE people (id INTEGER NOT NULL PRIMARY KEY, "
    "a VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL DEFAULT 'd' COMMENT 'c', "
    "b VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL, "
    "c VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL) "
    "CHARACTER SET latin1"
)


def columns(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        # a nullable column without default shows DEFAULT 'NULL', a NOT NULL one None
        return [
            (r[0], r[1], r[2], None if r[3] == "NULL" else r[3], r[4])
            for r in conn.execute(
                sa.text(
                    "SELECT column_name, character_set_name, collation_name, column_default, "
                    "column_comment FROM information_schema.columns "
                    "WHERE table_schema = DATABASE() AND table_name = 'people' "
                    "ORDER BY ordinal_position"
                )
            )
        ]


@pytest.mark.parametrize("sql_mode", [None, ""], ids=["strict", "sql_mode_empty"])
def test_modify_keeps_charset_collation_default_and_comment(
    make_database: Any, tmp_path: Path, sql_mode: str | None
) -> None:
    db: Database = make_database("mysql")
    with db.engine.begin() as conn:
        conn.execute(sa.text(CREATE))
        conn.execute(
            sa.text("INSERT INTO people (id, a, b, c) VALUES (1, '山田太郎', 'Ωμέγα', '東京')")
        )
    make_project(tmp_path, db.ini_url, MODELS)
    if sql_mode is not None:
        env = tmp_path / "migrations" / "env.py"
        anchor = "        poolclass=pool.NullPool,\n    )\n"
        text = env.read_text()
        env.write_text(text.replace(anchor, anchor + SQL_MODE_EVENT % sql_mode))
    before = dump(db.engine)
    columns_before = columns(db.engine)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "modify")
    alembic(tmp_path, "upgrade", "head")
    assert_preserved(before, dump(db.engine))
    upgraded = columns(db.engine)
    for old, new in zip(columns_before[1:], upgraded[1:], strict=True):
        assert old[1:] == new[1:], (old, new)  # charset, collation, default, comment
    alembic(tmp_path, "stamp", "base")
    alembic(tmp_path, "upgrade", "head")
    alembic(tmp_path, "check")
    assert columns(db.engine) == upgraded

    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO people (id, b) VALUES (2, 'ÿ山')"))
    written = dump(db.engine)
    alembic(tmp_path, "downgrade", "-1")
    assert_preserved({k: v for k, v in written.items() if k != "alembic_version"}, dump(db.engine))
    assert columns(db.engine)[1:] == [
        (n, cs, co, d, cm) for (n, cs, co, d, cm) in columns_before[1:]
    ]
