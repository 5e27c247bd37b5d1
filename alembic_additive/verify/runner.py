"""The revision loop: one connection, one revision at a time, a snapshot after each.

Why not ``alembic upgrade`` with a callback: the project's ``env.py`` opens its own
connection and decides its own transactions, so nothing outside it could keep the run in one
transaction and roll it back. Instead this module does what ``alembic upgrade`` does, on a
connection it owns:

* ``ScriptDirectory.from_config`` reads the revision files (``env.py`` is not run);
* an ``EnvironmentContext`` is configured on that one connection, so revisions that use
  ``op`` (including the package's ``op.*_if_*`` operations) or ``alembic.context`` work;
* the upgrade path is Alembic's own (``ScriptDirectory._upgrade_revs``), and the version
  table is maintained by Alembic's ``HeadMaintainer``, so branches and merges behave exactly
  as with ``alembic upgrade``.

Transactions:

* default: each revision runs in its own transaction, committed afterwards (on PostgreSQL
  its DDL too; MySQL/MariaDB commit DDL implicitly, and Alembic does not treat SQLite's DDL
  as transactional). ``autocommit_block()`` works as under ``alembic upgrade``;
* ``rollback``: one outer transaction around everything, rolled back at the end. Refused,
  before connecting, where Alembic does not consider DDL transactional. A revision that
  would commit (``autocommit_block()``, a ``COMMIT`` statement) is stopped — or, if it got
  through, detected by the transaction id changing — and reported as a failure.

The snapshot after a revision is the snapshot before the next one: ``N`` revisions cost
``N + 1`` snapshots.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import HeadMaintainer, MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from sqlalchemy import event

from .. import urls
from ..findings import TableRef
from . import LossKind, RevisionFailed, VerifyError, VerifyResult, Violation, sqlite_session
from . import seed as seeding
from . import snapshot as snap
from .values import RevisionValues

# Statements that end the transaction. They are found with sqlglot's tokenizer (the one
# lint uses), so a function body's ``END;``, a string or a comment is never mistaken for
# one; what still gets through (a COMMIT from a procedure) is caught afterwards by the
# transaction id check.
_ENDING = frozenset({"COMMIT", "END", "ROLLBACK", "ABORT"})
_QUALIFIERS = frozenset({"WORK", "TRANSACTION"})


def ends_transaction(statement: str) -> bool:
    """True when one of the SQL statements in ``statement`` is COMMIT/END/ROLLBACK/ABORT."""
    from ..lint.sql import split_statements, tokenize

    tokens = tokenize(statement, "postgres")
    if tokens is None:  # not SQL the tokenizer reads: the transaction id check remains
        return False
    for part in split_statements(tokens):
        if any(t.token_type.name.endswith("STRING") for t in part):
            continue
        words = [t.text.upper() for t in part]
        if 1 <= len(words) <= 2 and words[0] in _ENDING and set(words[1:]) <= _QUALIFIERS:
            return True
    return False


def run(
    config: str | Path | Config,
    *,
    url: str | sa.URL | None,
    from_rev: str | None,
    to_rev: str,
    rollback: bool,
    seed_rows: int,
    schemas: tuple[str | None, ...],
    on_note: Callable[[str], None] | None,
    recount_all: bool = False,
    sqlite_foreign_keys: bool = False,
) -> VerifyResult:
    """See :func:`alembic_additive.verify.verify`."""
    cfg = config if isinstance(config, Config) else _load_config(Path(config))
    db_url = _resolve_url(cfg, url)
    masked = db_url.render_as_string(hide_password=True)
    try:
        script = ScriptDirectory.from_config(cfg)
    except Exception as error:
        raise VerifyError(f"cannot read the revisions: {urls.first_line(error, db_url)}") from error
    if rollback:
        _refuse_rollback_without_transactional_ddl(db_url)

    result = VerifyResult(url=masked, dialect=db_url.get_backend_name(), rolled_back=rollback)
    seen_notes: set[str] = set()

    def note(message: str) -> None:
        if message not in seen_notes:
            seen_notes.add(message)
            result.notes.append(message)
            if on_note is not None:
                on_note(message)

    try:
        engine = sa.create_engine(urls.with_installed_driver(db_url), poolclass=sa.pool.NullPool)
    except Exception as error:
        raise VerifyError(f"cannot use {masked}: {urls.first_line(error, db_url)}") from error
    sqlite_session.transactional(engine)
    if sqlite_foreign_keys:
        sqlite_session.foreign_keys_on(engine)
    try:
        try:
            connection = engine.connect()
        except Exception as error:
            raise VerifyError(
                f"cannot connect to {masked}: {urls.first_line(error, db_url)}"
            ) from error
        with connection:
            _Run(cfg, script, connection, db_url, result, note).go(
                from_rev=from_rev,
                to_rev=to_rev,
                rollback=rollback,
                seed_rows=seed_rows,
                schemas=schemas,
                recount_all=recount_all,
            )
    finally:
        engine.dispose()
    return result


class _Run:
    """One verification on one open connection."""

    def __init__(
        self,
        config: Config,
        script: ScriptDirectory,
        connection: sa.Connection,
        url: sa.URL,
        result: VerifyResult,
        note: Callable[[str], None],
    ) -> None:
        self.config = config
        self.script = script
        self.connection = connection
        self.url = url
        self.result = result
        self.note = note

    def go(
        self,
        *,
        from_rev: str | None,
        to_rev: str,
        rollback: bool,
        seed_rows: int,
        schemas: tuple[str | None, ...],
        recount_all: bool,
    ) -> None:
        conn = self.connection
        outer = conn.begin() if rollback else None
        try:
            with EnvironmentContext(self.config, self.script) as env:
                # Configured on a connection already inside the outer transaction, Alembic
                # treats the transaction as external and opens none of its own.
                env.configure(connection=conn, transaction_per_migration=True)
                ctx = env.get_context()
                with self._guard_commits(ctx) if rollback else contextlib.nullcontext():
                    self._loop(ctx, from_rev, to_rev, rollback, seed_rows, schemas, recount_all)
        finally:
            if outer is not None:
                outer.rollback()
            elif conn.in_transaction():
                conn.rollback()

    def _loop(
        self,
        ctx: MigrationContext,
        from_rev: str | None,
        to_rev: str,
        rollback: bool,
        seed_rows: int,
        schemas: tuple[str | None, ...],
        recount_all: bool,
    ) -> None:
        conn = self.connection
        default = conn.dialect.default_schema_name
        # The default schema named explicitly is the default schema: count its tables once.
        schemas = tuple(dict.fromkeys(None if s == default else s for s in schemas))
        ctx.impl.start_migrations()
        try:
            heads = tuple(ctx.get_current_heads())
        except Exception as error:
            raise VerifyError(f"cannot read the version table: {self._line(error)}") from error
        start = self._start(heads, from_rev)
        self.result.start = start
        try:
            steps: list[RevisionStep] = self.script._upgrade_revs(to_rev, start)  # type: ignore[arg-type]
        except Exception as error:
            raise VerifyError(self._line(error)) from error
        if not steps:
            return
        if not heads:
            ctx._ensure_version_table()
        maintainer = HeadMaintainer(ctx, heads)
        exclude = _version_table_filter(ctx)
        xid = _transaction_id(conn) if rollback else None

        before = self._snapshot(conn, schemas, exclude, "before the first revision")
        tracker = None if recount_all else snap.ChangeTracker.for_connection(conn, schemas)
        if not rollback:
            conn.commit()
        seeded = seeding.SeededRows()
        for step in steps:
            revision = step.revision.revision
            unseeded = before
            try:
                before, after, changes, renames = self._step(
                    ctx, step, maintainer, before, seed_rows, seeded, tracker, schemas,
                    exclude, rollback, xid,
                )  # fmt: skip
            except _StepFailed as failed:
                retry = (
                    seeded
                    and failed.phase == "upgrade"
                    and self._unseed(unseeded, seeded, schemas, exclude, rollback)
                )
                if not retry:
                    raise RevisionFailed(revision, failed.message, self.result) from failed.error
                # A plain upgrade would have run it on the tables as they were: do that.
                self.note(
                    f"seed: revision {revision} failed with seeded rows ({failed.message}); "
                    "removed them and ran it again without seeding"
                )
                before = self._snapshot(conn, schemas, exclude, f"before {revision}")
                try:
                    before, after, changes, renames = self._step(
                        ctx, step, maintainer, before, 0, seeded, tracker, schemas,
                        exclude, rollback, xid,
                    )  # fmt: skip
                except _StepFailed as again:
                    raise RevisionFailed(revision, again.message, self.result) from again.error
            self.result.revisions.append(revision)
            kept = {(v.table, v.column) for v in renames}
            self.result.violations.extend(
                v
                for v in snap.compare(revision, before, after)
                if not (
                    v.kind in (LossKind.COLUMN_REMOVED, LossKind.TABLE_REMOVED)
                    and (v.table, v.column) in kept
                )
            )
            self.result.violations.extend(changes)
            self.result.renamed.extend(renames)
            before = after

    def _step(
        self,
        ctx: MigrationContext,
        step: RevisionStep,
        maintainer: HeadMaintainer,
        before: snap.Snapshot,
        seed_rows: int,
        seeded: seeding.SeededRows,
        tracker: snap.ChangeTracker | None,
        schemas: tuple[str | None, ...],
        exclude: Callable[[TableRef], bool],
        rollback: bool,
        xid: Any,
    ) -> tuple[snap.Snapshot, snap.Snapshot, list[Violation], list[Violation]]:
        """Seed, run one revision, snapshot: (before, after, values-changed, renamed)."""
        conn = self.connection
        phase = "upgrade"
        try:
            with (
                ctx.begin_transaction(_per_migration=True),
                # Under rollback, each revision in its own savepoint: a TRUNCATE of a
                # table rewritten by an earlier revision then gets a new relfilenode,
                # which the change tracker sees, instead of truncating in place.
                conn.begin_nested() if rollback else contextlib.nullcontext(),
            ):
                if seed_rows:
                    phase = "seed"
                    before = seeding.seed_empty_tables(conn, before, seed_rows, self.note, seeded)
                marks = tracker.marks(conn) if tracker is not None else None
                phase = "upgrade"
                values = RevisionValues(conn, before, self.note)
                with (
                    Operations.context(ctx),
                    values.listening(),
                    sqlite_session.pragmas_as_under_alembic(conn),
                ):
                    step.migration_fn()
                maintainer.update_to_step(step)
                if xid is not None and _transaction_id(conn) != xid:
                    raise VerifyError(
                        "it committed the transaction, so its changes and those before "
                        "it stay in the database; --rollback cannot undo that"
                    )
                phase = "snapshot"
                unchanged: set[TableRef] = set()
                if tracker is not None and marks is not None:
                    now = tracker.marks(conn)
                    unchanged = tracker.unchanged(marks, now)
                    values.unattributed(step.revision.revision, tracker.updated(marks, now))
                after = snap.take(conn, schemas, exclude, before, unchanged)
                changes, renames = values.compare(step.revision.revision, after)
            if not rollback and conn.in_transaction():
                conn.commit()  # what ran after an autocommit_block()
        except Exception as error:
            message = self._line(error)
            if phase != "upgrade":
                message = f"{phase}: {message}"
            raise _StepFailed(phase, message, error) from error
        return before, after, changes, renames

    def _unseed(
        self,
        unseeded: snap.Snapshot,
        seeded: seeding.SeededRows,
        schemas: tuple[str | None, ...],
        exclude: Callable[[TableRef], bool],
        rollback: bool,
    ) -> bool:
        """After a failed revision: take the seeded rows out again. True when the database
        is then exactly as before the revision and its seeding (so running it again is what
        a plain upgrade would have done); where DDL is not transactional, a revision that
        failed half-way has left changes, and it is not run again."""
        conn = self.connection
        seeded_refs = {ref for ref, _, _ in seeded.tables}
        seeded_refs.update(ref for ref, state in unseeded.tables.items() if state.rows == 0)
        try:
            if not rollback and conn.in_transaction():
                conn.rollback()
            seeding.remove_seeded(conn, seeded)
            if not rollback:
                conn.commit()
            now = snap.take(conn, schemas, exclude)
        except Exception:
            return False
        if set(now.tables) != set(unseeded.tables):
            return False
        for ref, state in unseeded.tables.items():
            new = now.tables[ref]
            if list(new.non_null) != list(state.non_null):
                return False
            if ref not in seeded_refs and new != state:
                return False
        return True

    def _start(self, heads: tuple[str, ...], from_rev: str | None) -> tuple[str, ...]:
        """Where the run starts: the database's heads, or ``from_rev`` if it agrees."""
        if from_rev is None:
            return heads
        try:
            wanted = tuple(r.revision for r in self.script.get_revisions(from_rev) if r is not None)
        except Exception as error:
            raise VerifyError(f"--from {from_rev}: {self._line(error)}") from error
        if heads and set(heads) != set(wanted):
            raise VerifyError(
                f"the database is at {', '.join(heads)}, not at --from {from_rev}; "
                "omit --from or stamp the database first"
            )
        return wanted

    def _snapshot(
        self,
        conn: sa.Connection,
        schemas: tuple[str | None, ...],
        exclude: Callable[[TableRef], bool],
        when: str,
    ) -> snap.Snapshot:
        try:
            return snap.take(conn, schemas, exclude)
        except Exception as error:
            raise VerifyError(f"cannot count the tables {when}: {self._line(error)}") from error

    def _line(self, error: BaseException) -> str:
        return urls.first_line(error, self.url)

    @contextlib.contextmanager
    def _guard_commits(self, ctx: MigrationContext) -> Iterator[None]:
        """Under ``rollback``, stop what would commit the outer transaction before it does."""

        def refuse_autocommit_block() -> Any:
            raise VerifyError(
                "it uses autocommit_block(), which commits; --rollback cannot undo that"
            )

        def refuse_commit(
            conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
        ) -> None:
            if ends_transaction(statement):
                raise VerifyError(
                    "it ends the transaction (COMMIT/ROLLBACK); --rollback cannot undo that"
                )

        ctx.autocommit_block = refuse_autocommit_block  # type: ignore[method-assign]
        event.listen(self.connection, "before_cursor_execute", refuse_commit)
        try:
            yield
        finally:
            event.remove(self.connection, "before_cursor_execute", refuse_commit)


class _StepFailed(Exception):
    """A revision (or its seeding or snapshot) raised; ``phase`` says which."""

    def __init__(self, phase: str, message: str, error: BaseException) -> None:
        super().__init__(message)
        self.phase = phase
        self.message = message
        self.error = error


def _load_config(path: Path) -> Config:
    if not path.is_file():
        raise VerifyError(f"{path}: no such file (pass the project's alembic.ini with -c)")
    return Config(str(path))


def _resolve_url(config: Config, url: str | sa.URL | None) -> sa.URL:
    raw = url if url is not None else config.get_main_option("sqlalchemy.url")
    if not raw:
        raise VerifyError("no database URL: pass --url or set sqlalchemy.url in alembic.ini")
    try:
        return urls.parse(raw)
    except urls.URLError as error:
        raise VerifyError(str(error)) from None


def _refuse_rollback_without_transactional_ddl(url: sa.URL) -> None:
    """``--rollback`` only means something where Alembic runs DDL inside a transaction."""
    try:
        dialect = url.get_dialect()()
        transactional = bool(DefaultImpl.get_by_dialect(dialect).transactional_ddl)
    except Exception:
        transactional = False
    if not transactional:
        raise VerifyError(
            f"--rollback needs transactional DDL, which {url.get_backend_name()} does not "
            "have (as Alembic runs it): use a scratch database without --rollback"
        )


def _version_table_filter(ctx: MigrationContext) -> Callable[[TableRef], bool]:
    """The version table changes by design (a merge deletes a row): never count it. Nor the
    plugin's ledger beside it (a downgrade deletes its rows), nor verify's fingerprints."""
    from ..operations.ledger import LEDGER_TABLE
    from .prints_store import PREFIX

    name: str = ctx.version_table
    schema: str | None = ctx.version_table_schema
    default: str | None = ctx.dialect.default_schema_name

    def exclude(ref: TableRef) -> bool:
        if ref.name.startswith(PREFIX):
            return True  # verify's own temporary tables (MariaDB 11.2+ lists them)
        if ref.name not in (name, LEDGER_TABLE):
            return False
        if schema is None:
            return ref.schema in (None, default)
        return ref.schema == schema

    return exclude


def _transaction_id(conn: sa.Connection) -> Any:
    """PostgreSQL's id of the current transaction: if it changes, something committed."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(sa.text("SELECT txid_current()")).scalar()
