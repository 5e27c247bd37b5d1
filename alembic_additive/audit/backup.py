"""A JSON backup of the database *structure*: tables, columns, types, nullability,
defaults, indexes, constraints and row counts. No row data, ever."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .. import probe
from ..findings import TableRef
from .report import type_name


def default_name(now: datetime.datetime | None = None) -> str:
    """``database-backup-2025-07-17T17-16-59Z.json`` (UTC, safe in every file system)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return f"database-backup-{now.strftime('%Y-%m-%dT%H-%M-%SZ')}.json"


def structure(
    engine: sa.Engine,
    schemas: Iterable[str | None] = (None,),
    timeout: float = 30.0,
    progress: Callable[[int, int, TableRef], None] | None = None,
) -> dict[str, Any]:
    insp = sa.inspect(engine)
    tables: list[dict[str, Any]] = []
    refs: list[TableRef] = []
    for schema in schemas:
        for name in sorted(insp.get_table_names(schema=schema)):
            refs.append(TableRef(schema, name))
            pk = insp.get_pk_constraint(name, schema=schema)
            tables.append(
                {
                    "schema": schema,
                    "table": name,
                    "columns": [
                        {
                            "name": c["name"],
                            "type": type_name(c["type"], engine.dialect),
                            "nullable": bool(c["nullable"]),
                            "default": None if c.get("default") is None else str(c["default"]),
                        }
                        for c in insp.get_columns(name, schema=schema)
                    ],
                    "primary_key": {
                        "name": pk.get("name"),
                        "columns": pk.get("constrained_columns", []),
                    },
                    "indexes": [
                        {
                            "name": ix["name"],
                            "columns": ix["column_names"],
                            "unique": bool(ix["unique"]),
                        }
                        for ix in insp.get_indexes(name, schema=schema)
                    ],
                    "foreign_keys": [
                        {
                            "name": fk.get("name"),
                            "columns": fk["constrained_columns"],
                            "references": {
                                "schema": fk.get("referred_schema"),
                                "table": fk["referred_table"],
                                "columns": fk["referred_columns"],
                            },
                        }
                        for fk in insp.get_foreign_keys(name, schema=schema)
                    ],
                    "unique_constraints": [
                        {"name": u.get("name"), "columns": u["column_names"]}
                        for u in _safe(insp.get_unique_constraints, name, schema)
                    ],
                    "check_constraints": [
                        {"name": c.get("name"), "sqltext": str(c["sqltext"])}
                        for c in _safe(insp.get_check_constraints, name, schema)
                    ],
                }
            )
    with engine.connect() as conn, conn.begin():
        counted = probe.measure(conn, [probe.Request(r) for r in refs], "exact", timeout, progress)
    for entry, ref in zip(tables, refs, strict=True):
        entry["rows"] = counted.rows(ref)
    return {
        "version": 1,
        "dialect": engine.dialect.name,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "tables": tables,
    }


def _safe(fn: Callable[..., Any], name: str, schema: str | None) -> list[Any]:
    """Some dialects cannot reflect some constraint kinds; the backup says so by omission."""
    try:
        return list(fn(name, schema=schema))
    except NotImplementedError:
        return []


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
