"""Per-dialect type semantics: is a column type change safe, and how to test each value.

* :mod:`.tables`: the dialects' semantics as data (byte limits, charsets, aliases, affinity).
* :mod:`.storage`: what a type really stores on a dialect.
* :mod:`.classify`: identical / widening by rule / measure / lossy.
* :mod:`.measure`: the one SQL predicate flagging values that would not survive, shared by
  the probe (autogenerate time) and the guard (upgrade time).
"""

from __future__ import annotations

from .classify import Outcome, Proof, classify, describe_type
from .measure import misfit_predicate
from .storage import Storage, describe

__all__ = [
    "Outcome",
    "Proof",
    "Storage",
    "classify",
    "describe",
    "describe_type",
    "misfit_predicate",
]
