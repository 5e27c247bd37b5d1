"""The distribution works where the source tree is not: build, install, run.

``python -m build`` (in a virtualenv of its own holding only ``build`` and the
``[build-system] requires`` of pyproject.toml) makes the sdist, and the wheel from the
sdist, out of a clean copy of the repository. The
wheel is installed into a fresh virtualenv (its dependencies come from the package index),
and the command line and the plugin entry point are used from there, far from the source
tree. About 40 s, most of it pip.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from examples_support import ROOT, command_env, copy_repository

import alembic_additive

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow

VERSION = alembic_additive.__version__


@dataclass
class Built:
    sdist: Path
    wheel: Path
    venv: Path  # a fresh virtualenv with the wheel installed
    work: Path


def _run(args: list[str | Path], cwd: Path, work: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=command_env({"PIP_DISABLE_PIP_VERSION_CHECK": "1"}, work),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(map(str, args))}:\n{proc.stdout[-6000:]}"
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("packaging")
    source = copy_repository(work / "source")
    dist = work / "dist"
    tools = work / "build-venv"
    _run([sys.executable, "-m", "venv", tools], work, work)
    # exactly the build-system requirements, then build without isolation: the same check
    # (`build` verifies they are satisfied) for one environment instead of two
    pyproject = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    requires = pyproject["build-system"]["requires"]
    _run([tools / "bin" / "python", "-m", "pip", "install", "-q", "build", *requires], work, work)
    _run(
        [tools / "bin" / "python", "-m", "build", "--no-isolation", "--outdir", dist, source],
        work,
        work,
    )
    sdists = sorted(dist.glob("*.tar.gz"))
    wheels = sorted(dist.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(dist.iterdir())

    venv = work / "fresh-venv"
    _run([sys.executable, "-m", "venv", venv], work, work)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheels[0]], work, work)
    return Built(sdists[0], wheels[0], venv, work)


def test_version_comes_from_one_place(built: Built) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "alembic_additive.__version__"}
    assert built.wheel.name == f"alembic_additive-{VERSION}-py3-none-any.whl"
    assert built.sdist.name == f"alembic_additive-{VERSION}.tar.gz"
    with zipfile.ZipFile(built.wheel) as whl:
        metadata = whl.read(f"alembic_additive-{VERSION}.dist-info/METADATA").decode()
    assert re.search(rf"^Version: {re.escape(VERSION)}$", metadata, re.M)
    # no second copy of the version string anywhere in the package
    literal = re.compile(rf"['\"]{re.escape(VERSION)}['\"]")
    holders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "alembic_additive").rglob("*.py")
        if literal.search(p.read_text(encoding="utf-8"))
    ]
    assert holders == ["alembic_additive/__init__.py"]


def test_wheel_contents(built: Built) -> None:
    info = f"alembic_additive-{VERSION}.dist-info"
    with zipfile.ZipFile(built.wheel) as whl:
        names = set(whl.namelist())
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
    assert "alembic_additive/py.typed" in names
    assert "alembic_additive/plugin.py" in names
    assert "alembic_additive/operations/__init__.py" in names
    assert "alembic_additive/lint/docs/drop-table.md" in names  # `lint --explain` pages
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]
    sections = re.findall(r"^\[([^\]]+)\]\n((?:[^\[\n][^\n]*\n?)*)", entry_points, re.M)
    parsed = {name: body.strip().splitlines() for name, body in sections}
    assert parsed["alembic.plugins"] == ["alembic_additive = alembic_additive.plugin"]
    assert parsed["console_scripts"] == ["alembic-additive = alembic_additive.cli:main"]


def test_sdist_contents(built: Built) -> None:
    top = f"alembic_additive-{VERSION}"
    with tarfile.open(built.sdist) as sdist:
        names = set(sdist.getnames())
    for name in ("pyproject.toml", "README.md", "LICENSE", "alembic_additive/py.typed"):
        assert f"{top}/{name}" in names, name


def test_installed_command_line_runs_from_the_fresh_venv(built: Built) -> None:
    cli = built.venv / "bin" / "alembic-additive"
    version = _run([cli, "--version"], built.work, built.work)
    assert version.stdout.strip() == f"alembic-additive, version {VERSION}"

    where = _run(
        [
            built.venv / "bin" / "python",
            "-c",
            "import alembic_additive; print(alembic_additive.__file__)",
        ],
        built.work,
        built.work,
    )
    assert Path(where.stdout.strip()).is_relative_to(built.venv), where.stdout

    explain = _run([cli, "lint", "--explain", "drop-table"], built.work, built.work)
    assert explain.stdout.startswith("# drop-table\n") and "## Severity" in explain.stdout

    demo = _run([cli, "demo", "--dir", built.work / "demo"], built.work, built.work)
    assert "Applied it twice (upgrade head, stamp base, upgrade head)" in demo.stdout
    assert "is unchanged; `alembic check` reports no pending operation." in demo.stdout


def test_installed_entry_point_loads_the_plugin(built: Built) -> None:
    # the way Alembic loads it: importing alembic.runtime.plugins loads every entry point
    code = (
        "import alembic.runtime.plugins as plugins\n"
        "from importlib.metadata import entry_points\n"
        "(ep,) = entry_points(group='alembic.plugins', name='alembic_additive')\n"
        "module = ep.load()\n"
        "assert 'alembic_additive' in plugins._all_plugins, sorted(plugins._all_plugins)\n"
        "print(module.__name__, module.__file__)\n"
    )
    proc = _run([built.venv / "bin" / "python", "-c", code], built.work, built.work)
    name, path = proc.stdout.split()
    assert name == "alembic_additive.plugin"
    assert Path(path).is_relative_to(built.venv)
