"""MariaDB: a kept ``MODIFY`` must not convert the column's character set.

``ALTER TABLE t MODIFY c VARCHAR(100)`` gives the column the *table's* default charset and
collation, whatever the column had: a utf8mb4 column in a latin1 table becomes latin1, and
'山田太郎' fails (strict mode, error 1366) or is stored as '????' (``sql_mode=''``). The model's
``String(100)`` says nothing about charsets, so the column's own charset and collation (as
reflected) are carried onto the new type, which then renders as
``mysql.VARCHAR(length=100, charset='utf8mb4', collation='utf8mb4_general_ci')``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeEngine

_TEXT_TYPES: tuple[type[Any], ...] = (mysql.TINYTEXT, mysql.MEDIUMTEXT, mysql.LONGTEXT)


def keep_charset(existing: TypeEngine[Any], new: TypeEngine[Any]) -> TypeEngine[Any]:
    """``new`` with ``existing``'s charset and collation, when ``new`` names neither.

    A non-string, a SET, and any type that already names a charset or collation are returned
    as is (the caller passes a TypeDecorator's implementation).
    """
    charset = getattr(existing, "charset", None)
    collation = getattr(existing, "collation", None)
    if not (charset or collation) or not isinstance(existing, sa.String):
        return new
    if not isinstance(new, sa.String):
        return new
    if getattr(new, "charset", None) or getattr(new, "collation", None):
        return new
    kw: dict[str, Any] = {"charset": charset, "collation": collation}
    if isinstance(new, sa.Enum):
        if type(new).__name__.upper() == "SET":
            return new  # a SET never comes out of a kept change (never a widening)
        enum: TypeEngine[Any] = mysql.ENUM(*new.enums, **kw)
        return enum
    if isinstance(new, _TEXT_TYPES):
        same: TypeEngine[Any] = type(new)(**kw)
        return same
    if isinstance(new, sa.Text):
        return mysql.TEXT(length=new.length, **kw)
    if isinstance(new, sa.CHAR):
        return mysql.CHAR(length=new.length, **kw)
    if type(new) in (sa.String, sa.VARCHAR, sa.Unicode, sa.NVARCHAR, mysql.VARCHAR):
        return mysql.VARCHAR(length=new.length, **kw)
    return new
