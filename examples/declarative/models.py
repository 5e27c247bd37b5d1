"""Models of a small shop: SQLAlchemy 2.0 declarative mapping.

The database (see make_database.py) drifted from these models: it still has
``customers.loyalty_tier``, dropped from the models in a rollback but holding data, and it
never received ``orders.shipped_at`` nor the ``coupons`` table.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(255))


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    shipped_at: Mapped[datetime.datetime | None]


class Coupon(Base):
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    percent_off: Mapped[int]
