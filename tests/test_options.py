"""``options.resolve``: defaults, ``context.configure(additive_*=...)`` keywords and
``[tool.alembic_additive]`` in the nearest pyproject.toml, and a clear error for every
invalid value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alembic_additive.findings import Action, Kind
from alembic_additive.options import (
    POLICY_KINDS,
    Options,
    OptionsError,
    action_for_override,
    resolve,
)


def project(folder: Path, pyproject: str | None = None) -> str:
    """An alembic.ini in ``folder`` (with a pyproject.toml beside it); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    ini = folder / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = migrations\n")
    if pyproject is not None:
        (folder / "pyproject.toml").write_text(pyproject)
    return str(ini)


# --- defaults -----------------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    options = resolve({}, project(tmp_path / "p"))
    assert options == Options()
    assert options.probe == "exact"
    assert options.probe_timeout == 30.0
    assert dict(options.policy) == {}
    assert options.allow_drop == frozenset()
    for kind in Kind:
        assert options.override(kind) == "safe"


def test_defaults_without_config_file_use_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve({}, None) == Options()
    (tmp_path / "pyproject.toml").write_text('[tool.alembic_additive]\nprobe = "off"\n')
    assert resolve({}, None).probe == "off"


def test_other_configure_keywords_are_ignored(tmp_path: Path) -> None:
    opts = {"target_metadata": object(), "compare_type": True, "render_as_batch": True}
    assert resolve(opts, project(tmp_path / "p")) == Options()


def test_pyproject_without_section_gives_defaults(tmp_path: Path) -> None:
    ini = project(tmp_path / "p", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n')
    assert resolve({}, ini) == Options()


# --- configure keywords -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["exact", "estimate", "off"])
def test_probe_mode_from_keywords(tmp_path: Path, mode: str) -> None:
    assert resolve({"additive_probe": mode}, project(tmp_path / "p")).probe == mode


@pytest.mark.parametrize(("value", "seconds"), [(5, 5.0), (0.25, 0.25), (120, 120.0)])
def test_probe_timeout_from_keywords(tmp_path: Path, value: Any, seconds: float) -> None:
    options = resolve({"additive_probe_timeout": value}, project(tmp_path / "p"))
    assert options.probe_timeout == seconds
    assert isinstance(options.probe_timeout, float)


def test_policy_from_keywords(tmp_path: Path) -> None:
    options = resolve(
        {
            "additive_policy": {
                "drop-column": "allow",
                "create_index": "suppress",
                "drop-table": "safe",
            }
        },
        project(tmp_path / "p"),
    )
    assert dict(options.policy) == {
        Kind.DROP_COLUMN: "allow",
        Kind.CREATE_INDEX: "suppress",
        Kind.DROP_TABLE: "safe",
    }
    assert options.override(Kind.DROP_COLUMN) == "allow"
    assert options.override(Kind.ADD_COLUMN) == "safe"


@pytest.mark.parametrize(
    "value", [["a", "b.c"], ("a", "b.c"), {"a", "b.c"}, frozenset({"a", "b.c"})]
)
def test_allow_drop_from_keywords(tmp_path: Path, value: Any) -> None:
    options = resolve({"additive_allow_drop": value}, project(tmp_path / "p"))
    assert options.allow_drop == frozenset({"a", "b.c"})
    assert options.drop_allowed(None, "a")
    assert options.drop_allowed(None, "b", "c")
    assert not options.drop_allowed(None, "b")


def test_lint_setting_is_accepted_and_ignored(tmp_path: Path) -> None:
    ini = project(tmp_path / "p", "[tool.alembic_additive.lint]\nignore = ['drop-table']\n")
    assert resolve({"additive_lint": {"x": 1}}, ini) == Options()


# --- pyproject.toml -----------------------------------------------------------------------

FULL = """
[project]
name = "app"

[tool.alembic_additive]
probe = "estimate"
probe_timeout = 7
allow_drop = ["old_table", "users.legacy", "archive.logs.payload"]

[tool.alembic_additive.policy]
drop-index = "allow"
alter_column_type = "suppress"
"""


def test_pyproject_next_to_alembic_ini(tmp_path: Path) -> None:
    options = resolve({}, project(tmp_path / "p", FULL))
    assert options.probe == "estimate"
    assert options.probe_timeout == 7.0
    assert options.allow_drop == frozenset({"old_table", "users.legacy", "archive.logs.payload"})
    assert dict(options.policy) == {Kind.DROP_INDEX: "allow", Kind.ALTER_COLUMN_TYPE: "suppress"}
    assert options.drop_allowed("archive", "logs", "payload")
    assert not options.drop_allowed(None, "logs", "payload")


def test_pyproject_found_in_a_parent_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(FULL)
    ini = project(tmp_path / "src" / "app" / "db")
    assert resolve({}, ini).probe == "estimate"


def test_relative_config_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path / "p", '[tool.alembic_additive]\nprobe = "off"\n')
    monkeypatch.chdir(tmp_path)
    assert resolve({}, "p/alembic.ini").probe == "off"


def test_nearest_pyproject_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.alembic_additive]\nprobe = "off"\n')
    ini = project(tmp_path / "svc", '[tool.alembic_additive]\nprobe = "estimate"\n')
    assert resolve({}, ini).probe == "estimate"


def test_pyproject_beside_the_ini_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    (cwd / "pyproject.toml").write_text('[tool.alembic_additive]\nprobe = "off"\n')
    monkeypatch.chdir(cwd)
    ini = project(tmp_path / "p", '[tool.alembic_additive]\nprobe = "estimate"\n')
    assert resolve({}, ini).probe == "estimate"


def test_keywords_win_over_pyproject(tmp_path: Path) -> None:
    ini = project(tmp_path / "p", FULL)
    options = resolve(
        {
            "additive_probe": "off",
            "additive_probe_timeout": 2,
            "additive_allow_drop": ["only_this"],
            "additive_policy": {"drop-table": "allow"},
        },
        ini,
    )
    assert options.probe == "off"
    assert options.probe_timeout == 2.0
    assert options.allow_drop == frozenset({"only_this"})
    assert options.override(Kind.DROP_TABLE) == "allow"


def test_keywords_and_pyproject_merge_per_setting(tmp_path: Path) -> None:
    options = resolve({"additive_probe": "off"}, project(tmp_path / "p", FULL))
    assert options.probe == "off"  # from the keyword
    assert options.probe_timeout == 7.0  # from pyproject.toml
    assert "old_table" in options.allow_drop


# --- invalid values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keywords", "names"),
    [
        ({"additive_probe": "fast"}, ["probe", "'fast'", "exact, estimate, off"]),
        ({"additive_probe": "EXACT"}, ["probe", "'EXACT'"]),
        ({"additive_probe": None}, ["probe", "None"]),
        ({"additive_probe": ["exact"]}, ["probe"]),
        ({"additive_probe_timeout": -1}, ["probe_timeout", "-1", "positive number of seconds"]),
        ({"additive_probe_timeout": 0}, ["probe_timeout", "0"]),
        ({"additive_probe_timeout": True}, ["probe_timeout", "True"]),
        ({"additive_probe_timeout": False}, ["probe_timeout", "False"]),
        ({"additive_probe_timeout": "30"}, ["probe_timeout", "'30'"]),
        ({"additive_probe_timeout": None}, ["probe_timeout"]),
        ({"additive_probe_timeout": float("nan")}, ["probe_timeout", "nan"]),
        ({"additive_probe_timeout": float("inf")}, ["probe_timeout", "inf"]),
        (
            {"additive_policy": {"drop-everything": "allow"}},
            ["policy", "unknown kind", "drop-everything"],
        ),
        (
            {"additive_policy": {"rename-table": "allow"}},
            ["policy", "unknown kind", "rename-table"],
        ),
        ({"additive_policy": {"destructive_sql": "allow"}}, ["policy", "destructive_sql"]),
        (
            {"additive_policy": {"drop-column": "yes"}},
            ["policy.drop-column", "safe, allow, suppress"],
        ),
        ({"additive_policy": {"drop-column": True}}, ["policy.drop-column", "True"]),
        ({"additive_policy": {"drop-column": None}}, ["policy.drop-column", "None"]),
        ({"additive_policy": "allow"}, ["policy", "kind = choice"]),
        ({"additive_policy": ["drop-column"]}, ["policy"]),
        ({"additive_allow_drop": "users"}, ["allow_drop", "list"]),
        ({"additive_allow_drop": ["users", 3]}, ["allow_drop"]),
        ({"additive_allow_drop": [None]}, ["allow_drop"]),
        ({"additive_allow_drop": 3}, ["allow_drop"]),
        ({"additive_allow_drop": None}, ["allow_drop"]),
        ({"additive_allow_drop": {"users": True}}, ["allow_drop"]),
        ({"additive_probe_mode": "exact"}, ["probe_mode", "unknown setting"]),
        ({"additive_timeout": 3}, ["timeout", "unknown setting"]),
        ({"additive_": 3}, ["unknown setting"]),
    ],
)
def test_invalid_keyword_raises_naming_the_setting(
    tmp_path: Path, keywords: dict[str, Any], names: list[str]
) -> None:
    with pytest.raises(OptionsError) as info:
        resolve(keywords, project(tmp_path / "p"))
    message = str(info.value)
    assert message.startswith("context.configure(additive_...) ")
    assert "\n" not in message
    for name in names:
        assert name in message


@pytest.mark.parametrize(
    ("section", "names"),
    [
        ('probe = "quick"', ["probe", "'quick'"]),
        ("probe_timeout = -5", ["probe_timeout", "-5"]),
        ("probe_timeout = 0.0", ["probe_timeout"]),
        ("probe_timeout = true", ["probe_timeout", "True"]),
        ("probe_timeout = nan", ["probe_timeout", "nan"]),
        ("probe_timeout = inf", ["probe_timeout", "inf"]),
        ('probe_timeout = "10"', ["probe_timeout", "'10'"]),
        ('allow_drop = "users"', ["allow_drop"]),
        ("allow_drop = [1, 2]", ["allow_drop"]),
        ("allow_drop = 1", ["allow_drop"]),
        ('policy = "allow"', ["policy"]),
        ('policy = { drop-columns = "allow" }', ["policy", "drop-columns", "unknown kind"]),
        ('policy = { drop-column = "always" }', ["policy.drop-column", "'always'"]),
        ("policy = { drop-column = 1 }", ["policy.drop-column"]),
        ("probe_timeot = 3", ["probe_timeot", "unknown setting"]),
        ('[tool.alembic_additive.polcy]\ndrop-column = "allow"', ["polcy", "unknown setting"]),
    ],
)
def test_invalid_pyproject_value_raises_naming_the_setting(
    tmp_path: Path, section: str, names: list[str]
) -> None:
    ini = project(tmp_path / "p", f"[tool.alembic_additive]\n{section}\n")
    with pytest.raises(OptionsError) as info:
        resolve({}, ini)
    message = str(info.value)
    assert str(tmp_path / "p" / "pyproject.toml") in message
    assert "[tool.alembic_additive]" in message
    for name in names:
        assert name in message


def test_invalid_pyproject_value_raises_even_when_keywords_override_it(tmp_path: Path) -> None:
    ini = project(tmp_path / "p", '[tool.alembic_additive]\nprobe = "quick"\n')
    with pytest.raises(OptionsError, match="probe"):
        resolve({"additive_probe": "exact"}, ini)


@pytest.mark.parametrize(
    "text",
    [
        "[tool.alembic_additive\nprobe = 'exact'\n",
        "[tool.alembic_additive]\nprobe = exact\n",
        "[tool.alembic_additive]\nprobe = 'a'\nprobe = 'b'\n",
    ],
)
def test_invalid_toml_raises(tmp_path: Path, text: str) -> None:
    ini = project(tmp_path / "p", text)
    with pytest.raises(OptionsError) as info:
        resolve({}, ini)
    message = str(info.value)
    assert str(tmp_path / "p" / "pyproject.toml") in message
    assert "not valid TOML" in message


@pytest.mark.parametrize(
    "text",
    ['[tool]\nalembic_additive = "exact"\n', "[tool]\nalembic_additive = [1, 2]\n"],
)
def test_section_that_is_not_a_table_raises(tmp_path: Path, text: str) -> None:
    with pytest.raises(OptionsError, match=r"\[tool\.alembic_additive\]: expected a table"):
        resolve({}, project(tmp_path / "p", text))


def test_options_error_is_a_value_error() -> None:
    assert issubclass(OptionsError, ValueError)


# --- small pieces -------------------------------------------------------------------------


def test_action_for_override() -> None:
    assert action_for_override("allow") is Action.KEEP
    assert action_for_override("suppress") is Action.SUPPRESS
    assert action_for_override("safe") is None


def test_every_policy_kind_is_configurable(tmp_path: Path) -> None:
    policy = {kind.value: "allow" for kind in POLICY_KINDS}
    options = resolve({"additive_policy": policy}, project(tmp_path / "p"))
    assert set(options.policy) == set(POLICY_KINDS)
    underscored = {kind.value.replace("-", "_"): "suppress" for kind in POLICY_KINDS}
    options = resolve({"additive_policy": underscored}, project(tmp_path / "q"))
    assert set(options.policy.values()) == {"suppress"}


def test_policy_entries_merge_across_sources(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic_additive.policy]\n"drop-index" = "allow"\n"add-column" = "suppress"\n'
    )
    ini = tmp_path / "alembic.ini"
    ini.write_text("")
    opts = resolve({"additive_policy": {"add-column": "safe"}}, str(ini))
    assert opts.policy == {Kind.DROP_INDEX: "allow", Kind.ADD_COLUMN: "safe"}
