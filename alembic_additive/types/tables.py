"""Per-dialect type semantics, as data.

Everything the classification needs to know about a dialect lives here as plain tables, so a
reviewer can check them against the servers' manuals without reading the mechanism
(:mod:`.storage`, :mod:`.classify`, :mod:`.measure`), and a wrong entry is one line to fix.
Sources: MariaDB/MySQL "Data Type Storage Requirements" and "Supported Character Sets";
PostgreSQL "Numeric Types" and "Character Types"; SQLite "Datatypes In SQLite" (§3 affinity).
"""

from __future__ import annotations

from typing import Final

SQLITE: Final = "sqlite"
POSTGRESQL: Final = "postgresql"
MYSQL: Final = "mysql"

KNOWN_DIALECTS: Final = (POSTGRESQL, MYSQL, SQLITE)
"""What an unknown dialect (``None``) may turn out to be: a proof must hold on all of them."""

DIALECT_ALIASES: Final = {"mariadb": MYSQL}
"""SQLAlchemy names MariaDB ``mysql`` (pymysql, mysqldb) or ``mariadb`` (the mariadb driver)."""

# --- integers ----------------------------------------------------------------------------

INT_BITS: Final = {
    "TINYINT": 8,
    "SMALLINT": 16,
    "MEDIUMINT": 24,
    "INTEGER": 32,
    "INT": 32,
    "BIGINT": 64,
}
"""Signed width of each integer type name (SQLAlchemy class names and their visit names)."""

SQLITE_INT_BITS: Final = 64
"""SQLite stores every integer in up to 8 bytes, whatever the declared type."""

BOOLEAN_BITS: Final = {MYSQL: 8}
"""MariaDB's BOOLEAN is TINYINT(1): the same column as TINYINT."""

# --- floating point ----------------------------------------------------------------------

FLOAT_BITS_BY_NAME: Final = {
    POSTGRESQL: {"REAL": 24, "DOUBLE": 53, "DOUBLE_PRECISION": 53, "FLOAT": 53},
    MYSQL: {"REAL": 53, "DOUBLE": 53, "DOUBLE_PRECISION": 53, "FLOAT": 24},
}
"""Mantissa bits of a float type name without a precision. MariaDB's REAL is DOUBLE (unless
``sql_mode=REAL_AS_FLOAT``) and its FLOAT is single precision; PostgreSQL's FLOAT is double
precision; SQLite has a single 8-byte REAL storage class."""

SQLITE_FLOAT_BITS: Final = 53
"""SQLite has one floating point storage class, an 8-byte IEEE double."""

FLOAT_SINGLE_MAX_PRECISION: Final = 24
"""``FLOAT(p)``: p <= 24 is single precision (24 mantissa bits), 25..53 is DOUBLE, on
PostgreSQL and MariaDB alike. So MariaDB's FLOAT(53) *is* DOUBLE."""

# --- exact numerics ----------------------------------------------------------------------

DECIMAL_DEFAULT: Final = {MYSQL: (10, 0)}
"""``NUMERIC`` without a precision: DECIMAL(10,0) on MariaDB; unbounded on PostgreSQL and
SQLite (where NUMERIC is an affinity, not a limit)."""

# --- text --------------------------------------------------------------------------------

MYSQL_TEXT_BYTES: Final = {
    "TINYTEXT": 255,
    "TEXT": 65_535,
    "MEDIUMTEXT": 16_777_215,
    "LONGTEXT": 4_294_967_295,
    "JSON": 4_294_967_295,  # MariaDB: JSON is LONGTEXT (utf8mb4_bin) with CHECK(json_valid)
    "TINYBLOB": 255,
    "BLOB": 65_535,
    "MEDIUMBLOB": 16_777_215,
    "LONGBLOB": 4_294_967_295,
}
"""Byte limit of each MariaDB text/blob type: the limit is in bytes, not characters."""

MYSQL_VARCHAR_MAX_BYTES: Final = 65_535
"""A VARCHAR never holds more bytes than this (the row limit), whatever its charset."""

MYSQL_CHARSET_MAX_BYTES: Final = {
    "ascii": 1,
    "binary": 1,
    "latin1": 1,
    "latin2": 1,
    "latin5": 1,
    "latin7": 1,
    "cp1250": 1,
    "cp1251": 1,
    "cp1256": 1,
    "cp1257": 1,
    "cp850": 1,
    "cp852": 1,
    "cp866": 1,
    "dec8": 1,
    "greek": 1,
    "hebrew": 1,
    "hp8": 1,
    "keybcs2": 1,
    "koi8r": 1,
    "koi8u": 1,
    "macce": 1,
    "macroman": 1,
    "swe7": 1,
    "tis620": 1,
    "armscii8": 1,
    "geostd8": 1,
    "ucs2": 2,
    "big5": 2,
    "cp932": 2,
    "euckr": 2,
    "gb2312": 2,
    "gbk": 2,
    "sjis": 2,
    "ujis": 3,
    "eucjpms": 3,
    "utf8": 3,
    "utf8mb3": 3,
    "utf8mb4": 4,
    "utf16": 4,
    "utf16le": 4,
    "utf32": 4,
}
"""Most bytes one character takes in each MariaDB character set; the names are also the only
charset names ever written into SQL (``CONVERT(x USING name)``)."""

MYSQL_UNKNOWN_CHARSET_BYTES: Final = 4
"""A charset we do not know (or the table default, not reflected): assume the widest."""

# --- padding -----------------------------------------------------------------------------

PADDED_CHAR_DIALECTS: Final = frozenset({POSTGRESQL})
"""Where CHAR(n) values are read back padded with spaces to n characters, so converting to
VARCHAR/TEXT (which strips the padding) or to a wider CHAR changes the value read.
MariaDB strips trailing spaces on read (no PAD_CHAR_TO_FULL_LENGTH), SQLite does not pad."""

# --- SQLite ------------------------------------------------------------------------------

SQLITE_AFFINITY_RULES: Final = (
    ("INT", "INTEGER"),
    ("CHAR", "TEXT"),
    ("CLOB", "TEXT"),
    ("TEXT", "TEXT"),
    ("BLOB", "BLOB"),
    ("REAL", "REAL"),
    ("FLOA", "REAL"),
    ("DOUB", "REAL"),
)
"""SQLite §3.1: the first rule whose substring occurs in the declared type name wins; an empty
declared type is BLOB; anything else is NUMERIC."""

SQLITE_DEFAULT_AFFINITY: Final = "NUMERIC"

SQLITE_KEPT_ON_INSERT: Final = {
    "TEXT": ("text", "blob"),
    "INTEGER": ("integer", "blob"),
    "NUMERIC": ("integer", "blob"),
    "REAL": ("real", "blob"),
    "BLOB": ("integer", "real", "text", "blob"),
}
"""Storage classes (``typeof()``) a column of each affinity stores unchanged when a value is
copied into it. TEXT turns numbers into text; INTEGER/NUMERIC turn numeric-looking text and
integral reals into integers; REAL turns integers into reals. A non-integral REAL also stays
a REAL under INTEGER/NUMERIC affinity (see :data:`SQLITE_KEEPS_FRACTIONAL_REAL`)."""

SQLITE_KEEPS_FRACTIONAL_REAL: Final = frozenset({"INTEGER", "NUMERIC"})
