"""drop-table: ``op.drop_table`` wherever ``upgrade()`` can reach it, however ``op`` is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import found, project, rules, upgrade_source

from alembic_additive.lint import (
    LintConfig,
    LintConfigError,
    lint_paths,
    lint_source,
    quick_revision_ids,
)


def test_err_in_upgrade(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    path = write(upgrade='op.drop_table("users")', revision="abc123")
    result = lint()
    assert rules(result) == ["drop-table"]
    finding = result.findings[0]
    assert finding.path.endswith(path.name)
    assert (finding.line, finding.column, finding.revision) == (9, 5, "abc123")
    assert "`users`" in finding.message and "every row" in finding.message
    assert "drop_table_if_empty" in finding.message


def test_err_in_helpers_called_transitively(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _really_drop(name):
            op.drop_table(name)


        def _cleanup():
            _really_drop("legacy")


        def upgrade():
            _cleanup()


        def downgrade():
            pass
        """
    )
    assert rules(lint()) == ["drop-table"]


def test_err_helper_receives_op_as_argument(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _drop(operations, name):
            operations.drop_table(name)


        def upgrade():
            _drop(op, "legacy")
            _drop(name="other", operations=op)
        """
    )
    assert rules(lint()) == ["drop-table"]  # one call site in the helper: reported once


def test_err_helpers_passed_around_by_reference(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _drop_a():
            op.drop_table("a")


        def upgrade():
            for step in (_drop_a,):
                step()
        """
    )
    assert rules(lint()) == ["drop-table"]


def test_err_in_loop_and_both_branches(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        for table in ["a", "b"]:
            op.drop_table(table)
        if op.get_context().dialect.name == "postgresql":
            op.drop_table("pg_only")
        else:
            while False:
                op.drop_table("never")
        try:
            pass
        finally:
            op.drop_table("finally")
        """
    )
    assert rules(lint()) == ["drop-table"] * 4


def test_err_aliases_of_op(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        from alembic import op as migration
        import alembic.op
        import alembic as al
        from alembic.op import drop_table as dt

        o = migration


        def upgrade():
            migration.drop_table("a")
            alembic.op.drop_table("b")
            al.op.drop_table("c")
            dt("d")
            o.drop_table("e")
            local = o
            local.drop_table("f")
        """
    )
    result = lint()
    assert rules(result) == ["drop-table"] * 6
    assert [f.line for f in result.findings] == [17, 18, 19, 20, 21, 23]


def test_err_op_imported_inside_the_function(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            from alembic import op as local_op

            local_op.drop_table("x")
        """
    )
    assert rules(lint()) == ["drop-table"]


def test_err_nested_function_inside_upgrade(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        def inner():
            op.drop_table("x")
        inner()
        """
    )
    assert rules(lint()) == ["drop-table"]


def test_err_multidb_template_functions(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade(engine_name):
            globals()["upgrade_%s" % engine_name]()


        def upgrade_engine1():
            op.drop_table("x")
        """
    )
    assert rules(lint()) == ["drop-table"]


def test_ok_downgrade_is_not_linted_by_default(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _helper():
            op.drop_table("only_from_downgrade")


        def upgrade():
            op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))


        def downgrade():
            op.drop_table("users")
            _helper()
        """
    )
    assert rules(lint()) == []
    assert rules(lint(include_downgrade=True)) == ["drop-table", "drop-table"]


def test_ok_guarded_drop(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        import alembic_additive.operations  # noqa: F401


        def upgrade():
            op.drop_table_if_empty("users")


        def downgrade():
            op.drop_table_if_empty("users")
        """
    )
    assert rules(lint(include_downgrade=True)) == []


def test_ok_unrelated_objects_and_uncalled_helpers(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        class Registry:
            def drop_table(self, name):
                pass


        def _never_called():
            op.drop_table("x")


        def upgrade():
            Registry().drop_table("x")
            metadata = sa.MetaData()
            metadata.drop_all  # an attribute, not an operation
        """
    )
    assert rules(lint()) == []


def test_ok_module_level_code_is_not_a_migration_step(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        DROP = "drop_table"


        def upgrade():
            pass
        """
    )
    assert rules(lint()) == []


def test_suppressed_with_reason(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_table("tmp_import")  # additive: allow drop-table -- scratch table of this revision
        # additive: allow drop-table -- created two lines above, never shipped
        op.drop_table("tmp_two")
        op.drop_table("tmp_three")
        """
    )
    assert [f.line for f in lint().findings] == [12]


def test_baseline_from_the_files(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    versions = tmp_path / "versions"
    write(upgrade='op.drop_table("a")', revision="r1", down=None)
    write(upgrade='op.drop_table("b")', revision="r2", down="r1")
    write(upgrade='op.drop_table("c")', revision="r3", down="r2")
    result = lint(config=LintConfig(baseline="r2"))
    assert [f.revision for f in result.findings] == ["r3"]
    assert len(result.skipped) == 2
    # a single file (as pre-commit passes it) still finds its ancestors next to it
    single = lint_paths([versions / "r2_rev.py"], config=LintConfig(baseline="r2"))
    assert single.findings == [] and single.skipped


def test_baseline_with_a_merge(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.drop_table("a")', revision="base1")
    write(upgrade='op.drop_table("b")', revision="left", down="base1")
    write(upgrade='op.drop_table("c")', revision="right", down="base1")
    write(upgrade="pass", revision="merge", down=None, name="merge_rev.py").write_text(
        '"""m"""\nfrom alembic import op\nrevision = "merge"\n'
        'down_revision = ("left", "right")\n\ndef upgrade():\n    op.drop_table("m")\n',
        encoding="utf-8",
    )
    write(upgrade='op.drop_table("d")', revision="after", down="merge")
    found = lint(config=LintConfig(baseline="merge")).findings
    assert [f.revision for f in found] == ["after"]


def test_baseline_unknown_is_an_error(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(upgrade='op.drop_table("a")', revision="r1")
    with pytest.raises(LintConfigError, match="nope"):
        lint(config=LintConfig(baseline="nope"))


def test_baseline_from_alembic_ini(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    ini = tmp_path / "alembic.ini"
    command.init(Config(str(ini)), str(tmp_path / "migrations"))
    cfg = Config(str(ini))
    for rev in ("aaa", "bbb", "ccc"):
        script = command.revision(cfg, rev, rev_id=rev)
        assert script is not None and not isinstance(script, list)
        path = Path(script.path)
        path.write_text(
            path.read_text().replace("    pass", f'    op.drop_table("{rev}")', 1), "utf-8"
        )
    versions = tmp_path / "migrations" / "versions"
    result = lint_paths([versions], config=LintConfig(baseline="bbb"), alembic_ini=ini)
    assert [f.revision for f in result.findings] == ["ccc"]


def test_lint_source_for_editors() -> None:
    result = lint_source(upgrade_source('op.drop_table("x")'), "rev.py")
    assert [(f.path, f.line, f.rule) for f in result.findings] == [("rev.py", 9, "drop-table")]
    broken = lint_source("def upgrade(:\n", "rev.py")
    assert [str(e) for e in broken.errors] == ["rev.py:1: syntax error: invalid syntax"]
    assert broken.exit_code == 2


def test_recursive_helpers_terminate(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def _grow(sql, n):
            if n:
                _grow(sql + " x", n - 1)
            op.execute(sql)
            _ping(sql)


        def _ping(sql):
            _grow(sql + "y", 1)


        def upgrade():
            _grow("TRUNCATE t", 3)
            op.drop_table("after")
        """
    )
    assert sorted(rules(lint())) == ["destructive-sql", "drop-table"]


def test_quick_revision_ids() -> None:
    header = 'revision: str = "abc"\ndown_revision: Union[str, None] = ("a", "b")  # merge\n'
    assert quick_revision_ids(header) == ("abc", ("a", "b"))
    assert quick_revision_ids('revision = "abc"\ndown_revision = None\n') == ("abc", ())
    # anything unusual is left to the AST
    assert quick_revision_ids('revision = "abc"\ndown_revision = (\n    "a",\n)\n') is None
    assert quick_revision_ids("revision = REV\ndown_revision = None\n") is None
    assert quick_revision_ids('revision = "a"\nrevision = "b"\ndown_revision = None\n') is None


def test_skipped_revisions_are_not_even_parsed(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    old = write(upgrade='op.drop_table("a")', revision="old1")
    old.write_text(old.read_text() + "\ndef broken(:\n")
    write(upgrade='op.drop_table("b")', revision="new2", down="old1")
    result = lint(config=LintConfig(baseline="old1"))
    assert result.errors == []
    assert [f.revision for f in result.findings] == ["new2"]


def test_ok_scratch_table_created_earlier_in_the_same_upgrade(tmp_path: Path) -> None:
    """Created by this upgrade (by ``op.create_table`` or in SQL), so it held nothing that
    existed before; the same name in another revision, or dropped first, is still a loss."""
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_table("users_tmp")
        op.create_table("users_tmp", sa.Column("id", sa.Integer()))
        op.execute("INSERT INTO users_tmp SELECT id FROM users")
        op.drop_table("users_tmp")
        op.execute("CREATE TEMPORARY TABLE ids AS SELECT id FROM visits")
        op.drop_table("IDS")
        op.drop_table("visits")
        """
    )
    assert found(lint()) == [
        (9, 5, "drop-table", "users_tmp", "users_tmp", "error"),
        (15, 5, "drop-table", "visits", "visits", "error"),
    ]


def test_err_table_dropped_and_recreated_is_still_a_loss(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        op.drop_table("users")
        op.create_table("users", sa.Column("id", sa.Integer()))
        """
    )
    assert found(lint()) == [(9, 5, "drop-table", "users", "users", "error")]


def test_err_created_only_in_downgrade_or_a_comment(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        """
        def upgrade():
            op.execute("SELECT 1 -- CREATE TABLE audit (id int)")
            op.execute("COMMENT ON TABLE t IS '; CREATE TABLE audit (id int)'")
            op.drop_table("audit")


        def downgrade():
            op.create_table("audit", sa.Column("id", sa.Integer()))
        """
    )
    assert found(lint()) == [(11, 5, "drop-table", "audit", "audit", "error")]


def test_err_created_only_on_some_databases(tmp_path: Path) -> None:
    """A create under a branch (or in another function) may not have run: where the table
    already existed, the drop deletes its rows. Still reported."""
    write, lint = project(tmp_path)
    write(
        """
        def _make_scratch():
            op.create_table("scratch", sa.Column("id", sa.Integer()))


        def upgrade():
            if not sa.inspect(op.get_bind()).has_table("legacy"):
                op.create_table("legacy", sa.Column("id", sa.Integer()))
            for name in ["a"]:
                op.execute("CREATE TABLE audit (id int)")
            _make_scratch()
            op.drop_table("legacy")
            op.drop_table("audit")
            op.drop_table("scratch")
        """
    )
    assert found(lint()) == [
        (18, 5, "drop-table", "legacy", "legacy", "error"),
        (19, 5, "drop-table", "audit", "audit", "error"),
        (20, 5, "drop-table", "scratch", "scratch", "error"),
    ]


def test_err_created_inside_an_expression_that_may_skip_it(tmp_path: Path) -> None:
    write, lint = project(tmp_path)
    write(
        upgrade="""
        fresh = op.get_bind().dialect.name == "sqlite"
        fresh and op.create_table("tmp", sa.Column("id", sa.Integer()))
        op.create_table("kept", sa.Column("id", sa.Integer())) if fresh else None
        op.drop_table("tmp")
        op.drop_table("kept")
        """
    )
    assert found(lint()) == [
        (12, 5, "drop-table", "tmp", "tmp", "error"),
        (13, 5, "drop-table", "kept", "kept", "error"),
    ]
