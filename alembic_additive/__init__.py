"""alembic-additive: make Alembic's autogenerate additive-only, data-aware and idempotent.

Enable it in ``env.py`` with::

    context.configure(
        ...,
        autogenerate_plugins=["alembic.autogenerate.*", "alembic_additive"],
    )

Importing the package registers nothing with Alembic by itself; the ``alembic.plugins``
entry point (see :mod:`alembic_additive.plugin`) and revision files (which import
:mod:`alembic_additive.operations`) do that.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
