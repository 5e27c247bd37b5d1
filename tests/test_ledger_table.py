"""The ledger table is bookkeeping: after a guarded upgrade wrote it, autogenerate and
``alembic check`` neither propose dropping it nor log it as a removed table."""

from __future__ import annotations

import textwrap
from pathlib import Path

import sqlalchemy as sa
from conftest import Database
from helpers import alembic, make_project

MODELS = textwrap.dedent(
    """
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(100), unique=True)


    metadata = Base.metadata
    """
)


def test_ledger_is_never_compared(db: Database, tmp_path: Path) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100))"))
        conn.execute(sa.text("INSERT INTO users (id, email) VALUES (1, 'a'), (2, 'b')"))
    make_project(tmp_path, db.ini_url, MODELS)
    alembic(tmp_path, "revision", "--autogenerate", "-m", "unique email")
    alembic(tmp_path, "upgrade", "head")
    assert sa.inspect(db.engine).has_table("alembic_additive_ledger")  # the unique was recorded

    check = alembic(tmp_path, "check")
    second = alembic(tmp_path, "revision", "--autogenerate", "-m", "nothing")

    for proc in (second, check):
        assert "alembic_additive_ledger" not in proc.stdout + proc.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    newest = max((tmp_path / "migrations" / "versions").glob("*nothing.py"))
    assert "alembic_additive_ledger" not in newest.read_text()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM users")).scalar() == 2
