"""Which values a statement can change (what verify fingerprints before it runs): read from
sqlglot's tokens, never guessed from text; what cannot be read means "anything"."""

from __future__ import annotations

import pytest

from alembic_additive.verify.statements import ALL, touched


@pytest.mark.parametrize(
    ("dialect", "statement", "expected"),
    [
        ("postgresql", "UPDATE items SET note = 'x', \"Name\" = upper(name) WHERE id = 1",
         {(None, "items"): {"note", "name"}}),
        ("postgresql", "ALTER TABLE public.codes ALTER COLUMN code TYPE VARCHAR(10)",
         {("public", "codes"): {"code"}}),
        ("postgresql", "ALTER TABLE t ALTER COLUMN c SET NOT NULL, ADD COLUMN d INTEGER",
         {(None, "t"): set()}),
        ("postgresql", "ALTER TABLE jobs RENAME function_fullname TO job_name",
         {(None, "jobs"): {"function_fullname"}}),
        ("mysql", "ALTER TABLE `docs` MODIFY body TEXT NULL", {(None, "docs"): {"body"}}),
        ("mysql", "ALTER TABLE jobs CHANGE function_fullname job_name VARCHAR(200) NULL",
         {(None, "jobs"): {"function_fullname"}}),
        ("mysql", "ALTER TABLE people CONVERT TO CHARACTER SET latin1", {(None, "people"): ALL}),
        ("sqlite", "DROP TABLE stock", {(None, "stock"): ALL}),
        ("sqlite", "INSERT INTO _alembic_tmp_stock (id, qty) SELECT id, qty FROM stock", {}),
        ("postgresql", "CREATE INDEX ix ON t (c); DELETE FROM t; TRUNCATE t", {}),
        ("postgresql", "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET c = 2",
         {(None, "t"): ALL}),
        ("postgresql", "SELECT 'UPDATE t SET c = 1'", {}),
    ],
)  # fmt: skip
def test_what_a_statement_can_change(
    dialect: str, statement: str, expected: dict[tuple[str | None, str], set[str] | None]
) -> None:
    found = touched(statement, dialect)
    assert found is not None
    assert found.tables == expected


@pytest.mark.parametrize(
    "statement",
    [
        "DO $$ BEGIN UPDATE t SET c = 1; END $$",
        "CALL fix_everything()",
        "MERGE INTO t USING s ON (1=1) WHEN MATCHED THEN UPDATE SET c = 1",
    ],
)
def test_what_cannot_be_read_may_change_anything(statement: str) -> None:
    assert touched(statement, "postgresql") is None
