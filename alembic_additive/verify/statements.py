"""Which existing values a SQL statement can change, read from its tokens before it runs.

Fingerprinting every value of every table before every revision would cost a hash of the
whole database per revision (measured: 6-10x a plain count on PostgreSQL). Values can only
change through a few kinds of statement, so verify fingerprints a table's columns just
before the first statement of a revision that could change them (see :mod:`.prints`):

* ``UPDATE t SET a = ..., b = ...``: the columns assigned (all columns when the list cannot
  be read);
* ``ALTER TABLE t`` with ``ALTER [COLUMN] c TYPE``/``SET DATA TYPE``/``USING``, ``MODIFY c``,
  ``CHANGE c``, ``RENAME [COLUMN] c TO``, ``DROP [COLUMN] c``: that column. ``ADD ...``,
  ``DROP CONSTRAINT/INDEX``, ``SET/DROP NOT NULL``, ``SET/DROP DEFAULT`` change no value;
  any other action means every column of ``t`` (read in :mod:`.altering`, with ``RENAME
  TO`` and MySQL's ``RENAME TABLE``: every column of the renamed table);
* ``DROP TABLE t`` (how SQLite's batch mode replaces a table by its copy), ``DELETE FROM t``
  and ``TRUNCATE t`` (the rows may be inserted again with other values under the same
  keys), ``INSERT ... ON CONFLICT/ON DUPLICATE KEY``, ``REPLACE``, ``MERGE``: every column
  of ``t``;
* ``WITH`` whose CTEs update (``WITH u AS (UPDATE ...)``): anything;
* PostgreSQL's ``DO`` block: its PL/pgSQL body, read like a function's (:func:`body`);
  another language, or ``EXECUTE`` in it: anything;
* statements that only add or read (``CREATE``, ``INSERT``, ``SELECT``, ``SET``,
  ``COMMENT``, ``GRANT``...) touch nothing themselves;
* anything else (``EXECUTE``, a statement sqlglot cannot tokenize) may change anything:
  every column of every table.

Besides what it changes itself, a statement runs code that can change other values, and
:mod:`.effects` follows that from the catalog; this module says where to start:

* its *writes* (``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE`` of a table, ``DROP
  TABLE``) fire that table's triggers and the ``ON UPDATE``/``ON DELETE`` actions of
  foreign keys that reference it, run its defaults, checks and index expressions, and, when
  the table is a view, write its base tables;
* its *rewrites*: an ``ALTER TABLE`` that changes a column's type or validates a constraint
  recomputes the table's checks, index expressions and generated columns;
* its *calls* (:func:`.sqlnames.calls`: every name followed by ``(``, ``CALL p``'s
  procedure) and *reads* (:func:`.sqlnames.reads`: every other name — a view among them
  runs its query);
* what it *redefines* (triggers, functions, procedures, rules, foreign keys, views,
  domains, table names) or *attaches* (a function named in a ``CREATE TABLE``/``INDEX``
  or ``ALTER TABLE``: a default, a check, an index expression): the catalog is read again
  before the next write or call.

Not seen here: a cast or an operator backed by a user function. On PostgreSQL the runner
notices a table something unnamed wrote afterwards (the transaction's statistics show it
updated or rewritten) and says, in a note, that its values were not compared.

Only token types and words are read (:mod:`.sqlnames`); string literals and quoted names
are already separate tokens, so a value that looks like SQL is never mistaken for a
statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import sqlnames
from .altering import alter_table, rename_tables
from .sqlnames import Name, column, is_literal, names_after, skip, split, tokenize

if TYPE_CHECKING:
    from sqlglot import Token

__all__ = ["ALL", "Touched", "body", "scan", "tokenize", "touched"]

_HARMLESS = frozenset(
    {
        "CREATE", "INSERT", "SELECT", "DELETE", "TRUNCATE", "SET", "COMMENT", "GRANT",
        "REVOKE", "ANALYZE", "VACUUM", "SHOW", "PRAGMA", "EXPLAIN", "LOCK", "BEGIN",
        "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START", "REINDEX", "CLUSTER", "USE",
        "VALUES", "DESCRIBE", "OPTIMIZE", "RESET", "NOTIFY", "LISTEN", "DEALLOCATE",
        "PREPARE", "FLUSH", "CHECKPOINT", "REFRESH",
    }
)  # fmt: skip
ALL = None
"""Stands for "every column" (in a table's entry) or "every table" (as the whole answer)."""


@dataclass
class Touched:
    """Tables (lower-cased name, optional schema) and the columns a statement may change;
    a column set of :data:`ALL` means every column."""

    tables: dict[Name, set[str] | None] = field(default_factory=dict)
    writes: dict[Name, set[str]] = field(default_factory=dict)
    """Tables whose rows the statement writes: the events (INSERT, UPDATE, DELETE,
    TRUNCATE, DROP) that fire their triggers and foreign-key actions."""
    unknown_writes: set[str] = field(default_factory=set)
    """Events on a table not read here (``DELETE a FROM ...``): any table's may fire."""
    rewrites: set[Name] = field(default_factory=set)
    """Tables an ``ALTER TABLE`` recomputes (a type change, a validation): their checks,
    index expressions and generated columns run again."""
    redefines: bool = False
    """It may create or change triggers, functions, rules, foreign keys, views, domains or
    table names."""
    writes_after_redefining: bool = False
    """A write, call or read follows a redefinition in the same string: the catalog is not
    yet current."""
    calls: set[Name] = field(default_factory=set)
    """Names followed by ``(``: the functions it may call (built-in ones too)."""
    procedures: set[Name] = field(default_factory=set)
    """``CALL`` targets: one the catalog does not know may change anything."""
    reads: set[Name] = field(default_factory=set)
    """Other names it uses where relations are read: the views it may read."""
    attaches: set[Name] = field(default_factory=set)
    """Functions a definition names (``DEFAULT f()``, ``CHECK (f(x))``, an index
    expression): later writes may run them."""

    def write(self, table: Name | None, *events: str) -> None:
        if table is None:
            self.unknown_writes.update(events)
        else:
            self.writes.setdefault(table, set()).update(events)

    def runs(self) -> bool:
        """Whether it writes, rewrites, calls or reads anything (the catalog's concern)."""
        return bool(
            self.writes or self.unknown_writes or self.rewrites or self.calls
            or self.procedures or self.reads
        )  # fmt: skip

    def merge(self, other: Touched) -> None:
        if self.redefines and other.runs():
            self.writes_after_redefining = True
        for table, columns in other.tables.items():
            self.add(table, columns)
        for table, events in other.writes.items():
            self.write(table, *events)
        self.unknown_writes |= other.unknown_writes
        self.rewrites |= other.rewrites
        self.calls |= other.calls
        self.procedures |= other.procedures
        self.reads |= other.reads
        self.attaches |= other.attaches
        self.redefines = self.redefines or other.redefines
        self.writes_after_redefining = self.writes_after_redefining or other.writes_after_redefining

    def add(self, table: Name, columns: set[str] | None) -> None:
        if table in self.tables:
            old = self.tables[table]
            self.tables[table] = None if old is None or columns is None else old | columns
        else:
            self.tables[table] = None if columns is None else set(columns)


def touched(statement: str, dialect_name: str) -> Touched | None:
    """What ``statement`` may change; None when it may change anything."""
    tokens = tokenize(statement, dialect_name)
    if tokens is None:
        return None
    result = Touched()
    for part in split(tokens):
        one = Touched()
        if part and not _read(part, one, dialect_name):
            return None
        result.merge(one)
    return result


def body(source: str, dialect_name: str) -> Touched | None:
    """What a trigger's, trigger function's or routine's body may change; None: anything.

    A body is procedural (``BEGIN ... IF ... THEN ... END IF; ... END``, PL/pgSQL), so it
    is not read statement by statement: every word that starts a writing statement
    (``UPDATE``, ``INSERT``, ``DELETE``, ``TRUNCATE``, ``DROP``, ``ALTER``) is read from there
    to its end (``;`` or the parenthesis that closes it), wherever it stands; ``CALL p``
    names a procedure, every name followed by ``(`` is a call (``PERFORM f()``,
    ``x := f()``) and every other name a read (a view it selects from). ``EXECUTE``,
    ``COPY``, ``MERGE``, ``REPLACE INTO``: anything. The same word used otherwise (``FOR
    UPDATE``, ``ON DELETE``, ``DO UPDATE``, ``OR REPLACE``, ``INSERT(s, ...)``) is passed
    over. Assignments to ``NEW`` are not read here: :mod:`.effects` counts every column of
    the trigger's table as changed by an UPDATE that fires it.
    """
    tokens = tokenize(source, dialect_name)
    if tokens is None:
        return None
    return scan(tokens, dialect_name)


def scan(tokens: Sequence[Token], dialect_name: str) -> Touched | None:
    """:func:`body` on tokens already read."""
    depths: list[int] = []
    depth = 0
    for token in tokens:
        if token.token_type.name == "R_PAREN":
            depth -= 1
        depths.append(depth)
        if token.token_type.name == "L_PAREN":
            depth += 1
    result = Touched(calls=sqlnames.calls(tokens), reads=sqlnames.reads(tokens))
    for i, token in enumerate(tokens):
        word = token.text.upper()
        if word not in _BODY_VERBS or is_literal(token) or token.token_type.name == "IDENTIFIER":
            continue
        prev = tokens[i - 1] if i else None
        if prev is not None and (prev.text.upper() in _NOT_A_STATEMENT_AFTER or prev.text == "."):
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.token_type.name == "L_PAREN" and word in _ALSO_FUNCTIONS:
            continue
        if word == "EXECUTE" and nxt is not None and nxt.text.upper() in _ROUTINE_KINDS:
            continue  # CREATE TRIGGER ... EXECUTE FUNCTION f(): a definition, not dynamic SQL
        if word in _ANYTHING:
            return None
        end = i + 1
        while end < len(tokens) and depths[end] >= depths[i]:
            if depths[end] == depths[i] and tokens[end].token_type.name == "SEMICOLON":
                break
            end += 1
        one = Touched()
        if not _read(tokens[i:end], one, dialect_name):
            return None
        result.merge(one)
    return result


_BODY_VERBS = frozenset(
    {"UPDATE", "INSERT", "DELETE", "TRUNCATE", "DROP", "ALTER", "REPLACE", "MERGE", "CALL",
     "EXECUTE", "EXEC", "COPY", "LOAD"}
)  # fmt: skip
_ANYTHING = frozenset({"REPLACE", "MERGE", "EXECUTE", "EXEC", "COPY", "LOAD"})
_ROUTINE_KINDS = frozenset({"FUNCTION", "PROCEDURE"})
_ALSO_FUNCTIONS = frozenset({"INSERT", "REPLACE", "TRUNCATE"})  # MySQL string/number functions
_NOT_A_STATEMENT_AFTER = frozenset(
    {"ON", "FOR", "DO", "KEY", "OR", "BEFORE", "AFTER", "OF", "INSTEAD", "COMMIT"}
)  # ON DELETE, FOR UPDATE, DO UPDATE, DUPLICATE KEY UPDATE, OR REPLACE, ON COMMIT DROP
_REDEFINING = frozenset(
    {"TRIGGER", "FUNCTION", "PROCEDURE", "RULE", "REFERENCES", "FOREIGN", "RENAME",
     "FOREIGN_KEYS", "VIEW", "DOMAIN"}
)  # fmt: skip
_CONFLICT = frozenset({"ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE"})  # SQLite's OR ...


def _read(part: Sequence[Token], result: Touched, dialect_name: str) -> bool:
    """One statement into ``result``; False when it may change anything."""
    first = part[0].text.upper()
    words = {t.text.upper() for t in part if not is_literal(t)}
    if first in ("CREATE", "ALTER", "PRAGMA") and words & _REDEFINING:
        result.redefines = True
    result.attaches = sqlnames.attaches(part, first)
    not_after, reading = sqlnames.uses(part, first, words)
    if not_after is not None:
        result.calls = sqlnames.calls(part, not_after)
    if reading:
        result.reads = sqlnames.reads(part)
    if first == "CALL":  # sqlglot leaves what follows CALL as one string: read it again
        rest = part[1:]
        if len(part) == 2 and part[1].token_type.name == "STRING":
            rest = tokenize(part[1].text, dialect_name) or []
        named = sqlnames.name(rest, 0)
        if named is None:
            return False
        result.procedures.add(named[0])
        result.calls |= sqlnames.calls(rest)
        result.reads |= sqlnames.reads(rest[named[1] :])
        return True
    if first == "DO" and part[0].token_type.name == "COMMAND":
        return _do_block(part, result)
    if first in ("EXPLAIN", "ANALYZE", "REFRESH"):
        return _runs_inner(part, first, result, dialect_name)
    if first == "UPDATE":
        return _update(part, result)
    if first == "ALTER":
        if len(part) > 1 and part[1].text.upper() == "TABLE":
            return alter_table(part, result)
        # ALTER INDEX/SEQUENCE/TYPE ... ADD VALUE/VIEW/...: no stored value changes
        return len(part) > 1 and part[1].text.upper() in ("INDEX", "SEQUENCE", "VIEW")
    if first == "DROP":
        if len(part) > 1 and part[1].text.upper() == "TABLE":
            names = names_after(part, 2)
            if names is None:
                return False
            for name in names:
                result.add(name, ALL)
                result.write(name, "DROP")  # SQLite, foreign keys on: an implicit DELETE
        return True
    if first in ("REPLACE", "MERGE"):
        return False
    if first == "RENAME":  # MySQL's RENAME TABLE a TO b, c TO d: as ALTER TABLE a RENAME TO b
        return rename_tables(part, result, dialect_name)
    if first == "INSERT":
        target = _insert_target(part)
        conflict = _or_conflict(part)
        if "CONFLICT" in words or "DUPLICATE" in words or conflict == "REPLACE":
            if target is None:
                return False
            result.add(target, ALL)
            # an upsert updates the row it meets; SQLite's OR REPLACE deletes it first
            result.write(target, "INSERT", "DELETE" if conflict == "REPLACE" else "UPDATE")
        else:
            result.write(target, "INSERT")
        return True
    if first == "DELETE":
        # Rows deleted may come back under the same keys with other values (DELETE, then
        # INSERT): every column of the table is fingerprinted before, the counts cannot
        # tell. A multi-table DELETE's targets (aliases) are not read: an unknown write.
        target = _delete_target(part)
        if target is not None:
            result.add(target, ALL)
        result.write(target, "DELETE")
        return True
    if first == "TRUNCATE":
        names = names_after(part, skip(part, 1, "TABLE", "ONLY"))
        if names is None:
            return False
        for name in names:
            result.add(name, ALL)  # emptied, maybe filled again: as DELETE
            result.write(name, "TRUNCATE")
        return True
    if first == "WITH":
        # WITH u AS (UPDATE ...) SELECT ...: a data-modifying CTE is not read here
        if words & {"UPDATE", "MERGE", "REPLACE", "CONFLICT", "DUPLICATE"}:
            return False
        # WITH d AS (DELETE ...) / ... INSERT INTO t SELECT ...
        found = scan(part[1:], dialect_name)
        if found is None:
            return False
        result.merge(found)
        return True
    if first == "DO":
        return True  # MySQL's DO f(): evaluates, like SELECT (PostgreSQL's DO block: above)
    return first in _HARMLESS or first == ";"


def _do_block(part: Sequence[Token], result: Touched) -> bool:
    """PostgreSQL's ``DO``: its PL/pgSQL body read like a function's. A body that defines
    triggers, functions, views, foreign keys... (``CREATE TRIGGER`` under an ``IF NOT
    EXISTS``) is a redefinition, and the order of procedural code is not followed: if it
    also changes values, writes or calls a function other than the ones it defines, anything
    may change (as with such statements in one string)."""
    source = sqlnames.do_block(part)
    tokens = None if source is None else tokenize(source, "postgresql")
    found = None if tokens is None else scan(tokens, "postgresql")
    if tokens is None or found is None:
        return False
    words = {t.text.upper() for t in tokens if not is_literal(t)}
    if words & _REDEFINING:
        defined = {
            named[0]
            for i, t in enumerate(tokens[:-1])
            if t.text.upper() in ("FUNCTION", "PROCEDURE", "TRIGGER") and not is_literal(t)
            for named in [sqlnames.name(tokens, i + 1)]
            if named is not None
        }
        if (
            any(columns is None or columns for columns in found.tables.values())
            or found.writes or found.unknown_writes or found.rewrites or found.procedures
            or found.calls - defined
        ):  # fmt: skip
            return False
        found.calls.clear()
    if "CREATE" in words:
        result.attaches |= found.calls  # CREATE TABLE/INDEX ... f(): attached, maybe run
    result.merge(found)
    result.redefines = result.redefines or bool(words & _REDEFINING)
    return True


_INNER = frozenset(
    {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE", "MERGE", "VALUES", "CREATE",
     "EXECUTE", "DO", "CALL"}
)  # fmt: skip


def _runs_inner(part: Sequence[Token], first: str, result: Touched, dialect_name: str) -> bool:
    """``EXPLAIN ANALYZE stmt`` (and MariaDB's ``ANALYZE stmt``) runs ``stmt``: read as it;
    a plain ``EXPLAIN`` or ``ANALYZE t`` runs nothing. ``REFRESH MATERIALIZED VIEW v`` runs
    ``v``'s query: a read of ``v``. sqlglot may leave what follows the word as one string."""
    rest = list(part[1:])
    if len(part) == 2 and part[1].token_type.name == "STRING":
        rest = tokenize(part[1].text, dialect_name) or []
    if first == "REFRESH":
        result.reads |= sqlnames.reads(rest)
        return True
    result.calls.clear()  # what the inner statement calls and reads, if it runs
    result.reads.clear()
    words = [t.text.upper() if not is_literal(t) else "" for t in rest]
    start = next((i for i, w in enumerate(words) if w in _INNER), None)
    if start is None or (first == "EXPLAIN" and "ANALYZE" not in words[:start]):
        return True
    return _read(rest[start:], result, dialect_name)


def _update(part: Sequence[Token], result: Touched) -> bool:
    i = skip(part, 1, "ONLY", "LOW_PRIORITY", "IGNORE")
    if _or_conflict(part) is not None:
        i = 3  # UPDATE OR IGNORE t (SQLite)
    named = sqlnames.name(part, i)
    if named is None:
        return False
    table, i = named
    # an alias, then SET
    while i < len(part) and part[i].text.upper() != "SET":
        if part[i].text in (",", "("):
            return False  # UPDATE a, b (MySQL multi-table) or a join: not read here
        i += 1
    columns: set[str] = set()
    depth = 0
    expect_column = True
    for token in part[i + 1 :]:
        text = token.text.upper()
        if token.token_type.name == "L_PAREN":
            if expect_column:
                return False  # SET (a, b) = (...): not read here
            depth += 1
        elif token.token_type.name == "R_PAREN":
            depth -= 1
        elif depth == 0 and text in ("WHERE", "FROM", "RETURNING", "ORDER", "LIMIT"):
            break
        elif depth == 0 and token.token_type.name == "COMMA":
            expect_column = True
        elif expect_column:
            columns.add(column(token))
            expect_column = False
        elif depth == 0 and token.text == "." and columns:
            expect_column = True  # SET t.a = ...: the column is after the dot
    if not columns:
        return False
    result.add(table, columns)
    result.write(table, "UPDATE")
    return True


def _or_conflict(part: Sequence[Token]) -> str | None:
    """SQLite's ``INSERT OR REPLACE`` / ``UPDATE OR IGNORE``: the resolution, else None."""
    if len(part) > 2 and part[1].text.upper() == "OR" and part[2].text.upper() in _CONFLICT:
        return part[2].text.upper()
    return None


def _insert_target(part: Sequence[Token]) -> Name | None:
    i = 3 if _or_conflict(part) is not None else 1
    i = skip(part, i, "INTO", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY")
    named = sqlnames.name(part, i)
    return None if named is None else named[0]


def _delete_target(part: Sequence[Token]) -> Name | None:
    """``DELETE FROM [ONLY] t ...``; None for the multi-table forms (``DELETE a FROM ...``,
    ``DELETE FROM a, b USING ...``), whose targets may be aliases."""
    i = skip(part, 1, "LOW_PRIORITY", "QUICK", "IGNORE")
    if i >= len(part) or part[i].text.upper() != "FROM":
        return None
    named = sqlnames.name(part, skip(part, i + 1, "ONLY"))
    if named is None:
        return None
    table, i = named
    if i < len(part) and part[i].token_type.name == "COMMA":
        return None
    return table
