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
  nothing;
* anything else (``DO``, ``CALL``, ``EXECUTE``, a statement sqlglot cannot tokenize) may
  change anything: every column of every table.

Not seen here: values a trigger, an ``ON UPDATE CASCADE`` or a function called from a
``SELECT`` changes in a table no statement names. On PostgreSQL the runner notices such a
table afterwards (the transaction's statistics show it updated or rewritten) and says, in a
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

    def add(self, table: tuple[str | None, str], columns: set[str] | None) -> None:
        if table in self.tables:
            old = self.tables[table]
            self.tables[table] = None if old is None or columns is None else old | columns
        else:
            self.tables[table] = None if columns is None else set(columns)


def touched(statement: str, dialect_name: str) -> Touched | None:
    """What ``statement`` may change; None when it may change anything."""
    tokens = _tokenize(statement, dialect_name)
    if tokens is None:
        return None
    result = Touched()
    for part in _split(tokens):
        if not part:
            continue
        first = part[0].text.upper()
        if first == "UPDATE":
            if not _update(part, result):
                return None
        elif first == "ALTER":
            if len(part) > 1 and part[1].text.upper() == "TABLE":
                if not _alter_table(part, result):
                    return None
            # ALTER INDEX/SEQUENCE/TYPE ... ADD VALUE/VIEW/...: no stored value changes
            elif len(part) > 1 and part[1].text.upper() in ("INDEX", "SEQUENCE", "VIEW"):
                continue
            else:
                return None
        elif first == "DROP":
            if len(part) > 1 and part[1].text.upper() == "TABLE":
                names = _names_after(part, 2)
                if names is None:
                    return None
                for name in names:
                    result.add(name, ALL)
        elif first in ("REPLACE", "MERGE"):
            return None
        elif first == "INSERT":
            words = {t.text.upper() for t in part if not _is_literal(t)}
            if "CONFLICT" in words or "DUPLICATE" in words:
                target = _insert_target(part)
                if target is None:
                    return None
                result.add(target, ALL)
        elif first == "WITH":
            # WITH u AS (UPDATE ...) SELECT ...: a data-modifying CTE is not read here
            words = {t.text.upper() for t in part if not _is_literal(t)}
            if words & {"UPDATE", "MERGE", "REPLACE", "CONFLICT", "DUPLICATE"}:
                return None
        elif first in _HARMLESS or first == ";":
            continue
        else:
            return None
    return result


def _tokenize(statement: str, dialect_name: str) -> list[Token] | None:
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


def _insert_target(part: Sequence[Token]) -> tuple[str | None, str] | None:
    i = _skip(part, 1, "INTO", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY")
    named = _name(part, i)
    return None if named is None else named[0]
