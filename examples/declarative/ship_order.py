"""The application, deployed with the new models: it ships an order.

Writes ``orders.shipped_at``, the column the migration added, through the ORM models; run
after ``alembic upgrade head``. Afterwards the downgrade that would drop the column refuses,
because the column now holds data.

    python ship_order.py [ORDER_ID]
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from models import Order
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    order_id = int(argv[0]) if argv else 1
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{HERE / 'shop.db'}"
    engine = sa.create_engine(url)
    with Session(engine) as session:
        order = session.get(Order, order_id)
        if order is None:
            print(f"no order {order_id}", file=sys.stderr)
            return 1
        order.shipped_at = datetime.datetime(2025, 7, 18, 9, 30)
        session.commit()
        print(f"order {order.id} shipped at {order.shipped_at:%Y-%m-%d %H:%M}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
