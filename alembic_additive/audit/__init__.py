"""The drift audit: the seed's report, produced by a program.

It reuses the plugin's comparison, probe and policy (no second implementation): the
project's own ``env.py`` runs exactly as under ``alembic check``, with the plugin switched
on for the run, and the findings are completed with every count.
"""

from __future__ import annotations

from .collect import Comparison, compare_project, compare_standalone
from .report import build_report

__all__ = ["Comparison", "build_report", "compare_project", "compare_standalone"]
