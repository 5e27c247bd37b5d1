"""Which raw SQL statements destroy data: sqlglot's parser, with a token-level fallback.

Raw SQL in a revision (``op.execute("...")``) bypasses everything Alembic knows about the
schema, so the only way to judge it is to read it. A regular expression over the text cannot
tell ``DROP TABLE users`` from ``COMMENT ON TABLE users IS 'never drop this'`` or from a
column named ``dropped_at``; a parser can. sqlglot parses each statement (PostgreSQL first,
then MySQL, then its generic dialect). When no dialect parses a statement - PL/pgSQL, vendor
syntax - the check falls back to sqlglot's *tokens*, where string literals and quoted names
are already separated from keywords, and errs on the side of reporting.

Parsing is the expensive part of linting, so :func:`might_destroy` first asks, with a
substring test, whether the text mentions a destructive keyword at all; most SQL in revisions
(``CREATE INDEX``, backfills without NULL) never reaches sqlglot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .sqlscan import (
    CASCADE,
    DROP_CONSEQUENCE,
    KINDS,
    NO_ROWS_LOST,
    PLACEHOLDER,
    SPACES,
    Created,
    SqlHit,
    clean,
    created_objects,
    might_destroy,
    normalise,
    quick_hits,
)

if TYPE_CHECKING:  # sqlglot is imported on first use: most runs never need it
    from sqlglot import Token, exp

__all__ = [
    "PLACEHOLDER",
    "Created",
    "SqlHit",
    "created_objects",
    "find_destructive",
    "might_destroy",
    "normalise",
]

_DIALECTS = ("postgres", "mysql", "")
_MAX_DEPTH = 3  # DO $$ ... EXECUTE '...' $$: how deep to read SQL nested in SQL strings

_UNKNOWN_DROP = "drops an object whose kind is computed at run time (it may hold data)"

_SKIP_AFTER_DROP = {"IF", "EXISTS", "CONCURRENTLY", "TEMPORARY", "TEMP", "ONLINE", "OFFLINE"}
_NESTED_SQL_AFTER = {"DO", "EXECUTE", "EXEC", "EXECUTE IMMEDIATE"}


def find_destructive(
    sql: str, cache: dict[str, tuple[SqlHit, ...]] | None = None
) -> tuple[SqlHit, ...]:
    """The destructive statements in ``sql`` (which may hold several, separated by ``;``).

    ``cache`` maps SQL text to its result for the duration of one lint run: migrations
    repeat the same statements, and sqlglot is the slowest step.
    """
    if not might_destroy(sql):
        return ()
    if cache is not None and sql in cache:
        return cache[sql]
    quick = quick_hits(sql)
    hits = quick if quick is not None else tuple(_dedupe(_analyse(sql, 0)))
    if cache is not None:
        cache[sql] = hits
    return hits


def _dedupe(hits: Iterator[SqlHit]) -> Iterator[SqlHit]:
    """The same statement written twice in one string is one finding; distinct statements
    are distinct findings however alike their (shortened) text looks."""
    seen: set[tuple[str, str | None, str | None, str]] = set()
    for hit in hits:
        key = (hit.kind, hit.table, hit.name, hit.what)
        if key not in seen:
            seen.add(key)
            yield hit


# --------------------------------------------------------------------------- sqlglot plumbing


class _QuietUnsupported(logging.Filter):
    """Mutes sqlglot's "falling back to parsing as a Command" warnings while we parse.

    Those warnings are expected here (PL/pgSQL, vendor syntax) and would otherwise land on
    the user's stderr in the middle of lint output.
    """

    active = 0

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.active


_QUIET = _QuietUnsupported()
_installed = False


def _sqlglot_ready() -> None:
    global _installed
    if not _installed:
        logging.getLogger("sqlglot").addFilter(_QUIET)
        _installed = True


def _tokenize(sql: str, dialect: str) -> list[Token] | None:
    from sqlglot.dialects.dialect import Dialect

    try:
        return list(Dialect.get_or_raise(dialect or None).tokenize(sql))
    except Exception:  # sqlglot's TokenError and any tokenizer bug alike
        return None


def _parse(tokens: Sequence[Token], sql: str, dialect: str) -> list[exp.Expr] | None:
    from sqlglot.dialects.dialect import Dialect

    _QUIET.active += 1
    try:
        parsed = Dialect.get_or_raise(dialect or None).parser().parse(list(tokens), sql)
    except Exception:  # ParseError, or a parser bug on odd input: fall back
        return None
    finally:
        _QUIET.active -= 1
    return [e for e in parsed if e is not None]


def _statements(tokens: list[Token]) -> Iterator[list[Token]]:
    from sqlglot import TokenType

    chunk: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if chunk:
                yield chunk
            chunk = []
        else:
            chunk.append(token)
    if chunk:
        yield chunk


def _analyse(sql: str, depth: int) -> Iterator[SqlHit]:
    _sqlglot_ready()
    dialect, tokens = "", None
    for dialect in _DIALECTS:
        tokens = _tokenize(sql, dialect)
        if tokens is not None:
            break
    if tokens is None:
        # Not even tokens (an unterminated quote): the pre-filter saw a keyword; report it.
        yield SqlHit(f"`{_snippet(sql)}` could not be read and mentions a destructive keyword")
        return
    for chunk in _statements(tokens):
        start = chunk[0].start
        text = sql[start : chunk[-1].end + 1]
        if not might_destroy(text):
            continue
        for hit in _analyse_statement(text, chunk, dialect, depth):
            yield replace(hit, offset=start) if depth == 0 else hit


def _analyse_statement(text: str, chunk: list[Token], dialect: str, depth: int) -> Iterator[SqlHit]:
    parsed = _parse(chunk, text, dialect)
    if parsed is None:
        for other in _DIALECTS:
            if other == dialect:
                continue
            other_tokens = _tokenize(text, other)
            if other_tokens is not None:
                parsed = _parse(other_tokens, text, other)
                if parsed is not None:
                    dialect = other
                    break
    if parsed is None:
        yield from _token_hits(chunk, text, depth)
        return
    needs_tokens = False
    for statement in parsed:
        for hit in _tree_hits(statement, text, dialect):
            if hit is None:
                needs_tokens = True
            else:
                yield hit
    if needs_tokens:
        yield from _token_hits(chunk, text, depth)


# --------------------------------------------------------------------------- parsed statements


def _tree_hits(statement: exp.Expr, text: str, dialect: str) -> Iterator[SqlHit | None]:
    """Hits in one parsed statement; None means "part of it was not understood"."""
    from sqlglot import exp

    drop_pk = getattr(exp, "DropPrimaryKey", None)
    drop_partition = getattr(exp, "DropPartition", None)
    kinds: list[type[exp.Expression]] = [
        exp.Drop,
        exp.TruncateTable,
        exp.Delete,
        exp.Update,
        exp.Command,
    ]
    kinds += [k for k in (drop_pk, drop_partition) if isinstance(k, type)]
    for node in statement.find_all(*kinds):
        if isinstance(node, exp.Command):
            yield None
        elif isinstance(node, exp.Drop):
            yield from _drop_hit(node, text, dialect)
        elif isinstance(node, exp.TruncateTable):
            for table in node.expressions or [None]:
                name = _ident(table, dialect) if table is not None else None
                yield SqlHit(
                    f"`{_sql(node, text, dialect)}` deletes every row of the table",
                    table=name,
                )
        elif isinstance(node, exp.Delete):
            scope = "matching rows" if node.args.get("where") else "every row of the table"
            target = node.this
            yield SqlHit(
                f"`{_sql(node, text, dialect)}` deletes {scope}",
                table=_ident(target, dialect) if target is not None else None,
            )
        elif isinstance(node, exp.Update):
            columns = _set_to_null(node)
            if columns:
                names = ", ".join(columns)
                target = node.this
                yield SqlHit(
                    f"`{_sql(node, text, dialect)}` overwrites the values of {names} with NULL",
                    kind="values",
                    table=_ident(target, dialect) if target is not None else None,
                )
        elif drop_pk is not None and isinstance(node, drop_pk):
            yield SqlHit(f"`{_snippet(text)}` {DROP_CONSEQUENCE['PRIMARY']}")
        else:
            yield SqlHit(f"`{_snippet(text)}` {DROP_CONSEQUENCE['PARTITION']}")


def _drop_hit(node: exp.Drop, text: str, dialect: str) -> Iterator[SqlHit]:
    """One hit per dropped object, shown in full with its real name (``DROP TABLE a, b``
    gives two; a long table name never hides which constraint goes)."""
    raw_kind = str(node.args.get("kind") or "").upper()
    kind = raw_kind.split(" ")[0]
    in_alter = type(node.parent).__name__ in ("Alter", "AlterTable")
    if in_alter and not kind:
        kind = raw_kind = "COLUMN"  # ALTER TABLE t DROP c
    consequence = DROP_CONSEQUENCE.get(kind)
    if kind == "VIEW" and node.args.get("materialized"):
        consequence = None  # a materialized view is derived data, rebuilt by its query
    cascade = bool(node.args.get("cascade"))
    if cascade:
        consequence = f"{consequence}; {CASCADE}" if consequence else CASCADE
    if consequence is None:
        return
    objects = node.args.get("tables") or [None]
    owner: str | None = None
    if in_alter and node.parent is not None:
        parent_table = node.parent.args.get("this")
        owner = _ident(parent_table, dialect) if parent_table is not None else None
    elif kind == "INDEX" and node.args.get("cluster") is not None:
        target = node.args["cluster"].args.get("this")  # DROP INDEX ix ON t (MySQL)
        owner = _ident(target, dialect) if target is not None else None
    kind_name = KINDS.get(kind, kind.lower() or "object")
    severity = "warning" if kind_name in NO_ROWS_LOST and not cascade else "error"
    for obj in objects:
        name = _ident(obj, dialect) if obj is not None else None
        if name is None:
            shown = _sql(node, text, dialect)
        else:
            shown = f"DROP {raw_kind} {name}".replace(PLACEHOLDER, "{...}")
            if owner is not None and in_alter:
                shown = f"ALTER TABLE {owner} {shown}"
            elif owner is not None:
                shown = f"{shown} ON {owner}"
        yield SqlHit(
            f"`{SPACES.sub(' ', shown)}` {consequence}",
            kind=kind_name,
            table=owner if kind_name != "table" else name,
            name=name,
            severity=severity,
        )


def _ident(node: exp.Expression, dialect: str) -> str | None:
    """A table / column / index name as written (schema-qualified when it is)."""
    try:
        text = node.sql(dialect=dialect or None)
    except Exception:  # generation is cosmetic
        return None
    return text.replace(PLACEHOLDER, "{...}") or None


def _set_to_null(node: exp.Update) -> list[str]:
    from sqlglot import exp

    columns: list[str] = []
    for assignment in node.expressions:
        if not isinstance(assignment, exp.EQ):
            continue
        left, right = assignment.this, assignment.expression
        if isinstance(right, exp.Null):
            columns.append(left.sql())
        elif isinstance(left, exp.Tuple) and isinstance(right, exp.Tuple):
            for col, value in zip(left.expressions, right.expressions, strict=False):
                if isinstance(value, exp.Null):
                    columns.append(col.sql())
    return columns


def _sql(node: exp.Expression, text: str, dialect: str) -> str:
    try:
        return clean(node.sql(dialect=dialect or None))
    except Exception:  # generation is cosmetic; the original text will do
        return _snippet(text)


# --------------------------------------------------------------------------- token fallback


def _token_hits(chunk: list[Token], text: str, depth: int) -> Iterator[SqlHit]:
    """Keyword patterns over tokens, for statements no dialect parses.

    Tokens keep string literals (``'never drop this'``) and quoted identifiers apart from
    keywords, and an unquoted ``dropped_at`` is one word, not ``DROP``. Patterns are
    deliberately generous: a statement we cannot read is reported unless it clearly is not
    destructive.
    """
    from sqlglot import TokenType

    stringish = {
        getattr(TokenType, name)
        for name in (
            "STRING",
            "NATIONAL_STRING",
            "RAW_STRING",
            "HEREDOC_STRING",
            "BIT_STRING",
            "HEX_STRING",
            "BYTE_STRING",
            "UNICODE_STRING",
            "NATIONAL_RAW_STRING",
        )
        if hasattr(TokenType, name)
    }
    quoted = TokenType.IDENTIFIER
    words: list[str | None] = []
    for token in chunk:
        if token.token_type in stringish or token.token_type == quoted:
            words.append(None)
        else:
            words.append(token.text.upper())
    start = next((k for k, w in enumerate(words) if w not in (None, "(")), -1)
    first = words[start] if start >= 0 else None
    snippet = _snippet(text)

    for i, word in enumerate(words):
        nxt = _next_word(words, i)
        if word == "DROP":
            j, target = _after_drop(words, i)
            head = (target or "").split(" ")[0]
            if head in DROP_CONSEQUENCE:
                kind = KINDS[head]
                name = _name_after(chunk, words, j + 1 + (head in ("FOREIGN", "PRIMARY")))
                yield SqlHit(
                    f"`{snippet}` {DROP_CONSEQUENCE[head]}",
                    kind=kind,
                    name=name,
                    table=name if kind == "table" else None,
                    severity="warning"
                    if kind in NO_ROWS_LOST and "CASCADE" not in words
                    else "error",
                )
            elif target == PLACEHOLDER.upper():
                yield SqlHit(f"`{snippet}` {_UNKNOWN_DROP}")
            elif first == "ALTER" and j < len(chunk) and _is_name(chunk[j], words[j], quoted):
                yield SqlHit(f"`{snippet}` {DROP_CONSEQUENCE['COLUMN']}")
            elif "CASCADE" in words:
                yield SqlHit(f"`{snippet}` {CASCADE}")
        elif word == "TRUNCATE" and nxt != "(":
            yield SqlHit(f"`{snippet}` deletes every row of the table")
        elif word == "DELETE" and (i == start or nxt == "FROM"):
            yield SqlHit(f"`{snippet}` deletes rows")
        elif word == "UPDATE" and i == start and _sets_null(words, i):
            yield SqlHit(f"`{snippet}` overwrites values with NULL")
        elif word in _NESTED_SQL_AFTER or chunk[i].token_type == TokenType.COMMAND:
            yield from _nested(chunk, words, i, depth)


def _name_after(chunk: list[Token], words: list[str | None], j: int) -> str | None:
    """The object name at token ``j`` after ``DROP <kind>`` (skipping ``IF EXISTS``)."""
    while j < len(words) and words[j] in _SKIP_AFTER_DROP:
        j += 1
    if j >= len(chunk) or words[j] in (";", "(", ","):
        return None
    return chunk[j].text.replace(PLACEHOLDER, "{...}")


def _next_word(words: list[str | None], i: int) -> str | None:
    return words[i + 1] if i + 1 < len(words) else None


def _after_drop(words: list[str | None], i: int) -> tuple[int, str | None]:
    j = i + 1
    while j < len(words) and words[j] in _SKIP_AFTER_DROP:
        j += 1
    return j, (words[j] if j < len(words) else None)


def _is_name(token: Token, word: str | None, quoted: object) -> bool:
    from sqlglot import TokenType

    return token.token_type in (TokenType.VAR, quoted) or word == PLACEHOLDER.upper()


def _sets_null(words: list[str | None], start: int) -> bool:
    try:
        set_at = words.index("SET", start)
    except ValueError:
        return False
    for k in range(set_at + 1, len(words) - 1):
        if words[k] in ("WHERE", "FROM", "RETURNING"):
            return False
        if words[k] == "=" and words[k + 1] == "NULL":
            return True
    return False


def _nested(chunk: list[Token], words: list[str | None], i: int, depth: int) -> Iterator[SqlHit]:
    """SQL inside SQL: the body of ``DO $$ ... $$`` or the string given to ``EXECUTE``."""
    if depth >= _MAX_DEPTH:
        return
    for token, word in zip(chunk[i + 1 : i + 3], words[i + 1 : i + 3], strict=False):
        if word is None or token.text.startswith(("'", "$")):
            body = _unquote(token.text)
            if might_destroy(body):
                yield from _analyse(body, depth + 1)
            return


_DOLLAR = re.compile(r"^\$(\w*)\$")


def _unquote(text: str) -> str:
    match = _DOLLAR.match(text)
    if match:
        tag = match.group(0)
        body = text[len(tag) :]
        return body[: -len(tag)] if body.endswith(tag) else body
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


# --------------------------------------------------------------------------- display


def _snippet(sql: str) -> str:
    return clean(sql)


# Shared with alembic_additive.verify (which must spot COMMIT statements in raw SQL): the
# same tokenizer, so quoted text, dollar-quoted bodies and comments are never mistaken for
# keywords anywhere in the package.
tokenize = _tokenize
split_statements = _statements
