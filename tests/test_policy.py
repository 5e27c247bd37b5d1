"""``policy.decide``: findings and measurements built by hand, no database, no Alembic."""

from __future__ import annotations

import typing
from typing import Any

import pytest
import sqlalchemy as sa

from alembic_additive import policy
from alembic_additive.findings import (
    Action,
    Decision,
    EnumValueRemoval,
    Finding,
    Findings,
    Kind,
    Measurements,
    MissingColumn,
    MissingIndex,
    MissingTable,
    NotNullChange,
    OrphanColumn,
    OrphanConstraint,
    OrphanIndex,
    OrphanTable,
    OrphanView,
    RenameGuess,
    TableCounts,
    TableRef,
    TypeChange,
)
from alembic_additive.options import Options, OptionsError
from alembic_additive.widening import classify

T = TableRef(None, "patients")
S = TableRef("clinic", "patients")
OTHER = TableRef(None, "visits")


def orphan_column(name: str = "legacy", type_: Any = None, table: TableRef = T) -> OrphanColumn:
    return OrphanColumn(table, sa.Column(name, type_ if type_ is not None else sa.String(40)))


def orphan_table(table: TableRef = T) -> OrphanTable:
    return OrphanTable(table, sa.Table(table.name, sa.MetaData(), schema=table.schema))


def missing_column(column: sa.Column[Any], table: TableRef = T) -> MissingColumn:
    return MissingColumn(table, column)


def type_change(existing: Any, new: Any, column: str = "code", table: TableRef = T) -> TypeChange:
    widening, reason, misfit = classify(existing, new)
    return TypeChange(table, column, existing, new, widening, reason, misfit)


def decide_one(
    finding: Finding,
    counts: dict[TableRef, TableCounts] | None = None,
    options: Options | None = None,
) -> Decision:
    verdict = policy.decide(Findings([finding]), Measurements(counts or {}), options or Options())
    assert len(verdict.decisions) == 1
    decision = verdict.decisions[0]
    assert decision.finding is finding
    return decision


# --- orphan columns and tables: always suppressed, with the counts in the reason -------------


def test_orphan_column_with_data_is_suppressed_naming_counts() -> None:
    d = decide_one(orphan_column(), {T: TableCounts(rows=10, non_null={"legacy": 7})})
    assert d.action is Action.SUPPRESS
    assert d.reason == "orphan column holds 7 non-null value(s) in 10 rows"


def test_orphan_column_estimated_counts_are_marked() -> None:
    counts = {T: TableCounts(rows=1000, non_null={"legacy": 420}, estimated=True)}
    d = decide_one(orphan_column(), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason == "orphan column holds ~420 non-null value(s) in ~1000 rows"


def test_empty_orphan_column_is_suppressed_as_empty() -> None:
    d = decide_one(orphan_column(), {T: TableCounts(rows=10, non_null={"legacy": 0})})
    assert d.action is Action.SUPPRESS
    assert "empty" in d.reason
    assert d.reason == "orphan column is empty (0 values in 10 rows)"


def test_orphan_column_of_empty_table_is_empty() -> None:
    d = decide_one(orphan_column(), {T: TableCounts(rows=0, non_null={"legacy": 0})})
    assert d.action is Action.SUPPRESS
    assert d.reason == "orphan column is empty (0 values in 0 rows)"


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ({}, "unknown non-null value(s) in unknown rows"),  # table not measured
        ({T: TableCounts(rows=10)}, "unknown non-null value(s) in 10 rows"),  # column not counted
        ({T: TableCounts(rows=10, non_null={"legacy": None})}, "unknown non-null value(s)"),
        (
            {T: TableCounts(rows=None, non_null={"legacy": None}, timed_out=True)},
            "unknown (timed out) non-null value(s) in unknown (timed out) rows",
        ),
        ({T: TableCounts(rows=None, error="permission denied")}, "unknown non-null value(s)"),
    ],
)
def test_unknown_orphan_column_counts_are_treated_as_holding_data(
    counts: dict[TableRef, TableCounts], shown: str
) -> None:
    d = decide_one(orphan_column(), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason.startswith("orphan column holds ")
    assert shown in d.reason
    assert "empty" not in d.reason


def test_orphan_table_with_rows_is_suppressed_naming_rows() -> None:
    d = decide_one(orphan_table(), {T: TableCounts(rows=12)})
    assert d.action is Action.SUPPRESS
    assert d.reason == "orphan table holds 12 row(s)"


def test_empty_orphan_table_is_suppressed_as_empty() -> None:
    d = decide_one(orphan_table(), {T: TableCounts(rows=0)})
    assert d.action is Action.SUPPRESS
    assert d.reason == "orphan table is empty (0 rows); clean up deliberately"


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ({}, "unknown"),
        ({T: TableCounts(rows=None, timed_out=True)}, "unknown (timed out)"),
        ({T: TableCounts(rows=3000, estimated=True)}, "~3000"),
    ],
)
def test_orphan_table_unknown_rows_hold_data(
    counts: dict[TableRef, TableCounts], shown: str
) -> None:
    d = decide_one(orphan_table(), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason == f"orphan table holds {shown} row(s)"


def test_counts_of_another_table_do_not_leak() -> None:
    d = decide_one(orphan_column(), {OTHER: TableCounts(rows=0, non_null={"legacy": 0})})
    assert d.action is Action.SUPPRESS
    assert "empty" not in d.reason


# --- missing columns: idempotent, and nullable when existing rows cannot be filled -----------


def not_null_column(**kw: Any) -> sa.Column[Any]:
    return sa.Column("status", sa.String(20), nullable=False, **kw)


def test_not_null_column_on_table_with_rows_is_relaxed() -> None:
    d = decide_one(missing_column(not_null_column()), {T: TableCounts(rows=5)})
    assert d.action is Action.RELAX_NOT_NULL
    assert "NOT NULL without a server default on a table with 5 row(s)" in d.reason
    assert "added as nullable" in d.reason


def test_not_null_column_on_empty_table_is_added_as_is() -> None:
    d = decide_one(missing_column(not_null_column()), {T: TableCounts(rows=0)})
    assert d.action is Action.IF_NOT_EXISTS


@pytest.mark.parametrize(
    "counts",
    [
        {},
        {T: TableCounts(rows=None, timed_out=True)},
        {T: TableCounts(rows=None, error="boom")},
    ],
)
def test_not_null_column_on_table_of_unknown_size_is_relaxed(
    counts: dict[TableRef, TableCounts],
) -> None:
    d = decide_one(missing_column(not_null_column()), counts)
    assert d.action is Action.RELAX_NOT_NULL
    assert "unknown" in d.reason


@pytest.mark.parametrize(
    "column",
    [
        not_null_column(server_default="new"),
        not_null_column(server_default=sa.text("'new'")),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20)),
        sa.Column("n", sa.Integer, sa.Computed("1 + 1"), nullable=False),
        sa.Column("n", sa.Integer, sa.Identity(), nullable=False),
    ],
    ids=[
        "server-default",
        "server-default-text",
        "nullable",
        "default-nullable",
        "computed",
        "identity",
    ],
)
def test_fillable_column_on_table_with_rows_is_added_as_is(column: sa.Column[Any]) -> None:
    d = decide_one(missing_column(column), {T: TableCounts(rows=5)})
    assert d.action is Action.IF_NOT_EXISTS
    assert d.reason == "model column missing from the database"


def test_python_side_default_does_not_fill_existing_rows() -> None:
    column = sa.Column("status", sa.String(20), nullable=False, default="new")
    d = decide_one(missing_column(column), {T: TableCounts(rows=5)})
    assert d.action is Action.RELAX_NOT_NULL


# --- set-not-null: kept only when measured exactly to have no NULL ---------------------------


def test_set_not_null_kept_when_measured_without_null() -> None:
    d = decide_one(NotNullChange(T, "email"), {T: TableCounts(rows=10, non_null={"email": 10})})
    assert d.action is Action.KEEP
    assert d.reason == "no NULL values (measured)"


def test_set_not_null_kept_on_empty_table() -> None:
    d = decide_one(NotNullChange(T, "email"), {T: TableCounts(rows=0, non_null={"email": 0})})
    assert d.action is Action.KEEP


def test_set_not_null_suppressed_when_nulls_exist() -> None:
    d = decide_one(NotNullChange(T, "email"), {T: TableCounts(rows=10, non_null={"email": 8})})
    assert d.action is Action.SUPPRESS
    assert d.reason == "2 NULL value(s) would violate NOT NULL"


def test_set_not_null_suppressed_when_only_estimated() -> None:
    counts = {T: TableCounts(rows=10, non_null={"email": 10}, estimated=True)}
    d = decide_one(NotNullChange(T, "email"), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason == "cannot prove the column has no NULL (not measured exactly)"


@pytest.mark.parametrize(
    ("counts", "why"),
    [
        ({}, "not measured exactly"),
        ({T: TableCounts(rows=10)}, "not measured exactly"),
        ({T: TableCounts(rows=10, non_null={"email": None})}, "not measured exactly"),
        ({T: TableCounts(rows=None, non_null={"email": None}, timed_out=True)}, "timed out"),
    ],
)
def test_set_not_null_suppressed_when_unknown(
    counts: dict[TableRef, TableCounts], why: str
) -> None:
    d = decide_one(NotNullChange(T, "email"), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason == f"cannot prove the column has no NULL ({why})"


# --- type changes: widening kept, lossy suppressed with the misfit count --------------------


def test_widening_type_change_is_kept() -> None:
    d = decide_one(type_change(sa.String(20), sa.String(50)))
    assert d.action is Action.KEEP
    assert d.reason == "VARCHAR(20) → VARCHAR(50) widens"


def test_lossy_type_change_is_suppressed_with_misfit_count() -> None:
    counts = {T: TableCounts(rows=10, non_null={"code": 9}, misfits={"code": 3})}
    d = decide_one(type_change(sa.String(50), sa.String(20)), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason == (
        "lossy type change: VARCHAR(50) → VARCHAR(20) may truncate; 3 value(s) would not fit"
    )


def test_lossy_type_change_with_no_misfit_is_still_suppressed() -> None:
    counts = {T: TableCounts(rows=10, non_null={"code": 9}, misfits={"code": 0})}
    d = decide_one(type_change(sa.BigInteger(), sa.Integer()), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason.endswith("; 0 value(s) would not fit")


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ({}, "unknown"),
        (
            {T: TableCounts(rows=None, misfits={"code": None}, timed_out=True)},
            "unknown (timed out)",
        ),
        ({T: TableCounts(rows=10, misfits={"code": None}, estimated=True)}, "unknown"),
    ],
)
def test_lossy_type_change_with_unknown_misfits(
    counts: dict[TableRef, TableCounts], shown: str
) -> None:
    d = decide_one(type_change(sa.Text(), sa.String(10)), counts)
    assert d.action is Action.SUPPRESS
    assert d.reason.endswith(f"; {shown} value(s) would not fit")


def test_lossy_type_change_without_misfit_check_has_no_count() -> None:
    d = decide_one(type_change(sa.Integer(), sa.String(10)), {T: TableCounts(rows=10)})
    assert d.action is Action.SUPPRESS
    assert d.reason == "lossy type change: INTEGER → VARCHAR(10) is not a provable widening"


# --- the rest of the defaults ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("finding", "action", "phrase"),
    [
        (MissingTable(T), Action.IF_NOT_EXISTS, "model table missing"),
        (MissingIndex(T, "ix_patients_name"), Action.IF_NOT_EXISTS, "model index missing"),
        (OrphanIndex(T, "ix_old", ("name",)), Action.SUPPRESS, "index not in the models"),
        (OrphanConstraint(T, "fk_x", "foreignkey"), Action.SUPPRESS, "foreignkey constraint"),
        (OrphanConstraint(T, "uq_x", "unique"), Action.SUPPRESS, "unique constraint"),
    ],
)
def test_other_defaults(finding: Finding, action: Action, phrase: str) -> None:
    d = decide_one(finding, {T: TableCounts(rows=0)})
    assert d.action is action
    assert phrase in d.reason


def test_every_finding_class_has_a_default() -> None:
    classes = typing.get_args(Finding)
    assert len(classes) >= 9
    assert set(classes) == set(policy._DEFAULTS)
    for cls in classes:
        assert callable(policy._DEFAULTS[cls])


SAMPLES: list[Finding] = [
    orphan_table(),
    orphan_column(),
    MissingTable(T),
    missing_column(not_null_column()),
    MissingIndex(T, "ix"),
    OrphanIndex(T, "ix", ("a",)),
    OrphanConstraint(T, "ck", "check"),
    type_change(sa.String(5), sa.String(9)),
    NotNullChange(T, "email"),
    OrphanView(TableRef(None, "patient_view"), materialized=True),
    EnumValueRemoval(TableRef(None, "status"), ("gone",), ((T, "status", False),)),
]


def test_samples_cover_every_finding_class() -> None:
    assert {type(f) for f in SAMPLES} == set(typing.get_args(Finding))


@pytest.mark.parametrize("finding", SAMPLES, ids=lambda f: type(f).__name__)
def test_every_default_returns_a_decision_for_its_finding(finding: Finding) -> None:
    d = decide_one(finding)
    assert isinstance(d.action, Action)
    assert d.reason
    assert d.key == finding.key


# --- overrides and allow_drop ----------------------------------------------------------------


def test_allow_override_keeps_a_drop_column() -> None:
    options = Options(policy={Kind.DROP_COLUMN: "allow"})
    d = decide_one(orphan_column(), {T: TableCounts(rows=10, non_null={"legacy": 7})}, options)
    assert d.action is Action.KEEP
    assert d.reason == "configured: drop-column = allow"


def test_override_applies_to_its_kind_only() -> None:
    options = Options(policy={Kind.DROP_COLUMN: "allow"})
    findings = Findings([orphan_column(), orphan_table(OTHER), OrphanIndex(T, "ix", ("a",))])
    verdict = policy.decide(findings, Measurements({}), options)
    assert [d.action for d in verdict.decisions] == [Action.KEEP, Action.SUPPRESS, Action.SUPPRESS]


@pytest.mark.parametrize(
    ("finding", "kind"),
    [
        (MissingTable(T), Kind.CREATE_TABLE),
        (missing_column(not_null_column()), Kind.ADD_COLUMN),
        (type_change(sa.String(5), sa.String(9)), Kind.ALTER_COLUMN_TYPE),
        (MissingIndex(T, "ix"), Kind.CREATE_INDEX),
    ],
)
def test_suppress_override_suppresses_even_additive_kinds(finding: Finding, kind: Kind) -> None:
    d = decide_one(finding, {T: TableCounts(rows=3)}, Options(policy={kind: "suppress"}))
    assert d.action is Action.SUPPRESS
    assert d.reason == f"configured: {kind.value} = suppress"


def test_allow_override_keeps_lossy_type_change_and_not_null() -> None:
    options = Options(policy={Kind.ALTER_COLUMN_TYPE: "allow", Kind.SET_NOT_NULL: "allow"})
    counts = {T: TableCounts(rows=10, non_null={"email": 1, "code": 10}, misfits={"code": 4})}
    findings = Findings([type_change(sa.String(50), sa.String(5)), NotNullChange(T, "email")])
    verdict = policy.decide(findings, Measurements(counts), options)
    assert [d.action for d in verdict.decisions] == [Action.KEEP, Action.KEEP]


def test_safe_override_is_the_default_verdict() -> None:
    counts = {T: TableCounts(rows=10, non_null={"legacy": 7})}
    d = decide_one(orphan_column(), counts, Options(policy={Kind.DROP_COLUMN: "safe"}))
    assert d.action is Action.SUPPRESS
    assert d.reason.startswith("orphan column holds 7")


@pytest.mark.parametrize(
    ("allow", "finding", "kept"),
    [
        ({"patients"}, orphan_table(), True),
        ({"visits"}, orphan_table(), False),
        ({"patients.legacy"}, orphan_table(), False),
        ({"patients.legacy"}, orphan_column("legacy"), True),
        ({"patients.legacy"}, orphan_column("other"), False),
        ({"visits.legacy"}, orphan_column("legacy"), False),
        ({"patients"}, orphan_column("legacy"), False),  # a table name does not cover columns
        ({"clinic.patients"}, orphan_table(S), True),
        # an unqualified name means the default schema only (S is in schema "clinic")
        ({"patients"}, orphan_table(S), False),
        ({"other.patients"}, orphan_table(S), False),
        ({"clinic.patients"}, orphan_table(T), False),
        ({"clinic.patients.legacy"}, orphan_column("legacy", table=S), True),
        ({"patients.legacy"}, orphan_column("legacy", table=S), False),
        ({"other.patients.legacy"}, orphan_column("legacy", table=S), False),
        ({"clinic.patients.legacy"}, orphan_column("legacy", table=T), False),
        ({"clinic.patients.legacy"}, orphan_column("other", table=S), False),
    ],
)
def test_allow_drop(allow: set[str], finding: Finding, kept: bool) -> None:
    counts = {
        T: TableCounts(rows=5, non_null={"legacy": 5, "other": 5}),
        S: TableCounts(rows=5, non_null={"legacy": 5, "other": 5}),
    }
    d = decide_one(finding, counts, Options(allow_drop=frozenset(allow)))
    if kept:
        assert d.action is Action.KEEP
        assert d.reason == "allowed by allow_drop"
    else:
        assert d.action is Action.SUPPRESS


def test_allow_drop_names_the_default_schema_by_its_name_too() -> None:
    options = Options(allow_drop=frozenset({"public.patients.legacy"}), default_schema="public")
    assert options.drop_allowed(None, "patients", "legacy")
    assert options.drop_allowed("public", "patients", "legacy")
    assert not options.drop_allowed("clinic", "patients", "legacy")


def test_ambiguous_allow_drop_entry_is_refused() -> None:
    """'clinic.patients' is table patients of schema clinic and column patients of table
    clinic in the default schema: with both orphans present, the entry is an error."""
    options = Options(allow_drop=frozenset({"clinic.patients"}), default_schema="public")
    options.check_allow_drop([("clinic", "patients", None)])  # one meaning: fine
    with pytest.raises(OptionsError, match=r"allow_drop entry 'clinic\.patients' is ambiguous"):
        options.check_allow_drop([("clinic", "patients", None), (None, "clinic", "patients")])


def test_allow_drop_does_not_cover_indexes_or_constraints() -> None:
    options = Options(allow_drop=frozenset({"patients", "patients.ix_old"}))
    findings = Findings([OrphanIndex(T, "ix_old", ("a",)), OrphanConstraint(T, "ix_old", "unique")])
    verdict = policy.decide(findings, Measurements({}), options)
    assert [d.action for d in verdict.decisions] == [Action.SUPPRESS, Action.SUPPRESS]


def test_suppress_override_wins_over_allow_drop() -> None:
    options = Options(policy={Kind.DROP_TABLE: "suppress"}, allow_drop=frozenset({"patients"}))
    d = decide_one(orphan_table(), {T: TableCounts(rows=0)}, options)
    assert d.action is Action.SUPPRESS
    assert d.reason == "configured: drop-table = suppress"


# --- rename guesses --------------------------------------------------------------------------


def guesses(findings: list[Finding], counts: dict[TableRef, TableCounts]) -> list[RenameGuess]:
    return policy.decide(Findings(findings), Measurements(counts), Options()).renames


def test_rename_guess_for_orphan_with_data_beside_same_family_column() -> None:
    found = guesses(
        [orphan_column("surname", sa.String(40)), missing_column(sa.Column("last_name", sa.Text))],
        {T: TableCounts(rows=10, non_null={"surname": 9})},
    )
    assert found == [RenameGuess(T, "surname", "last_name", 9)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (sa.String(40), sa.Integer()),
        (sa.Integer(), sa.String(40)),
        (sa.Integer(), sa.Boolean()),
        (sa.Boolean(), sa.Integer()),
        (sa.Integer(), sa.Numeric(10, 2)),
        (sa.Date(), sa.DateTime()),
        (sa.DateTime(), sa.Time()),
    ],
    ids=repr,
)
def test_no_rename_guess_across_type_families(old: Any, new: Any) -> None:
    found = guesses(
        [orphan_column("a", old), missing_column(sa.Column("b", new))],
        {T: TableCounts(rows=10, non_null={"a": 9})},
    )
    assert found == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (sa.SmallInteger(), sa.BigInteger()),
        (sa.Numeric(10, 2), sa.Float()),
        (sa.String(10), sa.Unicode(200)),
        (sa.DateTime(), sa.DateTime(timezone=True)),
        (sa.Boolean(), sa.Boolean()),
    ],
    ids=repr,
)
def test_rename_guess_within_a_type_family(old: Any, new: Any) -> None:
    found = guesses(
        [orphan_column("a", old), missing_column(sa.Column("b", new))],
        {T: TableCounts(rows=10, non_null={"a": 2})},
    )
    assert found == [RenameGuess(T, "a", "b", 2)]


def test_no_rename_guess_for_an_empty_orphan() -> None:
    found = guesses(
        [orphan_column("surname"), missing_column(sa.Column("last_name", sa.String(40)))],
        {T: TableCounts(rows=10, non_null={"surname": 0})},
    )
    assert found == []


def test_rename_guess_when_the_orphan_count_is_unknown() -> None:
    found = guesses(
        [orphan_column("surname"), missing_column(sa.Column("last_name", sa.String(40)))],
        {T: TableCounts(rows=None, non_null={"surname": None}, timed_out=True)},
    )
    assert found == [RenameGuess(T, "surname", "last_name", None)]


def test_no_rename_guess_across_tables() -> None:
    found = guesses(
        [orphan_column("surname"), missing_column(sa.Column("last_name", sa.String(40)), OTHER)],
        {T: TableCounts(rows=10, non_null={"surname": 9})},
    )
    assert found == []


def test_rename_guesses_pair_every_candidate() -> None:
    found = guesses(
        [
            orphan_column("surname"),
            orphan_column("phone_no"),
            missing_column(sa.Column("last_name", sa.String(40))),
            missing_column(sa.Column("age", sa.Integer)),
            missing_column(sa.Column("phone", sa.String(20))),
        ],
        {T: TableCounts(rows=10, non_null={"surname": 9, "phone_no": 0})},
    )
    assert found == [
        RenameGuess(T, "surname", "last_name", 9),
        RenameGuess(T, "surname", "phone", 9),
    ]


# --- the verdict as a whole ------------------------------------------------------------------


def test_decide_keeps_finding_order_and_is_pure() -> None:
    counts = {T: TableCounts(rows=4, non_null={"legacy": 4, "email": 4})}
    findings = Findings(list(SAMPLES))
    measurements = Measurements(counts, mode="exact")
    first = policy.decide(findings, measurements, Options())
    second = policy.decide(findings, measurements, Options())
    assert [d.finding for d in first.decisions] == SAMPLES
    assert first.decisions == second.decisions
    assert first.measurements is measurements
    assert len(findings) == len(SAMPLES)  # nothing added or removed
    assert set(first.by_key()) == {f.key for f in SAMPLES}
    assert [d.action for d in first.decisions] == [
        Action.SUPPRESS,  # orphan table
        Action.SUPPRESS,  # orphan column
        Action.IF_NOT_EXISTS,  # missing table
        Action.RELAX_NOT_NULL,  # NOT NULL column on 4 rows
        Action.IF_NOT_EXISTS,  # missing index
        Action.SUPPRESS,  # orphan index
        Action.SUPPRESS,  # orphan constraint
        Action.KEEP,  # widening
        Action.KEEP,  # set-not-null, 4 of 4 non-null
        Action.SUPPRESS,  # orphan materialized view (rows unknown)
        Action.SUPPRESS,  # enum label removal (uses unknown)
    ]


def test_estimated_empty_table_still_gets_a_nullable_column() -> None:
    """Statistics can be stale: only a measured 0 rows proves NOT NULL can be added as is."""
    ref = TableRef(None, "t")
    column = sa.Column("status", sa.String(20), nullable=False)
    found = Findings([MissingColumn(ref, column)])
    m = Measurements({ref: TableCounts(rows=0, estimated=True)}, mode="estimate")
    (decision,) = policy.decide(found, m, Options()).decisions
    assert decision.action is Action.RELAX_NOT_NULL


# --- other extensions: views (alembic_utils) and enum labels (alembic-postgresql-enum) -------


def test_orphan_views_are_suppressed_like_tables() -> None:
    view = OrphanView(T, materialized=False)
    assert decide_one(view).reason == "orphan view; dropping it is left to you"
    mat = OrphanView(T, materialized=True)
    d = decide_one(mat, {T: TableCounts(rows=4)})
    assert (d.action, d.reason) == (Action.SUPPRESS, "orphan materialized view holds 4 row(s)")
    assert "unknown" in decide_one(mat).reason
    kept = decide_one(mat, {T: TableCounts(rows=4)}, Options(allow_drop=frozenset({"patients"})))
    assert kept.action is Action.KEEP


ENUM = TableRef(None, "status")


def test_enum_label_removal_kept_only_when_measured_unused() -> None:
    f = EnumValueRemoval(ENUM, ("gone", "old"), ((T, "status", False), (OTHER, "tags", True)))
    used = {
        T: TableCounts(rows=5, uses={("status", "gone"): 2, ("status", "old"): 0}),
        OTHER: TableCounts(rows=3, uses={("tags", "gone"): 1, ("tags", "old"): 0}),
    }
    d = decide_one(f, used)
    assert d.action is Action.SUPPRESS
    assert d.reason == (
        "removes 'gone' (used by 3 row(s): patients.status 2, visits.tags 1), "
        "'old' (used by 0 row(s))"
    )
    unused = {
        T: TableCounts(rows=5, uses={("status", "gone"): 0, ("status", "old"): 0}),
        OTHER: TableCounts(rows=3, uses={("tags", "gone"): 0, ("tags", "old"): 0}),
    }
    assert decide_one(f, unused).action is Action.KEEP
    # unknown (not measured, estimated, timed out) is treated as used
    assert decide_one(f).action is Action.SUPPRESS
    estimated = {t: TableCounts(rows=0, uses=c.uses, estimated=True) for t, c in unused.items()}
    assert decide_one(f, estimated).action is Action.SUPPRESS
    assert policy.needs_counts(f)


def test_enum_label_removal_follows_the_alter_column_type_override() -> None:
    f = EnumValueRemoval(ENUM, ("gone",), ((T, "status", False),))
    used = {T: TableCounts(rows=5, uses={("status", "gone"): 2})}
    options = Options(policy={Kind.ALTER_COLUMN_TYPE: "allow"})
    assert decide_one(f, used, options).action is Action.KEEP
