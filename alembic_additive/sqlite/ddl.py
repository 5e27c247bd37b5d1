"""Edit a stored ``CREATE TABLE`` statement in place, one column at a time.

A SQLite table rebuild must recreate the table exactly as it was except for the one change
being made: collations, ``AUTOINCREMENT``, ``WITHOUT ROWID``/``STRICT``, conflict clauses,
CHECK constraints and the spelling of every type survive only if the new definition is the
stored text itself, edited. Reflecting the table and compiling it again would lose them (and
would turn ``INTEGER PRIMARY KEY``, the rowid alias, into something else as soon as a type is
spelled differently). So this module tokenizes the statement as SQLite does (quoted
identifiers, strings, comments, nesting) and replaces only the spans it must.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<word>[A-Za-z0-9_$\x80-\U0010ffff]+)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# words that end a column's type name and start its constraints
_CONSTRAINT_START = {
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
}
_TABLE_CONSTRAINT = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


class DefinitionError(ValueError):
    """The stored statement is not a CREATE TABLE this module can edit safely."""


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(sql: str) -> list[Token]:
    """Every token of ``sql``, whitespace and comments included (they carry no meaning)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup or "punct"
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


def unquote(token: Token) -> str:
    """The identifier a token names (``"a""b"`` is ``a"b``)."""
    text = token.text
    if token.kind == "ident":
        if text[0] == "[":
            return text[1:-1]
        q = text[0]
        return text[1:-1].replace(q + q, q)
    if token.kind == "string":
        return text[1:-1].replace("''", "'")
    return text


def _significant(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in ("ws", "comment")]


@dataclasses.dataclass
class Part:
    """One element of the table body: a column definition or a table constraint."""

    start: int
    end: int
    tokens: list[Token]  # significant tokens only
    column: str | None  # the column's name; None for a table constraint

    def depth0(self) -> list[Token]:
        """Tokens outside any parentheses (a CHECK's ``IS NOT NULL`` is not a constraint)."""
        out: list[Token] = []
        depth = 0
        for t in self.tokens:
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif depth == 0:
                out.append(t)
        return out


class CreateTable:
    """A parsed ``CREATE TABLE name (...) options`` statement, editable by column."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        sig = _significant(tokenize(sql))
        words = [t.upper for t in sig[:2]]
        if words != ["CREATE", "TABLE"]:
            raise DefinitionError("not a CREATE TABLE statement")
        i = 2
        if [t.upper for t in sig[2:5]] == ["IF", "NOT", "EXISTS"]:
            i = 5
        if i + 1 < len(sig) and sig[i + 1].text == ".":
            i += 2
        if i >= len(sig) or sig[i].kind not in ("word", "ident", "string"):
            raise DefinitionError("no table name")
        self.name_token = sig[i]
        if i + 1 >= len(sig) or sig[i + 1].text != "(":
            raise DefinitionError("CREATE TABLE ... AS SELECT cannot be edited")
        self.parts = self._split(sig[i + 1 :])

    def _split(self, sig: list[Token]) -> list[Part]:
        parts: list[Part] = []
        depth = 0
        current: list[Token] = []
        for t in sig:
            if t.text == "(":
                depth += 1
                if depth == 1:
                    continue
            elif t.text == ")":
                depth -= 1
                if depth == 0:
                    parts.append(self._part(current))
                    self.body_end = t.start
                    return parts
            elif t.text == "," and depth == 1:
                parts.append(self._part(current))
                current = []
                continue
            current.append(t)
        raise DefinitionError("unbalanced parentheses")

    @staticmethod
    def _part(tokens: list[Token]) -> Part:
        if not tokens:
            raise DefinitionError("empty element in table body")
        first = tokens[0]
        is_constraint = first.kind == "word" and first.upper in _TABLE_CONSTRAINT
        return Part(
            tokens[0].start, tokens[-1].end, tokens, None if is_constraint else unquote(first)
        )

    # -- lookups -------------------------------------------------------------------------

    def columns(self) -> list[str]:
        return [p.column for p in self.parts if p.column is not None]

    def column(self, name: str) -> Part:
        for p in self.parts:
            if p.column is not None and p.column.lower() == name.lower():
                return p
        raise DefinitionError(f"no column {name!r} in the stored definition")

    def type_span(self, part: Part) -> tuple[int, int]:
        """Where the column's type name is (an empty span right after the name if none)."""
        toks = part.tokens
        i = 1
        end = toks[0].end
        start = end
        while i < len(toks) and toks[i].kind in ("word", "ident", "string"):
            if toks[i].upper in _CONSTRAINT_START:
                break
            if start == toks[0].end:
                start = toks[i].start
            end = toks[i].end
            i += 1
        if i < len(toks) and toks[i].text == "(" and start != toks[0].end:
            while i < len(toks) and toks[i].text != ")":
                i += 1
            if i == len(toks):
                raise DefinitionError("unbalanced type parentheses")
            end = toks[i].end
        return start, end

    def type_text(self, part: Part) -> str:
        start, end = self.type_span(part)
        return self.sql[start:end]

    def is_rowid_alias(self, name: str) -> bool:
        """``name INTEGER PRIMARY KEY`` (not DESC), or ``PRIMARY KEY (name)`` alone: the
        column *is* the rowid, and must stay declared exactly so."""
        if self.without_rowid():
            return False
        part = self.column(name)
        if self.type_text(part).upper() != "INTEGER":
            return False
        words = [t.upper for t in part.depth0()]
        for i, w in enumerate(words[:-1]):
            if w == "PRIMARY" and words[i + 1] == "KEY":
                return "DESC" not in words[i + 2 : i + 3]
        for p in self.parts:
            words = [t.upper for t in p.tokens]
            if p.column is None and "PRIMARY" in words:
                inner = p.tokens[words.index("PRIMARY") + 3 :]
                if any(t.text == "," for t in inner[: [t.text for t in inner].index(")")]):
                    return False
                return bool(inner) and unquote(inner[0]).lower() == name.lower()
        return False

    def without_rowid(self) -> bool:
        tail = _significant(tokenize(self.sql[self.body_end :]))
        words = [t.upper for t in tail]
        return any(w == "WITHOUT" and n == "ROWID" for w, n in itertools.pairwise(words))

    # -- edits (each returns the new statement text) ----------------------------------

    def renamed(self, quoted_name: str) -> str:
        t = self.name_token
        return self.sql[: t.start] + quoted_name + self.sql[t.end :]


@dataclasses.dataclass
class _Edit:
    start: int
    end: int
    text: str


class Editor:
    """Collects span replacements on one statement and applies them together."""

    def __init__(self, table: CreateTable) -> None:
        self.table = table
        self.edits: list[_Edit] = []

    def set_type(self, column: str, type_sql: str) -> None:
        part = self.table.column(column)
        start, end = self.table.type_span(part)
        self.edits.append(_Edit(start, end, type_sql if start != end else " " + type_sql))

    def set_nullable(self, column: str, nullable: bool) -> None:
        part = self.table.column(column)
        toks = part.depth0()
        pairs = [
            (a, b, i)
            for i, (a, b) in enumerate(itertools.pairwise(toks))
            if a.upper == "NOT" and b.upper == "NULL"
        ]
        if not nullable:
            if not pairs:
                self.edits.append(_Edit(part.end, part.end, " NOT NULL"))
            return
        for not_tok, null_tok, i in pairs:
            end = null_tok.end
            rest = toks[i + 2 : i + 5]
            if [t.upper for t in rest[:2]] == ["ON", "CONFLICT"] and len(rest) == 3:
                end = rest[2].end
            start = not_tok.start
            # take the whitespace before it too, so "a TEXT NOT NULL" becomes "a TEXT"
            while start > 0 and self.table.sql[start - 1].isspace():
                start -= 1
            self.edits.append(_Edit(start, end, ""))

    def set_default(self, column: str, default_sql: str | None) -> None:
        """Replace (or add, or with None remove) the column's DEFAULT clause."""
        part = self.table.column(column)
        toks = part.tokens
        for i, t in enumerate(toks):
            if t.upper == "DEFAULT" and self._at_depth0(part, t):
                j = i + 1
                if j < len(toks) and toks[j].text in ("+", "-"):
                    j += 1
                if j >= len(toks):
                    raise DefinitionError("DEFAULT without a value")
                end = toks[j].end
                if toks[j].text == "(":
                    depth = 0
                    for k in range(j, len(toks)):
                        depth += toks[k].text == "("
                        depth -= toks[k].text == ")"
                        if depth == 0:
                            end = toks[k].end
                            break
                start = t.start
                if default_sql is None:
                    while start > 0 and self.table.sql[start - 1].isspace():
                        start -= 1
                    self.edits.append(_Edit(start, end, ""))
                else:
                    self.edits.append(_Edit(start, end, default_sql))
                return
        if default_sql is not None:
            self.edits.append(_Edit(part.end, part.end, " " + default_sql))

    @staticmethod
    def _at_depth0(part: Part, token: Token) -> bool:
        return any(t is token for t in part.depth0())

    def add_column(self, column_sql: str) -> None:
        """Append a column definition after the last column (before table constraints)."""
        last = [p for p in self.table.parts if p.column is not None][-1]
        self.edits.append(_Edit(last.end, last.end, ", " + column_sql))

    def add_constraint(self, constraint_sql: str) -> None:
        """Append a table constraint at the end of the table body."""
        self.edits.append(_Edit(self.table.body_end, self.table.body_end, ", " + constraint_sql))

    def drop_constraint(self, name: str) -> None:
        """Remove the table constraint ``CONSTRAINT name ...``."""
        parts = self.table.parts
        for index, part in enumerate(parts):
            toks = part.tokens
            if (
                part.column is None
                and len(toks) > 1
                and toks[0].upper == "CONSTRAINT"
                and unquote(toks[1]).lower() == name.lower()
            ):
                start, end = parts[index - 1].end, part.end
                self.edits.append(_Edit(start, end, ""))
                return
        raise DefinitionError(f"no table constraint named {name!r} in the stored definition")

    def drop_column(self, column: str) -> None:
        parts = self.table.parts
        part = self.table.column(column)
        index = parts.index(part)
        if len(self.table.columns()) == 1:
            raise DefinitionError("cannot drop the only column of a table")
        if index > 0:
            start, end = parts[index - 1].end, part.end
        else:
            start, end = part.start, parts[1].start
        self.edits.append(_Edit(start, end, ""))

    def result(self, quoted_name: str | None = None) -> str:
        sql = self.table.sql
        edits = sorted(self.edits, key=lambda e: (e.start, e.end))
        if quoted_name is not None:
            t = self.table.name_token
            edits.insert(0, _Edit(t.start, t.end, quoted_name))
        out: list[str] = []
        pos = 0
        for e in sorted(edits, key=lambda e: (e.start, e.end)):
            if e.start < pos:
                raise DefinitionError("overlapping edits")
            out.append(sql[pos : e.start])
            out.append(e.text)
            pos = e.end
        out.append(sql[pos:])
        return "".join(out)


def affinity(declared: str) -> str:
    """SQLite's column affinity for a declared type (https://sqlite.org/datatype3.html 3.1)."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"
