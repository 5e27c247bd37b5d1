"""MkDocs hook: links from a docs page to repository files outside ``docs/``.

On GitHub, ``[workflow](../examples/ci/github-actions.yml)`` in ``docs/ci.md`` opens the
file. On the built site that file does not exist, and ``mkdocs build --strict`` rejects the
link. This hook rewrites such a link to the file on the repository host (``repo_url`` +
``/blob/main/...``), but **only when the file exists in the checkout**: a link to a missing
file is left alone, so ``--strict`` still fails on it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_LINK = re.compile(r"(?<!!)\]\((?P<target>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).resolve().parent
    repo_url = (config.get("repo_url") or "").rstrip("/")
    source = Path(page.file.abs_src_path).resolve().parent

    def rewrite(match: re.Match[str]) -> str:
        target = match["target"]
        if not repo_url or "://" in target or target.startswith(("/", "mailto:")):
            return match[0]
        path = (source / target).resolve()
        if path.is_relative_to(docs) or not path.is_relative_to(root) or not path.exists():
            return match[0]
        kind = "tree" if path.is_dir() else "blob"
        url = f"{repo_url}/{kind}/main/{path.relative_to(root).as_posix()}"
        return f"]({url}{match['anchor'] or ''})"

    return _LINK.sub(rewrite, markdown)
