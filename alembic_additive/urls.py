"""One way to read a database URL, for every command.

A URL that names no driver (``postgresql://``, ``mysql://``) makes SQLAlchemy pick its
default driver: psycopg 3 for PostgreSQL since SQLAlchemy 2.1, mysqlclient for MySQL. This
package depends on psycopg2 and offers PyMySQL as an extra, so a newcomer who pastes the URL
their application uses would get "No module named 'psycopg'". Every command therefore
resolves the URL here: the driver the URL names if there is one, else SQLAlchemy's default
when it is installed, else the driver this package brings. ``--debug`` logs which.

Errors never echo the URL: its password would end up in a CI log. Nor a value from a table:
the first line of a driver's error often quotes the row's value (``invalid input syntax for
type integer: "..."``, ``Duplicate entry '...' for key ...``); :func:`first_line` masks it.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa

log = logging.getLogger(f"alembic.{__name__}")

#: The driver to use when a URL names none and SQLAlchemy's default is not installed.
FALLBACK_DRIVERS = {"postgresql": "psycopg2", "mysql": "pymysql", "mariadb": "pymysql"}


class URLError(ValueError):
    """A URL that cannot be used; the message never contains the password."""


def parse(raw: str | sa.URL) -> sa.URL:
    """``raw`` as a URL, or a one-line error that does not repeat it (it may hold a password)."""
    try:
        return sa.make_url(raw)
    except Exception as error:
        raise URLError(f"not a valid database URL: {type(error).__name__}") from None


def with_installed_driver(url: sa.URL) -> sa.URL:
    """``url`` with a driver that is installed: ``postgresql://`` works with psycopg2."""
    fallback = FALLBACK_DRIVERS.get(url.drivername)
    if fallback is None:
        return url
    try:
        url.get_dialect().import_dbapi()
    except ImportError:
        candidate = url.set(drivername=f"{url.drivername}+{fallback}")
        try:
            candidate.get_dialect().import_dbapi()
        except ImportError:
            return url
        log.debug(
            "%s names no driver and SQLAlchemy's default is not installed; using %s",
            masked(url),
            candidate.drivername,
        )
        return candidate
    log.debug("%s: using SQLAlchemy's default driver", masked(url))
    return url


def resolve(raw: str | sa.URL) -> sa.URL:
    """Parse ``raw`` and pick an installed driver."""
    return with_installed_driver(parse(raw))


def masked(url: sa.URL | str) -> str:
    """The URL with its password replaced by ``***``, safe to print."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"


def first_line(error: BaseException, url: sa.URL | None = None) -> str:
    """The first line of ``error`` (a driver error: its class and message), password masked,
    and any value it quotes from a row masked too (``'***'``): a driver error's, or a data
    migration's own ``ValueError`` (``int(row.value)``) or ``KeyError``."""
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        text = f"{type(error.orig).__name__}: {error.orig}"
    else:
        text = str(error)
    text = text.strip()
    line = text.splitlines()[0].strip() if text else type(error).__name__
    password = url.password if url is not None else None
    if password:
        line = line.replace(str(password), "***")
    if isinstance(error, sa.exc.DBAPIError):
        line = mask_values(line)
    elif isinstance(error, KeyError) and line[:1] in "'\"":
        line = "'***'"  # a data migration's mapping[row.value]
    elif isinstance(error, ValueError):
        # int(row.value): invalid literal for int() with base 10: '…'
        line = _PYTHON_VALUE.sub(r"\1\2***\2", line)
    return line


_PYTHON_VALUE = re.compile(r"(:\s*)(['\"]).*\2\s*$")


# Where a driver's message quotes a value (the driver's str() may escape the quotes with a
# backslash). Greedy up to the words that follow the value, so a quote inside the value does
# not end the mask early. Identifiers (relation "t", column 'c', key 'k') are kept.
_VALUES = [
    # PostgreSQL: invalid input syntax for type integer: "…"; invalid input value for enum
    # mood: "…"; date/time field value out of range: "…" (a quoted value ends the message)
    (re.compile(r'(:\s*)\\?".*\\?"\s*$'), r'\1"***"'),
    # value "…" is out of range for type integer; invalid value "…" for "YYYY"
    (re.compile(r'(\bvalue\s+)\\?".*\\?"(\s+(?:is out of range|for)\b)'), r'\1"***"\2'),
    (re.compile(r'(time zone\s+)\\?".*\\?"(\s+not recognized)'), r'\1"***"\2'),
    (re.compile(r'(invalid byte sequence for encoding "[^"]*":\s*).*$'), r"\1***"),
    (re.compile(r"(character with byte sequence\s+).*?(\s+in encoding)"), r"\1***\2"),
    # MySQL/MariaDB: Duplicate entry '…' for key 'k'
    (re.compile(r"(Duplicate entry\s+)\\?'.*\\?'(\s+for key\b)"), r"\1'***'\2"),
    # Incorrect integer value: '…' for column …; Truncated incorrect DOUBLE value: '…'
    (re.compile(r"(\bvalue:\s*)\\?'.*\\?'(\s+for column\b)"), r"\1'***'\2"),
    (re.compile(r"(\bvalue:\s*)\\?'.*\\?'"), r"\1'***'"),
    # Got overflow when converting '…' to DECIMAL
    (re.compile(r"(\bconverting\s+)\\?'.*\\?'(\s+to\b)"), r"\1'***'\2"),
]


def mask_values(line: str) -> str:
    """``line`` (a driver's error message) with the values it quotes replaced by ``***``."""
    for pattern, replacement in _VALUES:
        line = pattern.sub(replacement, line)
    return line
