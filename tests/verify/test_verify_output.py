"""The comparison rule and the renderers, without a database: what counts as a loss, and
exactly what the text and JSON reports say."""

from __future__ import annotations

import json

from alembic_additive.findings import TableRef
from alembic_additive.verify import LossKind, VerifyResult, Violation
from alembic_additive.verify.output import render, summary_line, violation_line
from alembic_additive.verify.runner import ends_transaction
from alembic_additive.verify.snapshot import Snapshot, TableState, compare


def _snap(**tables: tuple[int, dict[str, int]]) -> Snapshot:
    return Snapshot({TableRef(None, n): TableState(r, nn) for n, (r, nn) in tables.items()})


def test_growth_and_new_things_are_not_losses() -> None:
    before = _snap(t=(2, {"a": 1}))
    after = _snap(t=(5, {"a": 5, "b": 0}), new=(0, {"x": 0}))
    assert compare("r", before, after) == []


def test_every_kind() -> None:
    before = _snap(gone=(4, {"x": 4}), t=(10, {"a": 10, "b": 10, "c": 3, "d": 9}))
    after = _snap(t=(8, {"a": 8, "b": 5, "d": 9}))
    assert [
        (v.kind.value, v.table, v.column, v.before, v.after) for v in compare("r", before, after)
    ] == [
        ("table-removed", "gone", None, 4, None),
        ("rows-lost", "t", None, 10, 8),
        # a: fell by exactly the 2 deleted rows -> not reported; b: fell by 5 > 2.
        ("values-lost", "t", "b", 10, 5),
        ("column-removed", "t", "c", 3, None),
    ]


def test_schema_qualified_table_names() -> None:
    before = Snapshot({TableRef("app", "t"): TableState(1, {})})
    assert compare("r", before, Snapshot({}))[0].table == "app.t"


def test_text_lines() -> None:
    lines = [
        violation_line(Violation("r1", LossKind.ROWS_LOST, "t", None, 3, 1)),
        violation_line(Violation("r2", LossKind.VALUES_LOST, "t", "c", 3, 0)),
        violation_line(Violation("r3", LossKind.COLUMN_REMOVED, "t", "c", 2, None)),
        violation_line(Violation("r4", LossKind.TABLE_REMOVED, "t", None, 5, None)),
        violation_line(Violation("r5", LossKind.VALUES_LOST, "t", "c", 3, 3, changed=2)),
        violation_line(Violation("r6", LossKind.TABLE_RENAMED, "t", None, 5, 5, renamed_to="u")),
    ]
    assert lines == [
        "r1: rows-lost t: rows 3 → 1",
        "r2: values-lost t.c: non-null values 3 → 0",
        "r3: column-removed t.c: non-null values 2 → column removed",
        "r4: table-removed t: rows 5 → table removed",
        "r5: values-lost t.c: non-null values 3 → 3 (2 set to NULL)",
        "r6: table-renamed t → u: 5 rows kept",
    ]


def test_summaries() -> None:
    url = "postgresql://u:***@h/db"
    clean = VerifyResult(revisions=["a"], start=(), url=url)
    assert summary_line(clean) == f"No data lost: 1 revision verified (base → a) on {url}."
    lost = VerifyResult(
        violations=[Violation("b", LossKind.ROWS_LOST, "t", None, 1, 0)] * 2,
        revisions=["b", "c"],
        start=("a",),
        url=url,
        rolled_back=True,
    )
    assert (
        summary_line(lost) == f"Found 2 violations in 2 revisions (a → c) on {url} (rolled back)."
    )
    assert summary_line(VerifyResult(url=url)) == f"No data lost: no revision to run on {url}."


def test_json_has_exactly_the_documented_shape() -> None:
    result = VerifyResult(
        violations=[Violation("r3", LossKind.COLUMN_REMOVED, "t", "c", 2, None)],
        revisions=["r3"],
        notes=["seed: skipped table x: ..."],
    )
    assert json.loads(render(result, "json")) == {
        "violations": [
            {
                "revision": "r3",
                "kind": "column-removed",
                "table": "t",
                "column": "c",
                "before": 2,
                "after": None,
            }
        ]
    }


def test_statements_that_end_the_transaction() -> None:
    assert ends_transaction("COMMIT")
    assert ends_transaction("delete from t; commit;")
    assert ends_transaction("END TRANSACTION")
    assert not ends_transaction("ROLLBACK TO SAVEPOINT sa_1")
    assert not ends_transaction("DO $b$ BEGIN PERFORM 1; END; $b$")
    assert not ends_transaction(
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE sql"
    )
    assert not ends_transaction(
        "CREATE FUNCTION f() RETURNS int AS 'BEGIN RETURN 1; END;' LANGUAGE sql"
    )
    assert not ends_transaction("UPDATE t SET a = 1 -- and then commit;")


def test_strings_and_comments_that_read_like_commit_are_not_commits() -> None:
    assert not ends_transaction("'COMMIT'")
    assert not ends_transaction("SELECT 'x'; /* commit; */ SELECT 1")
    assert not ends_transaction("INSERT INTO log (msg) VALUES ('rollback')")
    assert ends_transaction("ABORT")
    assert ends_transaction("commit work")
