"""What ``ALTER TABLE t ...`` and MySQL's ``RENAME TABLE`` change: split from
:mod:`.statements` (the statements that write rows), which calls :func:`alter_table` and
:func:`rename_tables` with the :class:`.statements.Touched` it fills.

An ``ALTER TABLE`` changes values only through some of its actions: a column's type
(``ALTER [COLUMN] c TYPE``, ``MODIFY``, ``CHANGE``: that column, and the table's checks,
index expressions and generated columns run again), ``DROP [COLUMN] c``, ``RENAME [COLUMN]
c TO d`` (that column), ``CONVERT TO CHARACTER SET`` (every column). A table renamed
(``RENAME TO u``, MySQL ``RENAME [AS] u`` and ``RENAME TABLE t TO u``) has every column
fingerprinted: :mod:`.values` finds its rows in ``u`` (``table-renamed``), or compares them
with a table created again under the old name. ``ADD ...``, ``DROP CONSTRAINT/INDEX``,
``SET/DROP NOT NULL``, ``SET/DROP DEFAULT``, ``RENAME INDEX`` and table options change no
value; any other action means every column of ``t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import sqlnames
from .sqlnames import column, is_literal, skip, tokenize

if TYPE_CHECKING:
    from sqlglot import Token

    from .statements import Touched

ALL = None
_NO_VALUE_CHANGE = frozenset({"NOT", "NULL", "DEFAULT", "STATISTICS", "STORAGE", "COMPRESSION"})


def alter_table(part: Sequence[Token], result: Touched) -> bool:
    i = skip(part, 2, "ONLY", "IF", "EXISTS", "ONLINE", "IGNORE")
    named = sqlnames.name(part, i)
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
        if verb == "VALIDATE":  # VALIDATE CONSTRAINT: its check runs for every row
            result.rewrites.add(table)
            continue
        if verb in ("OWNER", "ENABLE", "DISABLE", "CLUSTER", "REPLICA", "INHERIT",
                    "NO", "FORCE", "RESET", "ALGORITHM", "LOCK", "COMMENT", "ENGINE",
                    "AUTO_INCREMENT", "ROW_FORMAT", "DEFAULT", "CHARACTER", "CHARSET",
                    "COLLATE"):  # fmt: skip
            continue  # table options: no stored value changes (DEFAULT CHARSET: new columns)
        if verb == "CONVERT":  # CONVERT TO CHARACTER SET: every text column is re-encoded
            result.add(table, ALL)
            continue
        if verb == "DROP":
            j = skip(action, 1, "COLUMN", "IF", "EXISTS")
            what = action[1].text.upper() if len(action) > 1 else ""
            if what in ("CONSTRAINT", "INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK", "DEFAULT"):
                continue
            if j < len(action):
                result.add(table, {column(action[j])})
                continue
            return False
        if verb in ("ALTER", "MODIFY", "CHANGE"):
            j = skip(action, 1, "COLUMN", "IF", "EXISTS")
            if j >= len(action):
                return False
            changed = column(action[j])
            rest = {t.text.upper() for t in action[j + 1 : j + 3] if not is_literal(t)}
            if verb == "ALTER" and rest & {"SET", "DROP"} and not rest & {"DATA"}:
                nxt = action[j + 2].text.upper() if j + 2 < len(action) else ""
                if nxt in _NO_VALUE_CHANGE:
                    continue
            result.add(table, {changed})
            result.rewrites.add(table)  # checks, index expressions, generated columns again
            continue
        if verb == "RENAME":
            what = action[1].text.upper() if len(action) > 1 else ""
            if what in ("INDEX", "KEY", "CONSTRAINT"):
                continue
            j = skip(action, 1, "COLUMN")
            if j >= len(action):
                return False
            after = action[j + 1].text.upper() if j + 1 < len(action) else ""
            if what == "COLUMN" or after == "TO":
                result.add(table, {column(action[j])})  # RENAME [COLUMN] c TO d
                continue
            # RENAME TO u (MySQL: RENAME [AS] u): the values are compared with u's (a
            # table-renamed), or with those of a table created again under the old name
            result.add(table, ALL)
            continue
        return False  # an action not read here: anything of this table may change
    result.tables.setdefault(table, set())
    return True


def rename_tables(part: Sequence[Token], result: Touched, dialect_name: str) -> bool:
    if len(part) == 2 and part[1].token_type.name == "STRING":  # sqlglot: one string
        part = [part[0], *(tokenize(part[1].text, dialect_name) or [])]
    i = 2 if len(part) > 1 and part[1].text.upper() == "TABLE" else len(part)
    while i < len(part):
        source = sqlnames.name(part, i)
        if source is None or source[1] >= len(part) or part[source[1]].text.upper() != "TO":
            return False
        target = sqlnames.name(part, source[1] + 1)
        if target is None:
            return False
        result.add(source[0], ALL)
        i = target[1]
        if i < len(part) and part[i].token_type.name == "COMMA":
            i += 1
        elif i < len(part):
            return False
    result.redefines = True
    return i == len(part) and bool(result.tables)
