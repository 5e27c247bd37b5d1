"""Create ``shop.db``: the database of models.py as it really is, drifted.

Run it from this folder::

    python make_database.py

Compared with models.py, the database

* still has ``customers.loyalty_tier`` (rolled back from the models, 3 of 4 rows hold a
  value) and ``customers.fax`` (never used, empty);
* lacks ``orders.shipped_at`` (added to the models, never migrated);
* lacks the ``coupons`` table.

``DATABASE_URL`` names another, empty database instead (PostgreSQL, MariaDB/MySQL);
``migrations/env.py`` reads the same variable. ``--force`` deletes shop.db and the
generated revisions first.
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
SQLITE_FILE = HERE / "shop.db"

# The schema the database really has, written out as it was deployed.
database = sa.MetaData()
customers = sa.Table(
    "customers",
    database,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("loyalty_tier", sa.String(20), nullable=True),  # orphan, holds data
    sa.Column("fax", sa.String(30), nullable=True),  # orphan, empty
)
orders = sa.Table(
    "orders",
    database,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("total", sa.Numeric(10, 2), nullable=False),
    sa.Index("ix_orders_customer_id", "customer_id"),
)

CUSTOMERS = [
    {"name": "Ada Example", "email": "ada@example.test", "loyalty_tier": "gold"},
    {"name": "Bob Example", "email": "bob@example.test", "loyalty_tier": "silver"},
    {"name": "Cy Example", "email": "cy@example.test", "loyalty_tier": "gold"},
    {"name": "Di Example", "email": "di@example.test", "loyalty_tier": None},
]
ORDERS = [
    {"customer_id": 1, "total": Decimal("19.90")},
    {"customer_id": 1, "total": Decimal("5.00")},
    {"customer_id": 3, "total": Decimal("42.00")},
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the drifted shop database.")
    parser.add_argument(
        "--force", action="store_true", help="delete shop.db and generated revisions first"
    )
    args = parser.parse_args(argv)
    url = sa.make_url(os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_FILE}")
    if args.force:
        if url.get_backend_name() == "sqlite":
            SQLITE_FILE.unlink(missing_ok=True)
        for revision in (HERE / "migrations" / "versions").glob("*.py"):
            revision.unlink()
    engine = sa.create_engine(url)
    existing = sa.inspect(engine).get_table_names()
    if existing:
        print(
            f"{url.render_as_string()} already has {len(existing)} table(s): use an empty "
            "database (for shop.db: python make_database.py --force)",
            file=sys.stderr,
        )
        return 2
    with engine.begin() as connection:
        database.create_all(connection)
        connection.execute(customers.insert(), CUSTOMERS)
        connection.execute(orders.insert(), ORDERS)
    engine.dispose()
    print(f"Built {url.render_as_string()}: {len(CUSTOMERS)} customers, {len(ORDERS)} orders.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
