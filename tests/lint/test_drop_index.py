"""drop-index: ``op.drop_index`` / ``batch_op.drop_index``; ``drop_index_if_exists`` is fine.

Also the pyproject ``ignore`` setting, which teams often use for this rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import found, project, rules

from alembic_additive.lint import LintConfigError, load_config


def test_err_drop_index(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_index(op.f("ix_users_email"), table_name="users")
        with op.batch_alter_table("users") as batch_op:
            batch_op.drop_index("ix_users_name")
        """
    )
    result = lint()
    assert rules(result) == ["drop-index", "drop-index"]
    assert "unique index" in result.findings[0].message
    assert "`ix_users_name`" in result.findings[1].message


def test_ok_drop_index_if_exists_and_create(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.create_index("ix_a", "a", ["x"])
            op.drop_index_if_exists("ix_old", "a")


        def downgrade():
            op.drop_index_if_exists("ix_a", "a")
        """
    )
    assert rules(lint(include_downgrade=True)) == []


def test_pyproject_ignore(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_index("ix_a", table_name="a")
        op.drop_table("a")
        """
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nignore = ["drop-index"]\n', encoding="utf-8"
    )
    config = load_config(tmp_path / "versions")
    assert config.ignore == {"drop-index"}
    assert rules(lint(config=config)) == ["drop-table"]


def test_pyproject_nearest_file_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nignore = ["drop-table"]\n', encoding="utf-8"
    )
    inner = tmp_path / "sub"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(inner).ignore == frozenset()
    assert load_config(tmp_path).ignore == {"drop-table"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('ignore = ["drop-indx"]', "unknown rule 'drop-indx'"),
        ('ignore = "drop-index"', "expected a list of rule ids"),
        ("baseline = 3", "expected a revision id"),
        ("allow_revisions = [1]", "expected a list of revision ids"),
        ("colour = true", "unknown setting"),
    ],
)
def test_pyproject_typos_are_errors(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.alembic_additive.lint]\n{body}\n", encoding="utf-8"
    )
    with pytest.raises(LintConfigError, match=message):
        load_config(tmp_path)


def test_err_names_shown_as_literals(tmp_path: Path) -> None:
    """``batch_op.f('ix_...')`` and a variable assigned a literal just above are shown as
    the index's name, not as the expression."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_users_email"))
        index_name = "ix_visits_date"
        op.drop_index(index_name, table_name="visits")
        op.drop_index(op.f("ix_notes_body"), "notes")
        """
    )
    result = lint()
    assert found(result) == [
        (10, 9, "drop-index", "users", "ix_users_email", "warning"),
        (12, 5, "drop-index", "visits", "ix_visits_date", "warning"),
        (13, 5, "drop-index", "notes", "ix_notes_body", "warning"),
    ]
    assert "drops index `ix_users_email` on `users`:" in result.findings[0].message
    assert "batch_op.f(" not in result.findings[0].message
    assert "drops index `ix_visits_date` on `visits`:" in result.findings[1].message


def test_ok_scratch_index_and_rebuilt_index(tmp_path: Path) -> None:
    """An index created earlier in the same upgrade, or dropped and created again under
    the same name (here around a type change), is there when the upgrade ends."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.create_index("ix_tmp_backfill", "visits", ["patient_id"])
        op.execute("UPDATE visits SET patient_id = 1 WHERE patient_id IS NULL")
        op.drop_index("ix_tmp_backfill", table_name="visits")
        op.drop_index(op.f("ix_users_email"), table_name="users")
        op.alter_column("users", "email", existing_type=sa.String(50), type_=sa.String(100))
        op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
        op.execute("DROP INDEX ix_notes_body")
        op.execute("CREATE INDEX ix_notes_body ON notes (body)")
        op.drop_index("ix_really_gone", table_name="visits")
        """
    )
    assert found(lint()) == [(17, 5, "drop-index", "visits", "ix_really_gone", "warning")]


def test_err_index_dropped_in_downgrade_but_created_in_upgrade(tmp_path: Path) -> None:
    """Each entry point is its own unit: a create in ``upgrade()`` exempts nothing in
    ``downgrade()`` (which runs on a database where it already existed)."""
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.create_index("ix_a", "a", ["x"])


        def downgrade():
            op.drop_index("ix_a", table_name="a")
        """
    )
    assert found(lint(include_downgrade=True)) == [(13, 5, "drop-index", "a", "ix_a", "warning")]


def test_err_drops_inside_a_helper_context_manager(tmp_path: Path) -> None:
    """The helper yields the batch of ``op.batch_alter_table(name)``: the index drops in
    that branch are found, named, and on the helper's argument's table."""
    write, lint = project(tmp_path)
    write(
        """
        import contextlib


        @contextlib.contextmanager
        def _with_batch(name):
            with op.batch_alter_table(name) as batch:
                yield batch


        def upgrade():
            if op.get_bind().dialect.name == "sqlite":
                with _with_batch("dag_run") as batch_op:
                    batch_op.drop_index("idx_dag_run_state")
                    batch_op.drop_index(batch_op.f("ix_dag_run_queued_at"))
            else:
                op.drop_index("idx_dag_run_state", table_name="dag_run")
        """
    )
    assert found(lint()) == [
        (20, 13, "drop-index", "dag_run", "idx_dag_run_state", "warning"),
        (21, 13, "drop-index", "dag_run", "ix_dag_run_queued_at", "warning"),
        (23, 9, "drop-index", "dag_run", "idx_dag_run_state", "warning"),
    ]


def test_err_recreated_only_on_some_databases(tmp_path: Path) -> None:
    """A re-create under a branch does not restore the index on the other databases."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_index("ix_users_email", table_name="users")
        if op.get_bind().dialect.name == "postgresql":
            op.create_index("ix_users_email", "users", ["email"], postgresql_using="gin")
        """
    )
    assert found(lint()) == [(9, 5, "drop-index", "users", "ix_users_email", "warning")]
