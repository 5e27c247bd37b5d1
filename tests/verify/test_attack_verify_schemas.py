"""A revision that changes PostgreSQL's search_path and leaves it changed (``SET search_path
TO tenant_a, public``: multi-tenant migrations do, and Alembic's version table still
resolves) must not move verify's own queries to another schema's tables.

verify counts and fingerprints the default schema's tables by unqualified name; after such
a revision ``items`` meant ``tenant_a.items``: its values and counts were compared with
``public.items``' (before: "values-changed items.name: 1 of 3", a table no statement
changed). They are now read by schema name (``snapshot.py``, ``prints.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attack_support import contents, lines, plain_upgrade, twins

TENANTS = """
op.execute("CREATE SCHEMA tenant_a")
op.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50))")
op.execute("CREATE TABLE tenant_a.items (id INTEGER PRIMARY KEY, name VARCHAR(50))")
op.execute("INSERT INTO items VALUES (1, 'p1'), (2, 'p2'), (3, 'p3')")
op.execute("INSERT INTO tenant_a.items VALUES (1, 'alpha')")
"""
TENANT_UPDATE = """
op.execute("SET search_path TO tenant_a, public")
op.execute("UPDATE items SET name = upper(name)")
"""


@pytest.mark.parametrize("recount_all", [False, True])
def test_search_path_left_changed_does_not_move_verify_to_another_schema(
    tmp_path: Path, make_database: Any, recount_all: bool
) -> None:
    verified, plain = twins(tmp_path, make_database, "postgresql", TENANTS, TENANT_UPDATE)

    run = verified.cli(*(["--recount-all"] if recount_all else []))

    assert run.code == 0, run
    assert lines(run) == []
    before, after = plain_upgrade(plain)
    assert before["items"] == after["items"]  # public.items: untouched
    assert contents(plain, "tenant_a")["items"]["rows"] == [("1", "'ALPHA'")]
    assert contents(verified) == after


def test_unqualified_write_to_a_counted_schema_on_the_search_path(
    tmp_path: Path, make_database: Any
) -> None:
    verified, plain = twins(tmp_path, make_database, "postgresql", TENANTS, TENANT_UPDATE)

    run = verified.cli("--schema", "tenant_a", "--schema", "public")

    before, after = plain_upgrade(plain, "tenant_a")
    assert before["items"] != after["items"]  # the upgrade changed tenant_a.items
    assert run.code == 1, run
    assert lines(run) == ["r2: values-changed tenant_a.items.name: 1 of 1 non-null values changed"]
