"""SQL read as text, without a parser: the vocabulary of destructive statements, what a
string creates, and the simple statements that need no parser at all.

sqlglot (:mod:`.sql`) is the authority on raw SQL, but importing and initialising it costs
more than linting a thousand revisions. Most destructive SQL in real histories is one of a
handful of simple shapes - ``DROP TABLE [IF EXISTS] x``, ``ALTER TABLE t DROP CONSTRAINT c``,
``TRUNCATE t``, ``DELETE FROM t WHERE ...`` - which :func:`quick_hits` recognises exactly
(every statement of the string must match, or the whole string goes to sqlglot). String
literals, comments and dollar-quoted bodies are blanked out first, keeping offsets, so text
inside them is never taken for a keyword or an identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SNIPPET = 72

#: Stands in for the parts of a SQL string that are not constants (f-string fields, ``%s``);
#: an identifier, so ``DROP TABLE {name}`` still parses as a DROP TABLE.
PLACEHOLDER = "__additive_expr__"


DROP_CONSEQUENCE = {
    "TABLE": "deletes the table and every row in it",
    "COLUMN": "deletes the column and every value in it",
    "INDEX": (
        "drops the index (no rows are lost, but queries that use it slow down and a unique "
        "index stops enforcing uniqueness)"
    ),
    "CONSTRAINT": "drops the constraint, so rows that break it can be written from now on",
    "FOREIGN": "drops the foreign key, so rows that break it can be written from now on",
    "PRIMARY": "drops the primary key, so duplicate rows can be written from now on",
    "SCHEMA": "deletes the schema and every table and row in it",
    "DATABASE": "deletes the database and everything in it",
    "PARTITION": "deletes the partition and every row in it",
}
CASCADE = "CASCADE also drops every object that depends on it, columns and tables included"


@dataclass(frozen=True)
class SqlHit:
    """One destructive statement (or one object of a statement dropping several).

    ``what`` is the statement and why it loses data; ``kind`` the kind of object it destroys
    (``"table"``, ``"column"``, ``"index"``, ``"constraint"``, ``"rows"``...), ``table`` and
    ``name`` the object as written (None when unknown), ``offset`` where the statement starts
    in the SQL string (to tell whether an object was created earlier in the same string) and
    ``severity`` ``"warning"`` for drops that lose no rows (an index, a constraint).
    """

    what: str
    kind: str = "rows"
    table: str | None = None
    name: str | None = None
    offset: int = 0
    severity: str = "error"


@dataclass(frozen=True)
class Created:
    """An object a SQL string creates: ``CREATE [TEMP] TABLE x``, ``CREATE INDEX``, ``ADD
    CONSTRAINT``. ``key`` is ``(kind, normalised name)``; ``offset`` where it is created."""

    key: tuple[str, str]
    offset: int


def might_destroy(sql: str) -> bool:
    """Cheap pre-filter: can ``sql`` contain a destructive statement at all?

    Case-insensitive substrings only, so it may say yes to ``dropped_at``; the parser then
    says no. It never says no to a destructive statement: an UPDATE can only set a column to
    NULL with a ``NULL`` that is not part of ``IS [NOT] NULL``.
    """
    low = sql.lower()
    if "drop" in low or "truncate" in low or "delete" in low:
        return True
    if "update" not in low or "null" not in low:
        return False
    # ``WHERE c IS NULL`` is how backfills find their rows; only another NULL can overwrite
    return "null" in low.replace("is not null", "").replace("is null", "")


_BLANK = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|\$(\w*)\$.*?\$\1\$", re.S)
_NAME = r"(?P<name>(?:[\w$]+|\"[^\"]+\"|`[^`]+`|\[[^\]]+\])(?:\.(?:[\w$]+|\"[^\"]+\"|`[^`]+`))*)"
_CREATES = (
    (
        "table",
        re.compile(
            r"(?:^|;)\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?"
            r"(?:(?:TEMPORARY|TEMP|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME,
            re.I,
        ),
    ),
    (
        "index",
        re.compile(
            r"(?:^|;)\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?"
            r"(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME,
            re.I,
        ),
    ),
    ("constraint", re.compile(r"\bADD\s+CONSTRAINT\s+" + _NAME, re.I)),
)


def normalise(name: str) -> str:
    """An identifier as the database compares it, near enough: unquoted, lower case."""
    return "".join(c for c in name if c not in '"`[]').lower()


def created_objects(sql: str) -> tuple[Created, ...]:
    """Tables, indexes and constraints ``sql`` creates, in order.

    Quoted strings, comments and dollar-quoted bodies are blanked out first (keeping
    offsets), so text inside them creates nothing - the safe direction: an object the
    linter does not see created is treated as pre-existing, and its drop is reported.
    """
    low = sql.lower()
    if "create" not in low and "constraint" not in low:
        return ()
    text = blank(sql)
    found = [
        Created((kind, normalise(m["name"])), m.start("name"))
        for kind, pattern in _CREATES
        for m in pattern.finditer(text)
    ]
    return tuple(sorted(found, key=lambda c: c.offset))


#: Object kinds of ``DROP <kind>`` as the rules name them; drops of these lose no rows.
KINDS = {"TABLE": "table", "COLUMN": "column", "INDEX": "index", "CONSTRAINT": "constraint"}
KINDS |= {"FOREIGN": "constraint", "PRIMARY": "constraint", "SCHEMA": "schema"}
KINDS |= {"DATABASE": "database", "PARTITION": "partition"}
NO_ROWS_LOST = frozenset({"index", "constraint"})


SPACES = re.compile(r"\s+")


def clean(sql: str) -> str:
    text = SPACES.sub(" ", sql).strip().replace(PLACEHOLDER, "{...}")
    return text if len(text) <= SNIPPET else text[: SNIPPET - 3].rstrip() + "..."


# --------------------------------------------------------------------------- simple statements

_IDENT_PART = r"(?:[A-Za-z_][\w$]*|\"[^\"]+\"|`[^`]+`)"
_KEYWORDS = r"(?!(?:COLUMN|CONSTRAINT|IF|CASCADE|RESTRICT|PRIMARY|FOREIGN|ON|WHERE|ONLY)\b)"
_IDENT = rf"{_KEYWORDS}{_IDENT_PART}(?:\.{_IDENT_PART})*"
_TAIL = r"(?:\s+(?P<tail>CASCADE|RESTRICT))?\s*"
_SIMPLE = (
    (
        "drop",
        re.compile(
            rf"DROP\s+(?P<kind>TABLE|INDEX)\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?"
            rf"(?P<names>{_IDENT}(?:\s*,\s*{_IDENT})*)(?:\s+ON\s+(?P<on>{_IDENT}))?{_TAIL}",
            re.I,
        ),
    ),
    (
        "alter",
        re.compile(
            rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_IDENT})\s+DROP\s+"
            rf"(?:(?P<kind>COLUMN|CONSTRAINT)\s+)?(?:IF\s+EXISTS\s+)?(?P<name>{_IDENT}){_TAIL}",
            re.I,
        ),
    ),
    ("truncate", re.compile(rf"TRUNCATE\s+(?:TABLE\s+)?(?P<table>{_IDENT})\s*", re.I)),
    (
        "delete",
        re.compile(rf"DELETE\s+FROM\s+(?P<table>{_IDENT})(?P<where>\s+WHERE\s.*)?", re.I | re.S),
    ),
)
_SPLIT_NAMES = re.compile(r"\s*,\s*")


def blank(sql: str) -> str:
    """``sql`` with string literals, comments and dollar-quoted bodies replaced by spaces."""
    return _BLANK.sub(lambda m: " " * len(m.group(0)), sql)


def quick_hits(sql: str) -> tuple[SqlHit, ...] | None:
    """The hits of ``sql`` when every statement that may destroy data has a simple shape;
    None when one does not (then sqlglot reads the string). Messages, kinds, names and
    severities are those the parser gives (a test compares the two)."""
    text = blank(sql)
    hits: list[SqlHit] = []
    start = 0
    for piece in text.split(";"):
        whole = sql[start : start + len(piece)]
        offset = start + len(whole) - len(whole.lstrip())
        start += len(piece) + 1
        original = whole.strip()
        statement = text[offset : offset + len(original)]
        if not original or not might_destroy(original):
            continue  # (the original: a keyword inside a DO $$ body must not be skipped)
        for shape, pattern in _SIMPLE:
            match = pattern.fullmatch(statement)
            if match is not None:
                hits.extend(_simple_hits(shape, match, original, offset))
                break
        else:
            return None
    return tuple(hits)


def _simple_hits(shape: str, match: re.Match[str], original: str, offset: int) -> list[SqlHit]:
    cascade = (match.groupdict().get("tail") or "").upper() == "CASCADE"
    if shape == "truncate":
        table = match["table"]
        what = f"`TRUNCATE TABLE {table}` deletes every row of the table"
        return [SqlHit(what, table=_shown(table), offset=offset)]
    if shape == "delete":
        table = match["table"]
        where = match["where"]
        scope = "matching rows" if where else "every row of the table"
        return [SqlHit(f"`{clean(original)}` deletes {scope}", table=_shown(table), offset=offset)]
    raw_kind = (match["kind"] or "COLUMN").upper()
    kind = KINDS[raw_kind]
    consequence = DROP_CONSEQUENCE[raw_kind] + (f"; {CASCADE}" if cascade else "")
    severity = "warning" if kind in NO_ROWS_LOST and not cascade else "error"
    if shape == "alter":
        owner = match["table"]
        name = match["name"]
        shown = f"ALTER TABLE {owner} DROP {raw_kind} {name}"
        return [
            SqlHit(
                f"`{_shown(SPACES.sub(' ', shown))}` {consequence}",
                kind=kind,
                table=_shown(owner),
                name=_shown(name),
                offset=offset,
                severity=severity,
            )
        ]
    on = match["on"]
    out = []
    for name in _SPLIT_NAMES.split(match["names"]):
        shown = f"DROP {raw_kind} {name}" + (f" ON {on}" if on else "")
        out.append(
            SqlHit(
                f"`{_shown(shown)}` {consequence}",
                kind=kind,
                table=_shown(name) if kind == "table" else (_shown(on) if on else None),
                name=_shown(name),
                offset=offset,
                severity=severity,
            )
        )
    return out


def _shown(text: str) -> str:
    return text.replace(PLACEHOLDER, "{...}")
