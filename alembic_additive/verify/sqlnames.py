"""What a statement's tokens name: the functions it calls, the relations it reads, and the
token helpers :mod:`.statements` reads statements with.

Split from :mod:`.statements` (which reads what a statement *writes*): this module answers
which *names* a piece of SQL uses, from sqlglot's tokens, never from its text:

* :func:`calls`: every (possibly qualified) name followed by ``(`` — the functions a
  statement or body may run (built-in ones too; :mod:`.effects` keeps the ones the catalog
  has). Reserved words (``VARCHAR(``, ``CHECK (``, ``IN (``) and names qualified with
  ``pg_catalog``/``information_schema`` are not calls;
* :func:`reads`: every other name, qualified or not — the relations it may read. Most are
  columns or tables; :mod:`.effects` keeps those that are views, whose query (and the
  functions it calls) runs when they are read or written;
* :func:`uses`: in which statements names are calls and reads at all (a query, DML,
  ``CALL``, ``EXPLAIN``, ``REFRESH``, ``CREATE TABLE ... AS``). A definition runs
  nothing (``CREATE FUNCTION``/``TRIGGER``/``VIEW``, ``CREATE TABLE`` without ``AS``,
  ``DROP``, ``COMMENT``, ``GRANT``); the functions a ``CREATE TABLE``/``INDEX``/``DOMAIN``
  names are still *attached* to a table (a default, a check, an index expression), so the
  catalog has to be read again before the next write (:attr:`.statements.Touched.attaches`);
* :func:`relations`: the tables and views after ``FROM``/``JOIN`` (MariaDB's stored view
  definition, which names every relation it reads qualified);
* :func:`do_block`: the PL/pgSQL source of a PostgreSQL ``DO`` block (sqlglot leaves what
  follows ``DO`` as one string).

String literals and quoted names are separate tokens, so a value that looks like SQL is
never mistaken for a name.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import Token

Name = tuple[str | None, str]
"""(schema or None, name), lower-cased: how names are compared."""

_SQLGLOT_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}
_DEFINED_NOT_RUN = frozenset(
    {"FUNCTION", "PROCEDURE", "TRIGGER", "RULE", "EVENT", "AGGREGATE", "VIEW"}
)
_CREATED = _DEFINED_NOT_RUN | {"TABLE", "INDEX", "MATERIALIZED", "DOMAIN"}
NOT_CALLED_AFTER = frozenset({"INTO", "TABLE", "REFERENCES"})
_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
_NEVER_CALLS = frozenset(
    {"IN", "VALUES", "EXISTS", "AS", "CHECK", "UNIQUE", "PRIMARY", "ON", "USING", "NOT", "AND",
     "OR", "THEN", "ELSE", "WHEN", "FROM", "WHERE", "SELECT", "VARCHAR", "CHAR", "NUMERIC",
     "DECIMAL", "FLOAT", "CAST", "COALESCE", "NULLIF"}
)  # fmt: skip
"""Reserved words (types, ``IN (``, ``CHECK (``) that no unquoted, unqualified user function
is called by on PostgreSQL or MariaDB: not calls, so they do not read the catalog."""
_NAME_TOKENS = frozenset({"VAR", "IDENTIFIER"})
_READING = frozenset(
    {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "TABLE", "CALL", "DO",
     "EXPLAIN", "ANALYZE", "REFRESH"}
)  # fmt: skip
"""Statements that may read a relation (``SET``, ``SHOW``, ``LOCK`` ... do not run a view)."""
_STRINGS = frozenset({"STRING", "NATIONAL_STRING", "RAW_STRING", "HEREDOC_STRING"})


def tokenize(statement: str, dialect_name: str) -> list[Token] | None:
    try:
        from sqlglot.dialects import Dialect

        dialect = Dialect.get_or_raise(_SQLGLOT_DIALECTS.get(dialect_name, dialect_name))
        return list(dialect.tokenize(statement))
    except Exception:
        return None


def split(tokens: Sequence[Token]) -> list[list[Token]]:
    """Statements, at top-level semicolons (the tokenizer keeps a body's own inside one
    string token)."""
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type.name == "SEMICOLON":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def is_literal(token: Token) -> bool:
    return token.token_type.name in _STRINGS


def ident(token: Token) -> str:
    """The name a token stands for; unquoted names folded to lower case (compared so)."""
    return token.text.lower()


def column(token: Token) -> str:
    """A column a token names: a quoted name keeps its case (PostgreSQL's ``"Name"`` and
    ``name`` are two columns; :mod:`.values` matches case-insensitively where the dialect's
    column names are), an unquoted one is folded to lower case."""
    return token.text if token.token_type.name == "IDENTIFIER" else token.text.lower()


def name(tokens: Sequence[Token], i: int) -> tuple[Name, int] | None:
    """A possibly schema-qualified name starting at ``i``: ((schema, name), next index)."""
    parts: list[str] = []
    while i < len(tokens):
        parts.append(ident(tokens[i]))
        if i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
            continue
        i += 1
        break
    if not parts or not parts[-1]:
        return None
    schema = parts[-2] if len(parts) >= 2 else None
    return (schema, parts[-1]), i


def skip(tokens: Sequence[Token], i: int, *words: str) -> int:
    while i < len(tokens) and tokens[i].text.upper() in words and not is_literal(tokens[i]):
        i += 1
    return i


def names_after(part: Sequence[Token], i: int) -> list[Name] | None:
    """``[IF EXISTS] a, s.b, ...`` from ``i``; None when there is none."""
    i = skip(part, i, "IF", "EXISTS")
    names: list[Name] = []
    while i < len(part):
        named = name(part, i)
        if named is None:
            return None
        found, i = named
        names.append(found)
        if i < len(part) and part[i].token_type.name == "COMMA":
            i += 1
            continue
        break
    return names or None


def uses(part: Sequence[Token], first: str, words: set[str]) -> tuple[frozenset[str] | None, bool]:
    """(the words after which a name followed by ``(`` is not a call — ``INSERT INTO t (a)``
    — or None when the functions the statement names do not run when it does; whether the
    relations it names are read). A definition (a function, trigger, view or empty table) or
    a ``DROP`` runs nothing; ``ALTER TABLE`` and ``CREATE INDEX`` run the functions they name
    (a ``DEFAULT f()`` fills every row, an index expression is computed) but read no view,
    and neither do ``SET``, ``SHOW``, ``LOCK`` and the like (:data:`_READING`)."""
    if first in ("DROP", "COMMENT", "GRANT", "REVOKE"):
        return None, False
    if first == "ALTER":
        table = "TABLE" in {t.text.upper() for t in part[1:3]}
        return (NOT_CALLED_AFTER if table else None), False
    if first != "CREATE":
        return NOT_CALLED_AFTER, first in _READING
    kind = _created(part)
    if kind == "INDEX":  # CREATE INDEX ix ON t USING btree (f(c))
        return NOT_CALLED_AFTER | {"ON", "USING"}, False
    if kind == "MATERIALIZED" or (kind == "TABLE" and words & {"AS", "SELECT"}):
        return NOT_CALLED_AFTER, True  # CREATE TABLE t AS SELECT f(): run; a DEFAULT f(): not yet
    return None, False


def _created(part: Sequence[Token]) -> str:
    kinds = (t.text.upper() for t in part[1:] if t.token_type.name != "IDENTIFIER")
    return next((k for k in kinds if k in _CREATED), "")


def attaches(part: Sequence[Token], first: str) -> set[Name]:
    """The functions a ``CREATE TABLE``/``INDEX``/``DOMAIN`` or ``ALTER TABLE``/``DOMAIN``
    names: it may attach them to a table as a default, a check, a generated column or an
    index expression, run by later writes without being named."""
    if first not in ("CREATE", "ALTER") or len(part) < 2:
        return set()
    kind = _created(part) if first == "CREATE" else part[1].text.upper()
    if kind not in ("TABLE", "INDEX", "DOMAIN"):
        return set()
    return calls(part, NOT_CALLED_AFTER | {"ON", "USING"})


def calls(tokens: Sequence[Token], not_after: frozenset[str] = NOT_CALLED_AFTER) -> set[Name]:
    """Every (possibly qualified) name followed by ``(``."""
    found: set[Name] = set()
    for i in range(len(tokens) - 1):
        token = tokens[i]
        if tokens[i + 1].token_type.name != "L_PAREN" or is_literal(token):
            continue
        if token.token_type.name != "IDENTIFIER" and not (
            token.text[:1].isalpha() or token.text[:1] == "_"
        ):
            continue
        start = i
        while start >= 2 and tokens[start - 1].text == ".":
            start -= 2
        if start and tokens[start - 1].text.upper() in not_after:
            continue
        schema = ident(tokens[i - 2]) if i != start else None
        quoted = token.token_type.name == "IDENTIFIER"
        if schema is None and not quoted and token.text.upper() in _NEVER_CALLS:
            continue
        if schema not in _SYSTEM_SCHEMAS:
            found.add((schema, ident(token)))
    return found


def reads(tokens: Sequence[Token]) -> set[Name]:
    """Every name not followed by ``(``: ``a`` as (None, a), ``s.v`` as (None, s), (None, v)
    and (s, v), ``s.v.c`` likewise for each part and adjacent pair. Most are columns; only
    the ones that are views matter (:mod:`.effects`)."""
    found: set[Name] = set()
    i = 0
    while i < len(tokens):
        if tokens[i].token_type.name not in _NAME_TOKENS:
            i += 1
            continue
        parts = [ident(tokens[i])]
        j = i + 1
        while (
            j + 1 < len(tokens)
            and tokens[j].text == "."
            and tokens[j + 1].token_type.name in _NAME_TOKENS
        ):
            parts.append(ident(tokens[j + 1]))
            j += 2
        called = j < len(tokens) and tokens[j].token_type.name == "L_PAREN"
        if not called and parts[0] not in _SYSTEM_SCHEMAS:
            found.update((None, p) for p in parts)
            found.update(itertools.pairwise(parts))
        i = j
    return found


_FROM_ENDS = frozenset(
    {"WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "ON",
     "USING", "WINDOW", "SELECT", "SET", "RETURNING"}
)  # fmt: skip


def relations(tokens: Sequence[Token]) -> set[Name]:
    """The names after ``FROM`` and ``JOIN`` and the commas of a ``FROM`` list, at every
    depth: the relations a query reads, its subqueries' and parenthesized joins' included
    (``from (`db`.`t` join `db`.`m` on(...))``, ``from (select ...) s, u``)."""
    found: set[Name] = set()
    in_from = [False]  # per parenthesis depth: inside a FROM list
    expect = False  # the next name is a relation
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.token_type.name
        word = token.text.upper()
        i += 1
        if kind == "L_PAREN":
            in_from.append(expect)  # (t JOIN m ...) goes on with the list; (SELECT ...) not
            continue
        if kind == "R_PAREN":
            if len(in_from) > 1:
                in_from.pop()
            expect = False
            continue
        if kind in _NAME_TOKENS and expect:
            named = name(tokens, i - 1)
            if named is not None:
                found.add(named[0])
                i = named[1]
            expect = False
            continue
        if expect and word in ("LATERAL", "ONLY"):
            continue
        expect = False
        if is_literal(token):
            continue
        if word in ("FROM", "JOIN"):
            in_from[-1] = expect = True
        elif word in _FROM_ENDS:
            in_from[-1] = False
        elif kind == "COMMA" and in_from[-1]:
            expect = True
    return found


def do_block(part: Sequence[Token]) -> str | None:
    """The source of a PostgreSQL ``DO [LANGUAGE plpgsql] $$ ... $$`` (``part`` as sqlglot
    tokenizes it: ``DO`` and the rest as one string); None when it is another language or
    not read here."""
    if len(part) != 2 or part[1].token_type.name != "STRING":
        return None
    rest = tokenize(part[1].text, "postgresql")
    if rest is None:
        return None
    words = [t for t in rest if t.token_type.name not in ("STRING", "HEREDOC_STRING")]
    bodies = [t for t in rest if t.token_type.name in ("STRING", "HEREDOC_STRING")]
    language = [ident(t) for t in words]
    if len(bodies) != 1 or language not in ([], ["language", "plpgsql"]):
        return None
    return bodies[0].text
