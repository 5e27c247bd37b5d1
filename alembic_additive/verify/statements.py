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
  any other action means every column of ``t``;
* ``DROP TABLE t`` (how SQLite's batch mode replaces a table by its copy), ``INSERT ... ON
  CONFLICT/ON DUPLICATE KEY``, ``REPLACE``, ``MERGE``: every column of ``t``;
* ``WITH`` whose CTEs update (``WITH u AS (UPDATE ...)``): anything;
* statements that only add or read (``CREATE``, ``INSERT``, ``SELECT``, ``DELETE``,
  ``TRUNCATE`` — row losses are counted anyway, ``SET``, ``COMMENT``, ``GRANT``...) touch
  nothing themselves;
* anything else (PostgreSQL's ``DO`` block, ``EXECUTE``, a statement sqlglot cannot
  tokenize) may change anything: every column of every table.

Any of them may *call* a function: every name followed by ``(`` (``SELECT archive()``,
``UPDATE t SET a = a WHERE f(id)``, ``INSERT ... SELECT app.f()``, a ``DEFAULT f()`` or
``CHECK (f(x))`` an ``ALTER TABLE`` evaluates for every row) is one of its :attr:`Touched.calls`,
and ``CALL p`` names a procedure. Built-in functions are among them; :mod:`.effects` keeps
the user-defined ones the catalog has and reads their bodies like a trigger's (a procedure it
does not have: anything). Not calls: names in statements that define or drop without running
(``CREATE FUNCTION``/``TRIGGER``/``VIEW``, ``CREATE TABLE`` without ``AS``, ``DROP``,
``COMMENT``, ``GRANT``, ``ALTER`` of anything but a table), names after ``INTO``, ``TABLE``
or ``REFERENCES`` (``INSERT INTO t (a)``) and a ``CREATE INDEX``'s ``ON``/``USING``, and
names qualified with ``pg_catalog`` or ``information_schema``.

Rows a statement writes, besides: its *writes* (``INSERT``, ``UPDATE``, ``DELETE``,
``TRUNCATE`` of a table, ``DROP TABLE``), which fire that table's triggers and the
``ON UPDATE``/``ON DELETE`` actions of foreign keys that reference it. :mod:`.effects` reads
those from the catalog and follows them (a trigger's body is read here too, by
:func:`body`), so that values a trigger or a cascade changes in a table no statement names
are fingerprinted as well. A statement that creates or replaces triggers, functions, rules
or foreign keys, or renames a table, *redefines* them: the catalog is read again before the
next write or call.

Not seen here: functions called without being named — a column default, a ``CHECK``, an
index expression or a view evaluated by a statement that names only the table, a cast or an
operator backed by a user function. On PostgreSQL the runner notices a table such a function
wrote afterwards (the transaction's statistics show it updated or rewritten) and says, in a
note, that its values were not compared.

Only token types and words are read; string literals and quoted names are already separate
tokens, so a value that looks like SQL is never mistaken for a statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import Token

_SQLGLOT_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}
_HARMLESS = frozenset(
    {
        "CREATE", "INSERT", "SELECT", "DELETE", "TRUNCATE", "SET", "COMMENT", "GRANT",
        "REVOKE", "ANALYZE", "VACUUM", "SHOW", "PRAGMA", "EXPLAIN", "LOCK", "BEGIN",
        "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START", "REINDEX", "CLUSTER", "USE",
        "VALUES", "DESCRIBE", "OPTIMIZE", "RESET", "NOTIFY", "LISTEN", "DEALLOCATE",
        "PREPARE", "FLUSH", "CHECKPOINT", "REFRESH",
    }
)  # fmt: skip
_NO_VALUE_CHANGE = frozenset({"NOT", "NULL", "DEFAULT", "STATISTICS", "STORAGE", "COMPRESSION"})
ALL = None
"""Stands for "every column" (in a table's entry) or "every table" (as the whole answer)."""


@dataclass
class Touched:
    """Tables (lower-cased name, optional schema) and the columns a statement may change;
    a column set of :data:`ALL` means every column."""

    tables: dict[tuple[str | None, str], set[str] | None] = field(default_factory=dict)
    writes: dict[tuple[str | None, str], set[str]] = field(default_factory=dict)
    """Tables whose rows the statement writes: the events (INSERT, UPDATE, DELETE,
    TRUNCATE, DROP) that fire their triggers and foreign-key actions."""
    unknown_writes: set[str] = field(default_factory=set)
    """Events on a table not read here (``DELETE a FROM ...``): any table's may fire."""
    redefines: bool = False
    """It may create or change triggers, functions, rules or foreign keys, or table names."""
    writes_after_redefining: bool = False
    """A write or a call follows a redefinition in the same string: the catalog is not yet
    current."""
    calls: set[tuple[str | None, str]] = field(default_factory=set)
    """Names followed by ``(``: the functions it may call (built-in ones too)."""
    procedures: set[tuple[str | None, str]] = field(default_factory=set)
    """``CALL`` targets: one the catalog does not know may change anything."""

    def write(self, table: tuple[str | None, str] | None, *events: str) -> None:
        if table is None:
            self.unknown_writes.update(events)
        else:
            self.writes.setdefault(table, set()).update(events)

    def merge(self, other: Touched) -> None:
        if self.redefines and (
            other.writes or other.unknown_writes or other.calls or other.procedures
        ):
            self.writes_after_redefining = True
        for table, columns in other.tables.items():
            self.add(table, columns)
        for table, events in other.writes.items():
            self.write(table, *events)
        self.unknown_writes |= other.unknown_writes
        self.calls |= other.calls
        self.procedures |= other.procedures
        self.redefines = self.redefines or other.redefines
        self.writes_after_redefining = self.writes_after_redefining or other.writes_after_redefining

    def add(self, table: tuple[str | None, str], columns: set[str] | None) -> None:
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
    for part in _split(tokens):
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
    names a procedure, and every name followed by ``(`` is a call (``PERFORM f()``,
    ``x := f()``). ``EXECUTE``, ``COPY``, ``MERGE``, ``REPLACE INTO``: anything. The same
    word used otherwise (``FOR UPDATE``, ``ON DELETE``, ``DO UPDATE``, ``OR REPLACE``,
    ``INSERT(s, ...)``) is passed over. Assignments to ``NEW`` are not read here:
    :mod:`.effects` counts every column of the trigger's table as changed by an UPDATE that
    fires it.
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
    result = Touched()
    _calls(tokens, result)
    for i, token in enumerate(tokens):
        word = token.text.upper()
        if word not in _BODY_VERBS or _is_literal(token) or token.token_type.name == "IDENTIFIER":
            continue
        prev = tokens[i - 1] if i else None
        if prev is not None and (prev.text.upper() in _NOT_A_STATEMENT_AFTER or prev.text == "."):
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.token_type.name == "L_PAREN" and word in _ALSO_FUNCTIONS:
            continue
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
_ALSO_FUNCTIONS = frozenset({"INSERT", "REPLACE", "TRUNCATE"})  # MySQL string/number functions
_NOT_A_STATEMENT_AFTER = frozenset(
    {"ON", "FOR", "DO", "KEY", "OR", "BEFORE", "AFTER", "OF", "INSTEAD", "COMMIT"}
)  # ON DELETE, FOR UPDATE, DO UPDATE, DUPLICATE KEY UPDATE, OR REPLACE, ON COMMIT DROP
_REDEFINING = frozenset(
    {"TRIGGER", "FUNCTION", "PROCEDURE", "RULE", "REFERENCES", "FOREIGN", "RENAME",
     "FOREIGN_KEYS"}
)  # fmt: skip
_CONFLICT = frozenset({"ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE"})  # SQLite's OR ...


def _read(part: Sequence[Token], result: Touched, dialect_name: str) -> bool:
    """One statement into ``result``; False when it may change anything."""
    first = part[0].text.upper()
    words = {t.text.upper() for t in part if not _is_literal(t)}
    if first in ("CREATE", "ALTER", "PRAGMA") and words & _REDEFINING:
        result.redefines = True
    not_after = _not_calls_after(part, first, words)
    if not_after is not None:
        _calls(part, result, not_after)
    if first == "CALL":  # sqlglot leaves what follows CALL as one string: read it again
        rest = part[1:]
        if len(part) == 2 and part[1].token_type.name == "STRING":
            rest = tokenize(part[1].text, dialect_name) or []
        named = _name(rest, 0)
        if named is None:
            return False
        result.procedures.add(named[0])
        _calls(rest, result)
        return True
    if first == "UPDATE":
        return _update(part, result)
    if first == "ALTER":
        if len(part) > 1 and part[1].text.upper() == "TABLE":
            return _alter_table(part, result)
        # ALTER INDEX/SEQUENCE/TYPE ... ADD VALUE/VIEW/...: no stored value changes
        return len(part) > 1 and part[1].text.upper() in ("INDEX", "SEQUENCE", "VIEW")
    if first == "DROP":
        if len(part) > 1 and part[1].text.upper() == "TABLE":
            names = _names_after(part, 2)
            if names is None:
                return False
            for name in names:
                result.add(name, ALL)
                result.write(name, "DROP")  # SQLite, foreign keys on: an implicit DELETE
        return True
    if first in ("REPLACE", "MERGE"):
        return False
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
        result.write(_delete_target(part), "DELETE")
        return True
    if first == "TRUNCATE":
        names = _names_after(part, _skip(part, 1, "TABLE", "ONLY"))
        if names is None:
            result.write(None, "TRUNCATE")
        for name in names or ():
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
    if first == "DO" and part[0].token_type.name != "COMMAND":
        return True  # MySQL's DO f(): evaluates, like SELECT (PostgreSQL's DO block: no)
    return first in _HARMLESS or first == ";"


_DEFINED_NOT_RUN = frozenset(
    {"FUNCTION", "PROCEDURE", "TRIGGER", "RULE", "EVENT", "AGGREGATE", "VIEW"}
)
_CREATED = _DEFINED_NOT_RUN | {"TABLE", "INDEX", "MATERIALIZED"}
_NOT_CALLED_AFTER = frozenset({"INTO", "TABLE", "REFERENCES"})
_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
_NEVER_CALLS = frozenset(
    {"IN", "VALUES", "EXISTS", "AS", "CHECK", "UNIQUE", "PRIMARY", "ON", "USING", "NOT", "AND",
     "OR", "THEN", "ELSE", "WHEN", "FROM", "WHERE", "SELECT", "VARCHAR", "CHAR", "NUMERIC",
     "DECIMAL", "FLOAT", "CAST", "COALESCE", "NULLIF"}
)  # fmt: skip
"""Reserved words (types, ``IN (``, ``CHECK (``) that no unquoted, unqualified user function
is called by on PostgreSQL or MariaDB: not calls, so they do not read the catalog."""


def _not_calls_after(part: Sequence[Token], first: str, words: set[str]) -> frozenset[str] | None:
    """None when the functions a statement names do not run when it does (it defines a
    function, trigger, view or empty table with them, or drops them); else the words after
    which a name followed by ``(`` is not a call (``INSERT INTO t (a)``)."""
    if first in ("DROP", "COMMENT", "GRANT", "REVOKE"):
        return None
    if first == "ALTER":
        return _NOT_CALLED_AFTER if "TABLE" in {t.text.upper() for t in part[1:3]} else None
    if first != "CREATE":
        return _NOT_CALLED_AFTER
    kinds = (t.text.upper() for t in part[1:] if t.token_type.name != "IDENTIFIER")
    kind = next((k for k in kinds if k in _CREATED), "")
    if kind == "INDEX":  # CREATE INDEX ix ON t USING btree (f(c))
        return _NOT_CALLED_AFTER | {"ON", "USING"}
    if kind == "MATERIALIZED" or (kind == "TABLE" and words & {"AS", "SELECT"}):
        return _NOT_CALLED_AFTER  # CREATE TABLE t AS SELECT f(): run; a DEFAULT f(): not yet
    return None


def _calls(
    tokens: Sequence[Token], result: Touched, not_after: frozenset[str] = frozenset()
) -> None:
    """Every (possibly qualified) name followed by ``(`` into ``result.calls``."""
    for i in range(len(tokens) - 1):
        token = tokens[i]
        if tokens[i + 1].token_type.name != "L_PAREN" or _is_literal(token):
            continue
        if token.token_type.name != "IDENTIFIER" and not (
            token.text[:1].isalpha() or token.text[:1] == "_"
        ):
            continue
        start = i
        while start >= 2 and tokens[start - 1].text == ".":
            start -= 2
        if start and tokens[start - 1].text.upper() in (not_after or _NOT_CALLED_AFTER):
            continue
        schema = _ident(tokens[i - 2]) if i != start else None
        quoted = token.token_type.name == "IDENTIFIER"
        if schema is None and not quoted and token.text.upper() in _NEVER_CALLS:
            continue
        if schema not in _SYSTEM_SCHEMAS:
            result.calls.add((schema, _ident(token)))


def tokenize(statement: str, dialect_name: str) -> list[Token] | None:
    try:
        from sqlglot.dialects import Dialect

        dialect = Dialect.get_or_raise(_SQLGLOT_DIALECTS.get(dialect_name, dialect_name))
        return list(dialect.tokenize(statement))
    except Exception:
        return None


def _split(tokens: Sequence[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type.name == "SEMICOLON":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _is_literal(token: Token) -> bool:
    return token.token_type.name in ("STRING", "NATIONAL_STRING", "RAW_STRING", "HEREDOC_STRING")


def _name(tokens: Sequence[Token], i: int) -> tuple[tuple[str | None, str], int] | None:
    """A possibly schema-qualified name starting at ``i``: ((schema, name), next index)."""
    parts: list[str] = []
    while i < len(tokens):
        parts.append(_ident(tokens[i]))
        if i + 2 < len(tokens) + 1 and i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
            continue
        i += 1
        break
    if not parts or not parts[-1]:
        return None
    schema = parts[-2] if len(parts) >= 2 else None
    return (schema, parts[-1]), i


def _ident(token: Token) -> str:
    """The name a token stands for; unquoted names folded to lower case (compared so)."""
    return token.text.lower()


def _skip(tokens: Sequence[Token], i: int, *words: str) -> int:
    while i < len(tokens) and tokens[i].text.upper() in words and not _is_literal(tokens[i]):
        i += 1
    return i


def _update(part: Sequence[Token], result: Touched) -> bool:
    i = _skip(part, 1, "ONLY", "LOW_PRIORITY", "IGNORE")
    if _or_conflict(part) is not None:
        i = 3  # UPDATE OR IGNORE t (SQLite)
    named = _name(part, i)
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
            columns.add(_ident(token))
            expect_column = False
        elif depth == 0 and token.text == "." and columns:
            expect_column = True  # SET t.a = ...: the column is after the dot
    if not columns:
        return False
    result.add(table, columns)
    result.write(table, "UPDATE")
    return True


def _alter_table(part: Sequence[Token], result: Touched) -> bool:
    i = _skip(part, 2, "ONLY", "IF", "EXISTS", "ONLINE", "IGNORE")
    named = _name(part, i)
    if named is None:
        return False
    table, i = named
    actions: list[list[Token]] = [[]]
    depth = 0
    for token in part[i:]:
        if token.token_type.name == "L_PAREN":
            depth += 1
        elif token.token_type.name == "R_PAREN":
            depth -= 1
        if depth == 0 and token.token_type.name == "COMMA":
            actions.append([])
        else:
            actions[-1].append(token)
    for action in actions:
        if not action:
            continue
        verb = action[0].text.upper()
        if verb == "ADD":
            continue
        if verb in ("OWNER", "ENABLE", "DISABLE", "VALIDATE", "CLUSTER", "REPLICA", "INHERIT",
                    "NO", "FORCE", "RESET", "ALGORITHM", "LOCK", "COMMENT", "ENGINE",
                    "AUTO_INCREMENT", "ROW_FORMAT", "DEFAULT", "CHARACTER", "CHARSET",
                    "COLLATE"):  # fmt: skip
            continue  # table options: no stored value changes (DEFAULT CHARSET: new columns)
        if verb == "CONVERT":  # CONVERT TO CHARACTER SET: every text column is re-encoded
            result.add(table, ALL)
            continue
        if verb == "DROP":
            j = _skip(action, 1, "COLUMN", "IF", "EXISTS")
            what = action[1].text.upper() if len(action) > 1 else ""
            if what in ("CONSTRAINT", "INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK", "DEFAULT"):
                continue
            if j < len(action):
                result.add(table, {_ident(action[j])})
                continue
            return False
        if verb in ("ALTER", "MODIFY", "CHANGE"):
            j = _skip(action, 1, "COLUMN", "IF", "EXISTS")
            if j >= len(action):
                return False
            column = _ident(action[j])
            rest = {t.text.upper() for t in action[j + 1 : j + 3] if not _is_literal(t)}
            if verb == "ALTER" and rest & {"SET", "DROP"} and not rest & {"DATA"}:
                nxt = action[j + 2].text.upper() if j + 2 < len(action) else ""
                if nxt in _NO_VALUE_CHANGE:
                    continue
            result.add(table, {column})
            continue
        if verb == "RENAME":
            j = _skip(action, 1, "COLUMN")
            if j < len(action) and action[j].text.upper() == "TO":
                continue  # the table is renamed: its old name disappears (table-removed)
            if j < len(action):
                result.add(table, {_ident(action[j])})
                continue
            return False
        return False  # an action not read here: anything of this table may change
    result.tables.setdefault(table, set())
    return True


def _names_after(part: Sequence[Token], i: int) -> list[tuple[str | None, str]] | None:
    i = _skip(part, i, "IF", "EXISTS")
    names: list[tuple[str | None, str]] = []
    while i < len(part):
        named = _name(part, i)
        if named is None:
            return None
        name, i = named
        names.append(name)
        if i < len(part) and part[i].token_type.name == "COMMA":
            i += 1
            continue
        break
    return names or None


def _or_conflict(part: Sequence[Token]) -> str | None:
    """SQLite's ``INSERT OR REPLACE`` / ``UPDATE OR IGNORE``: the resolution, else None."""
    if len(part) > 2 and part[1].text.upper() == "OR" and part[2].text.upper() in _CONFLICT:
        return part[2].text.upper()
    return None


def _insert_target(part: Sequence[Token]) -> tuple[str | None, str] | None:
    i = 3 if _or_conflict(part) is not None else 1
    i = _skip(part, i, "INTO", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY")
    named = _name(part, i)
    return None if named is None else named[0]


def _delete_target(part: Sequence[Token]) -> tuple[str | None, str] | None:
    """``DELETE FROM [ONLY] t ...``; None for the multi-table forms (``DELETE a FROM ...``,
    ``DELETE FROM a, b USING ...``), whose targets may be aliases."""
    i = _skip(part, 1, "LOW_PRIORITY", "QUICK", "IGNORE")
    if i >= len(part) or part[i].text.upper() != "FROM":
        return None
    named = _name(part, _skip(part, i + 1, "ONLY"))
    if named is None:
        return None
    table, i = named
    if i < len(part) and part[i].token_type.name == "COMMA":
        return None
    return table
