"""Compatibility: the type-change classification moved to :mod:`alembic_additive.types`.

``classify(existing, new)`` keeps its old three-value answer for callers that do not know the
dialect; it is the conservative, dialect-unknown classification (the worst outcome on any
known dialect), in which only a proof by rule counts as widening.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import TypeEngine

from .findings import MisfitCheck
from .types import classify as _classify


def classify(
    existing: TypeEngine[Any], new: TypeEngine[Any], dialect: str | None = None
) -> tuple[bool, str, MisfitCheck | None]:
    """Return ``(widening, reason, misfit)`` for a change from ``existing`` to ``new``."""
    proof = _classify(existing, new, dialect)
    return proof.safe_by_rule, proof.reason, proof.check
