"""Run Alembic's comparison with the plugin on, the way ``alembic check`` does."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic import autogenerate
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import ops
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from .. import urls
from ..compare.additive import PENDING_KEY, PendingVerdict
from ..findings import Findings, Measurements, TableRef, Verdict
from ..findings_only import NOT_WRITING
from ..options import Options

PLUGIN = "alembic_additive"

Progress = Callable[[int, int, TableRef], None]


class AuditError(Exception):
    """The audit cannot run (bad project, bad metadata path); one line for the user."""


@dataclass
class Comparison:
    """What one comparison found, before and after the policy."""

    pending: PendingVerdict
    upgrade_ops: ops.UpgradeOps
    dialect: sa.Dialect
    url: str
    """The database URL with its password masked."""
    written: list[str] = field(default_factory=list)
    """Revision files written (``write=True``)."""
    metadata: Any = None
    """The models' ``target_metadata`` (a MetaData or a sequence of them), when known: the
    project's style (declarative or Core) is read from it."""

    @classmethod
    def nothing(cls, dialect: sa.Dialect, url: str, written: list[str]) -> Comparison:
        """A run whose revision directives were emptied (nothing to write)."""
        empty = ops.UpgradeOps([])
        pending = PendingVerdict(Findings(), Options(), Measurements(), [], None, 0)
        return cls(pending, empty, dialect, url, written)

    def verdict(self, progress: Progress | None = None) -> Verdict:
        return self.pending.complete(progress)

    @property
    def pending_operations(self) -> int:
        """How many operations the policy would write (what ``alembic check`` reports)."""
        return len(self.upgrade_ops.as_diffs())


def _with_plugin(opts: dict[str, Any]) -> None:
    """Switch the plugin on for this run, whatever env.py asked for (duplicates are harmless:
    Alembic adds each matching plugin once)."""
    plugins = list(opts.get("autogenerate_plugins") or ["alembic.autogenerate.*"])
    if PLUGIN not in plugins:
        plugins.append(PLUGIN)
    opts["autogenerate_plugins"] = plugins


def _from_script(
    migration_script: ops.MigrationScript, dialect: sa.Dialect, url: str
) -> Comparison:
    upgrade_ops = migration_script.upgrade_ops_list[-1]
    pending = upgrade_ops.info.get(PENDING_KEY)
    if not isinstance(pending, PendingVerdict):
        raise AuditError("the comparison produced no findings (is target_metadata set?)")
    return Comparison(pending, upgrade_ops, dialect, url)


masked = urls.masked


def _use_installed_driver(config: Config) -> str | None:
    """Point ``sqlalchemy.url`` at an installed driver (see :mod:`alembic_additive.urls`),
    so ``postgresql://`` in alembic.ini works as it does for ``verify``; returns the URL,
    masked, for error messages (None when the file has none: env.py builds its own)."""
    raw = config.get_main_option("sqlalchemy.url")
    if not raw:
        return None
    try:
        url = urls.resolve(raw)
    except urls.URLError:
        return None  # env.py may not use it at all; let it say what is wrong
    if url.drivername != urls.parse(raw).drivername:
        config.set_main_option(
            "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return urls.masked(url)


def compare_project(
    config: Config,
    x_args: Mapping[str, str] | None = None,
    *,
    message: str | None = None,
    process_revision_directives: Any = None,
    write: bool = False,
) -> Comparison:
    """Run ``env.py`` like ``alembic check`` (same connection, metadata, filters, schemas).

    With ``write``, the revision the comparison produced (after
    ``process_revision_directives``) is written, as ``alembic revision --autogenerate`` would.
    """
    if x_args:
        config.cmd_opts = argparse.Namespace(x=[f"{k}={v}" for k, v in x_args.items()])
    script = ScriptDirectory.from_config(config)
    command_args: dict[str, Any] = {
        "message": message,
        "autogenerate": True,
        "sql": False,
        "head": "head",
        "splice": False,
        "branch_label": None,
        "version_path": None,
        "rev_id": None,
        "depends_on": None,
    }
    revision_context = autogenerate.RevisionContext(
        config, script, command_args, process_revision_directives=process_revision_directives
    )
    seen: dict[str, Any] = {}

    def retrieve(rev: Any, context: MigrationContext) -> list[Any]:
        _with_plugin(context.opts)
        if not write:
            context.opts[NOT_WRITING] = True
        seen["dialect"] = context.dialect
        seen["metadata"] = context.opts.get("target_metadata")
        bind = context.bind
        seen["url"] = masked(bind.engine.url) if bind is not None else "?"
        revision_context.run_autogenerate(rev, context)
        return []

    configured_url = _use_installed_driver(config)
    try:
        with EnvironmentContext(
            config,
            script,
            fn=retrieve,
            as_sql=False,
            dont_mutate=True,  # a report: no alembic_version table created on a new database
            template_args=revision_context.template_args,
            revision_context=revision_context,
        ):
            script.run_env()
    except sa.exc.DBAPIError as exc:
        if "dialect" in seen:  # connected: a failure while comparing, not a connection error
            raise
        where = configured_url or "the database"
        raise AuditError(f"cannot connect to {where}: {urls.first_line(exc)}") from None
    if "dialect" not in seen:
        raise AuditError("env.py did not run the comparison (offline mode?)")
    generated = revision_context.generated_revisions
    comparison = None
    if generated and PENDING_KEY in generated[-1].upgrade_ops_list[-1].info:
        comparison = _from_script(generated[-1], seen["dialect"], seen["url"])
    elif generated and not write:
        raise AuditError("the comparison produced no findings (is target_metadata set?)")
    if write:
        paths = [s.path for s in revision_context.generate_scripts() if s is not None]
        seen["written"] = paths
    if comparison is None:
        return Comparison.nothing(seen["dialect"], seen["url"], seen.get("written", []))
    comparison.written = seen.get("written", [])
    comparison.metadata = seen.get("metadata")
    return comparison


def compare_standalone(url: str, metadata_path: str) -> Comparison:
    """No Alembic project: a URL and ``package.module:attribute`` naming a MetaData."""
    metadata = load_metadata(metadata_path)
    try:
        resolved = urls.resolve(url)
        engine = sa.create_engine(resolved)
    except urls.URLError as exc:
        raise AuditError(str(exc)) from None
    except Exception as exc:  # unknown dialect, driver not installed
        raise AuditError(f"cannot use {masked(url)}: {urls.first_line(exc)}") from None
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "target_metadata": metadata,
                    "compare_type": True,
                    "autogenerate_plugins": ["alembic.autogenerate.*", PLUGIN],
                },
            )
            script = autogenerate.produce_migrations(context, metadata)
    except sa.exc.OperationalError as exc:
        raise AuditError(
            f"cannot connect to {masked(url)}: {urls.first_line(exc, resolved)}"
        ) from None
    comparison = _from_script(script, engine.dialect, masked(url))
    comparison.metadata = metadata
    return comparison


def load_metadata(path: str) -> sa.MetaData:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise AuditError(f"--metadata expects package.module:attribute, got {path!r}")
    _import_from_working_directory()
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AuditError(f"cannot import {module_name!r}: {exc}") from None
    value: Any = module
    for part in attribute.split("."):
        value = getattr(value, part, None)
    if isinstance(value, sa.MetaData):
        return value
    inner = getattr(value, "metadata", None)  # a declarative Base
    if isinstance(inner, sa.MetaData):
        return inner
    raise AuditError(f"{path} is not a SQLAlchemy MetaData (or declarative base)")


def _import_from_working_directory() -> None:
    """``--metadata models:Base`` finds ``./models.py``, as Alembic's ``prepend_sys_path = .``
    does for a project: the console script's own folder is on the path, the user's is not."""
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


__all__ = ["AuditError", "CommandError", "Comparison", "compare_project", "compare_standalone"]
