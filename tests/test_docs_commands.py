"""Every command the documentation shows runs as printed, and prints what the page says.

The pages below are executed top to bottom, in a temporary copy of what they work on, on
SQLite, through a shell whose ``PATH`` starts with this interpreter's ``bin`` folder:

* a ```` ```sh ```` / ```` ```bash ```` block is run as one bash script (``set -e``): it
  must exit 0. The working directory it ends in (``cd``) carries over to the next block;
* a ```` ```console ```` block holds ``$ command`` lines, each followed by the output the
  page promises. Each command must exit 0, and the promised lines must appear in the real
  output (stdout and stderr, in terminal order): consecutive lines consecutively, groups
  separated by a ``...`` line in order; ``...`` inside a line matches anything, runs of
  spaces match any whitespace.

An HTML comment on the line just before a block changes that:

* ``<!-- docs-test: expect-failure -->``: the block's last command must exit non-zero
  (its output is still checked);
* ``<!-- docs-test: needs-server -->``: not run (it needs PostgreSQL or MariaDB); the same
  steps run on a server in ``tests/test_examples.py``;
* ``<!-- docs-test: install -->``: not run; may only hold ``pip install`` lines
  (``tests/test_packaging.py`` installs the built wheel into a fresh virtualenv);
* ``<!-- docs-test: excerpt GLOB -->`` before a code block of any language: the block
  (``...`` lines eliding) must be in the file GLOB names, relative to the current
  directory of the walkthrough at that point;
* ``<!-- test-command -->`` (README.md): not run here: ``.ci/run`` runs it
  (``tests/test_readme.py`` checks that).

A shell block with any other marker, or a marker this file does not know, fails the test.
"""

from __future__ import annotations

import configparser
import itertools
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from examples_support import (
    EXAMPLES,
    ROOT,
    TIMEOUT,
    command_env,
    copy_example,
    copy_repository,
    run,
)

SHELL_LANGS = {"sh", "bash", "shell", "console"}
KNOWN_MARKERS = ("expect-failure", "needs-server", "install", "excerpt ")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)(?P<rest>.*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<text>.*?)\s*-->\s*$")


@dataclass
class Block:
    page: str
    line: int
    lang: str
    text: str
    marker: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def docs_test(self) -> str | None:
        if self.marker and self.marker.startswith("docs-test:"):
            return self.marker.removeprefix("docs-test:").strip()
        return None


def parse_blocks(text: str, page: str) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the HTML comment just before each."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m["indent"], m["fence"], m["lang"].lower()
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.match(prev)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence[0] * len(fence))
            and not lines[j].strip().strip(fence[0])
        ):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        blocks.append(
            Block(page, i + 1, lang, "\n".join(body) + "\n", marker["text"] if marker else None)
        )
        i = j + 1
    return blocks


def _line_pattern(expected: str) -> re.Pattern[str]:
    pieces = [
        r"\s+".join(re.escape(word) for word in piece.split())
        for piece in expected.strip().split("...")
    ]
    return re.compile(".*".join(pieces))


def match_excerpt(expected: str, actual: str) -> str | None:
    """None if ``expected`` is in ``actual`` (see the module docstring), else why not."""
    groups: list[list[str]] = [[]]
    for line in expected.splitlines():
        if line.strip() == "...":
            groups.append([])
        elif line.strip():
            groups[-1].append(line)
    have = [line.strip() for line in actual.splitlines() if line.strip()]
    pos = 0
    for group in (g for g in groups if g):
        patterns = [_line_pattern(line) for line in group]
        for start in range(pos, len(have) - len(group) + 1):
            if all(p.fullmatch(have[start + k]) for k, p in enumerate(patterns)):
                pos = start + len(group)
                break
        else:
            return "not found (in this order) in the real output:\n" + "\n".join(group)
    return None


@dataclass
class Shell:
    """A reader's terminal: commands run one after another, ``cd`` carries over."""

    cwd: Path
    tmp: Path
    counter: itertools.count[int]

    def run(self, script: str) -> subprocess.CompletedProcess[str]:
        n = next(self.counter)
        pwd_file = self.tmp / f"pwd-{n}"
        wrapper = self.tmp / f"block-{n}.sh"
        wrapper.write_text(
            f"cd {shlex.quote(str(self.cwd))} || exit 97\n"
            f"trap 'pwd > {shlex.quote(str(pwd_file))}' EXIT\n"
            "set -eo pipefail\n" + script,
            encoding="utf-8",
        )
        proc = subprocess.run(
            ["bash", str(wrapper)],
            cwd=self.cwd,
            env=command_env(tmp=self.tmp),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if pwd_file.exists():
            self.cwd = Path(pwd_file.read_text(encoding="utf-8").strip())
        return proc


def console_commands(block: Block) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a console block."""
    out: list[tuple[str, list[str]]] = []
    continued = False
    for line in block.text.splitlines():
        if continued:
            out[-1] = (out[-1][0] + "\n" + line, out[-1][1])
            continued = line.endswith("\\")
        elif line.startswith("$ "):
            out.append((line[2:], []))
            continued = line.endswith("\\")
        else:
            assert out, f"{block.where}: console block output before any `$ ` command"
            out[-1][1].append(line)
    assert out, f"{block.where}: console block without a `$ ` command"
    return [(cmd, "\n".join(expected)) for cmd, expected in out]


def _fail(block: Block, what: str, output: str) -> None:
    pytest.fail(f"{block.where}: {what}\n--- output ---\n{output[-8000:]}", pytrace=False)


def run_page(page: str, text: str, start: Path, tmp: Path) -> dict[str, int]:
    """Run a page's blocks in order from ``start``; return how many of each kind ran."""
    shell = Shell(start, tmp, itertools.count())
    stats = {"run": 0, "skipped": 0, "excerpts": 0}
    for block in parse_blocks(text, page):
        marker = block.docs_test
        if marker is not None and not marker.startswith(KNOWN_MARKERS):
            pytest.fail(f"{block.where}: unknown marker <!-- {block.marker} -->", pytrace=False)
        if marker and marker.startswith("excerpt "):
            pattern = marker.removeprefix("excerpt ").strip()
            found = sorted(shell.cwd.glob(pattern))
            if len(found) != 1:
                pytest.fail(f"{block.where}: {pattern} matches {found}", pytrace=False)
            why = match_excerpt(block.text, found[0].read_text(encoding="utf-8"))
            if why:
                _fail(block, f"excerpt of {found[0].name}: {why}", found[0].read_text())
            stats["excerpts"] += 1
            continue
        if block.lang not in SHELL_LANGS:
            continue
        if block.marker == "test-command":
            assert page == "README.md", f"{block.where}: test-command outside README.md"
            stats["skipped"] += 1
            continue
        if marker == "needs-server":
            stats["skipped"] += 1
            continue
        if marker == "install":
            commands = [c for c in block.text.splitlines() if c.strip()]
            assert commands and all(
                re.match(r"(python3? -m )?pip install ", c) for c in commands
            ), f"{block.where}: an install block holds only pip install lines"
            stats["skipped"] += 1
            continue
        if block.marker is not None and marker is None and block.marker != "demo-command":
            pytest.fail(f"{block.where}: unknown marker <!-- {block.marker} -->", pytrace=False)
        if block.lang == "console":
            commands = console_commands(block)
            for k, (command, expected) in enumerate(commands):
                proc = shell.run(command + "\n")
                last = k == len(commands) - 1
                if marker == "expect-failure" and last:
                    if proc.returncode == 0:
                        _fail(block, f"`{command}` was expected to fail", proc.stdout)
                elif proc.returncode != 0:
                    _fail(block, f"`{command}` exited {proc.returncode}", proc.stdout)
                why = match_excerpt(expected, proc.stdout)
                if why:
                    _fail(block, f"`{command}`: {why}", proc.stdout)
        else:
            assert marker is None, f"{block.where}: {marker} applies to console blocks"
            proc = shell.run(block.text)
            if proc.returncode != 0:
                _fail(block, f"block exited {proc.returncode}", proc.stdout)
        stats["run"] += 1
    return stats


# ---------------------------------------------------------------------------------------------
# The pages, and what each works on
# ---------------------------------------------------------------------------------------------


def _repo_copy(tmp: Path) -> Path:
    return copy_repository(tmp / "alembic-additive")


def _examples_from_root(tmp: Path) -> Path:
    """The root of a checkout, as far as the quickstart needs it (examples/declarative)."""
    root = tmp / "checkout"
    copy_example("declarative", root / "examples" / "declarative")
    return root


def _example(name: str) -> Callable[[Path], Path]:
    def setup(tmp: Path) -> Path:
        return copy_example(name, tmp / name)

    return setup


PAGES: dict[str, Callable[[Path], Path]] = {
    "README.md": _repo_copy,
    "docs/quickstart.md": _examples_from_root,
    "examples/clinic/README.md": _example("clinic"),
    "examples/declarative/README.md": _example("declarative"),
}


@pytest.mark.slow
@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_commands_run_as_printed(page: str, tmp_path: Path) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    start = PAGES[page](work)
    stats = run_page(page, text, start, tmp_path)
    shell_blocks = [b for b in parse_blocks(text, page) if b.lang in SHELL_LANGS]
    assert stats["run"] + stats["skipped"] == len(shell_blocks)
    assert stats["run"] >= 1, f"{page}: no command block ran"


def test_every_example_readme_is_run() -> None:
    readmes = {f"examples/{p.parent.name}/README.md" for p in EXAMPLES.glob("*/README.md")}
    missing = {r for r in readmes if r not in PAGES and not r.startswith("examples/ci/")}
    assert not missing, f"example READMEs whose commands no test runs: {sorted(missing)}"


# ---------------------------------------------------------------------------------------------
# The runner itself can fail
# ---------------------------------------------------------------------------------------------

_FAKE = """
```console
$ echo "Drift audit of sqlite:////tmp/x/clinic.db (probe: exact)"; echo; echo "  a    1"
Drift audit of sqlite:///...clinic.db (probe: exact)
a 1
```
"""


def test_runner_checks_output_and_exit_status(tmp_path: Path) -> None:
    assert run_page("fake.md", _FAKE, tmp_path, tmp_path)["run"] == 1
    with pytest.raises(pytest.fail.Exception, match="not found"):
        run_page("fake.md", _FAKE.replace("a 1", "a 2"), tmp_path, tmp_path)
    with pytest.raises(pytest.fail.Exception, match="exited 3"):
        run_page("fake.md", "```sh\ntrue\nexit 3\n```\n", tmp_path, tmp_path)
    with pytest.raises(pytest.fail.Exception, match="expected to fail"):
        run_page("fake.md", "<!-- docs-test: expect-failure -->\n```console\n$ true\n```\n",
                 tmp_path, tmp_path)  # fmt: skip
    with pytest.raises(pytest.fail.Exception, match="unknown marker"):
        run_page("fake.md", "<!-- docs-test: skip -->\n```sh\ntrue\n```\n", tmp_path, tmp_path)
    # cd carries over from one block to the next
    (tmp_path / "sub").mkdir()
    page = "```sh\ncd sub\n```\n\n```console\n$ pwd\n...sub\n```\n"
    assert run_page("fake.md", page, tmp_path, tmp_path)["run"] == 2


def test_excerpt_matching() -> None:
    actual = "a\n\nb\nc\nd\n"
    assert match_excerpt("a\nb", actual) is None  # blank lines do not count
    assert match_excerpt("a\n...\nd", actual) is None
    assert match_excerpt("a\nc", actual) is not None  # consecutive means consecutive
    assert match_excerpt("c\n...\nb", actual) is not None  # groups in order


# ---------------------------------------------------------------------------------------------
# CONTRIBUTING.md: the tox environments, variables and completion commands it documents
# ---------------------------------------------------------------------------------------------


def _tox_envs() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    envs: set[str] = set()
    for item in parser["tox"]["env_list"].split():
        parts = [p.split(",") for p in re.split(r"\{([^}]*)\}", item)]
        # re.split alternates literal text and {a,b} alternatives
        choices = [p if i % 2 else ["".join(p)] for i, p in enumerate(parts)]
        envs |= {"".join(c) for c in itertools.product(*choices)}
    return envs | {s.removeprefix("testenv:") for s in parser.sections() if ":" in s}


def test_contributing_documents_every_tox_env() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    envs = _tox_envs()
    documented = {e for m in re.findall(r"tox -e ([\w,.-]+)", text) for e in m.split(",")}
    assert documented - envs == set(), "CONTRIBUTING.md names tox envs tox.ini lacks"
    assert envs - documented == set(), "tox envs CONTRIBUTING.md does not document"


def test_contributing_variables_exist() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    names = set(re.findall(r"\bALEMBIC_ADDITIVE_[A-Z_]+\b", text))
    assert {"ALEMBIC_ADDITIVE_PG_URL", "ALEMBIC_ADDITIVE_MYSQL_URL"} <= names
    sources = "".join(
        p.read_text(encoding="utf-8")
        for folder in ("alembic_additive", "tests")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "test_docs_commands.py"
    )
    unknown = {n for n in names if n not in sources}
    assert not unknown, f"CONTRIBUTING.md documents variables nothing reads: {unknown}"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_contributing_completion_commands_work(shell: str, tmp_path: Path) -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assignment = f"_ALEMBIC_ADDITIVE_COMPLETE={shell}_source"
    assert f"{assignment} alembic-additive" in text
    env = command_env({"_ALEMBIC_ADDITIVE_COMPLETE": f"{shell}_source"}, tmp_path)
    proc = run(["alembic-additive"], tmp_path, env)
    assert "_ALEMBIC_ADDITIVE_COMPLETE" in proc.stdout
    assert {"bash": "complete ", "zsh": "compdef", "fish": "complete "}[shell] in proc.stdout
