"""``alembic-additive lint --jobs N``: files linted in worker processes, the same output.

The corpus is the benchmark's generator (benchmarks/lint_throughput.py: licence headers,
batch blocks, ORM data migrations, raw SQL, helpers, merges, about one file in four with a
finding) plus files that make a parallel run easy to get wrong: a type change whose
previous type only an earlier revision in another chunk gives, syntax errors, a file that is
not UTF-8, suppressions valid and invalid, and a revision allowed in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from lint_support import upgrade_source

from alembic_additive.lint import lint_paths, parallel
from alembic_additive.lint.command import lint

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "lint_throughput.py"
FORMATS = ("text", "json", "sarif", "github")


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("lint_throughput", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corpus(root: Path, count: int = 300) -> Path:
    """``root/versions``: ``count`` generated revisions and the tricky files, spread over
    the sorted order (so over different chunks)."""
    versions = root / "versions"
    versions.mkdir()
    _generator().write_revisions(versions, count)  # type: ignore[attr-defined]
    write = lambda name, text: (versions / name).write_text(text, encoding="utf-8")  # noqa: E731
    # the previous type of t.c comes from the first file; the type change is in the last
    write(
        "000_create.py", upgrade_source('op.create_table("t", sa.Column("c", sa.String(80)))', "c0")
    )
    write(
        "zzz_alter.py", upgrade_source('op.alter_column("t", "c", type_=sa.String(20))', "c1", "c0")
    )
    write("555_syntax.py", "def upgrade(:\n    pass\n")
    write("aaa_syntax.py", "x = (\n")
    (versions / "7ab_latin1.py").write_bytes(b'x = "\xff"\n')
    write(
        "3cd_suppressed.py",
        upgrade_source(
            'op.drop_column("t", "a")  # additive: allow drop-column -- never written\n'
            'op.drop_column("t", "b")  # additive: allow drop-colum -- typo\n'
            'op.drop_table("u")  # additive: allow drop-table\n',
            "s1",
        ),
    )
    write("bcd_allowed.py", upgrade_source('op.drop_table("allowed")', "allowed1"))
    (root / "pyproject.toml").write_text(
        '[tool.alembic_additive.lint]\nallow_revisions = ["allowed1"]\n', encoding="utf-8"
    )
    return versions


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs")
    _corpus(root)
    return root


def _run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(lint, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many workers each parallel run started (so a test knows it ran in parallel)."""
    calls: list[int] = []
    real = parallel.lint_in_workers

    def spy(task: parallel.Task, workers: int, result: object) -> None:
        calls.append(workers)
        real(task, workers, result)  # type: ignore[arg-type]

    monkeypatch.setattr("alembic_additive.lint.lint_in_workers", spy)
    return calls


@pytest.mark.parametrize("fmt", FORMATS)
def test_jobs_2_prints_what_jobs_1_prints(
    corpus: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    sequential = _run(["versions", "--format", fmt, "--jobs", "1"], corpus, monkeypatch)
    assert started == []
    parallel_run = _run(["versions", "--format", fmt, "--jobs", "2"], corpus, monkeypatch)
    assert started == [2]
    assert parallel_run == sequential
    code, out, err = sequential
    assert code == 2  # the syntax errors and the file that is not UTF-8
    assert err.splitlines() == [
        "versions/555_syntax.py:1: syntax error: invalid syntax",
        "versions/7ab_latin1.py:1: cannot read: not UTF-8 (invalid start byte)",
        "versions/aaa_syntax.py:1: syntax error: '(' was never closed",
    ]
    if fmt == "json":
        findings = json.loads(out)["findings"]
        assert len(findings) > 80
        rules = {(f["path"], f["rule"]) for f in findings}
        assert ("versions/zzz_alter.py", "alter-column-type") in rules  # history, other chunk
        assert ("versions/3cd_suppressed.py", "invalid-suppression") in rules
        assert ("versions/3cd_suppressed.py", "drop-column") in rules  # "b", misspelt rule
        assert not any(f["path"] == "versions/bcd_allowed.py" for f in findings)
        history = [f for f in findings if f["path"] == "versions/zzz_alter.py"]
        assert "from an earlier revision" in history[0]["message"]


@pytest.mark.parametrize(
    "extra", [["--include-downgrade"], ["--fail-on", "warning"], ["--fail-on", "never"]]
)
def test_jobs_agree_with_other_options(
    corpus: Path, extra: list[str], monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    args = ["versions", "--format", "json", *extra]
    assert _run([*args, "--jobs", "2"], corpus, monkeypatch) == _run(
        [*args, "--jobs", "1"], corpus, monkeypatch
    )
    assert started == [2]


def test_jobs_agree_on_clean_files_and_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    """Exit 1 (findings only) and 0 (clean) alike."""
    versions = tmp_path / "versions"
    versions.mkdir()
    for n in range(100):
        body = 'op.add_column("t", sa.Column("c"))' if n % 10 else 'op.drop_table("t")'
        (versions / f"r{n:03}.py").write_text(upgrade_source(body, f"r{n}"), encoding="utf-8")
    for jobs in ("1", "3"):
        code, out, err = _run(["versions", "--jobs", jobs], tmp_path, monkeypatch)
        assert (code, err, out.splitlines()[-1]) == (
            1,
            "",
            "Found 10 findings (10 errors, 0 warnings).",
        )
    for n in range(0, 100, 10):
        (versions / f"r{n:03}.py").write_text(upgrade_source("pass", f"r{n}"), encoding="utf-8")
    assert _run(["versions", "--jobs", "3"], tmp_path, monkeypatch) == (
        0,
        "All checks passed.\n",
        "",
    )
    assert started == [3, 3]


def test_baseline_texts_reach_the_workers(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    """With a baseline, the parent reads the folder first; the workers lint the rest alike."""
    pyproject = corpus / "pyproject.toml"
    monkeypatch.setattr(parallel, "FILES_PER_JOB", 1)
    try:
        pyproject.write_text('[tool.alembic_additive.lint]\nbaseline = "c0"\n', encoding="utf-8")
        runs = [
            _run(["versions", "--format", "json", "--jobs", j], corpus, monkeypatch) for j in "14"
        ]
    finally:
        pyproject.write_text(
            '[tool.alembic_additive.lint]\nallow_revisions = ["allowed1"]\n', encoding="utf-8"
        )
    assert runs[0] == runs[1]
    assert started == [4]
    assert not any(
        f["path"] == "versions/000_create.py" for f in json.loads(runs[0][1])["findings"]
    )


def test_default_is_every_usable_cpu(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    default = _run(["versions", "--format", "json"], corpus, monkeypatch)
    assert started == [2]
    assert default == _run(["versions", "--format", "json", "--jobs", "1"], corpus, monkeypatch)


def test_usable_cpus_follows_the_affinity_mask() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.usable_cpus() == expected


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_bad_jobs_is_a_usage_error(
    corpus: Path, jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["versions", "--jobs", jobs], corpus, monkeypatch)
    assert (code, out) == (2, "")
    assert "Invalid value for '-j' / '--jobs'" in err
    assert "Traceback" not in err


def test_few_files_stay_in_process(tmp_path: Path, started: list[int]) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    for n in range(2 * parallel.FILES_PER_JOB - 1):
        (versions / f"r{n:03}.py").write_text(upgrade_source("pass", f"r{n}"), encoding="utf-8")
    assert lint_paths([versions], jobs=8).files == 2 * parallel.FILES_PER_JOB - 1
    assert started == []
    (versions / "last.py").write_text(upgrade_source("pass", "last"), encoding="utf-8")
    lint_paths([versions], jobs=8)
    assert started == [2]  # one worker per FILES_PER_JOB files at most


def test_workers_and_chunks() -> None:
    assert parallel.workers_for(1, 10_000) == 1
    assert parallel.workers_for(8, 63) == 1
    assert parallel.workers_for(8, 64) == 2
    assert parallel.workers_for(3, 100) == 3
    assert parallel.workers_for(8, 1000) == 8
    for count, parts in [(64, 2), (1000, 2), (1001, 3), (100, 3)]:
        bounds = parallel.chunks(count, parts)
        assert len(bounds) == parts
        assert [i for start, end in bounds for i in range(start, end)] == list(range(count))
        sizes = [end - start for start, end in bounds]
        assert max(sizes) - min(sizes) <= 1


def test_unreadable_file_is_named_as_given_whoever_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The type history reads the whole folder, the file that is not UTF-8 included, before
    the lint loop reaches it; the error still names it as the user gave it (it used to show
    the absolute path then, and a worker that had not read it would not)."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a1.py").write_text(
        upgrade_source('op.create_table("t", sa.Column("c", sa.String(80)))', "a1")
    )
    (versions / "a2.py").write_text(
        upgrade_source('op.alter_column("t", "c", type_=sa.String(20))', "a2", "a1")
    )
    (versions / "b_bad.py").write_bytes(b'x = "\xff"\n')
    code, out, err = _run(["versions", "--jobs", "1"], tmp_path, monkeypatch)
    assert code == 2 and "a2.py:9:5: alter-column-type" in out
    assert err == "versions/b_bad.py:1: cannot read: not UTF-8 (invalid start byte)\n"


@pytest.mark.parametrize(("how", "said"), [("exit", "exit code 70"), ("kill", "killed by SIGKILL")])
def test_a_worker_that_dies_is_one_line_exit_2(
    corpus: Path, how: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import alembic_additive.lint as package

    parent, real = os.getpid(), package._lint_files

    def die(*args: object, **kwargs: object) -> None:
        if os.getpid() != parent:  # in a child only: no result, no exception
            if how == "exit":
                os._exit(70)
            os.kill(os.getpid(), signal.SIGKILL)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "_lint_files", die)
    code, out, err = _run(["versions", "--jobs", "3"], corpus, monkeypatch)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"alembic-additive: error: a lint worker process stopped without a result ({said}); "
        "try again with --jobs 1"
    ]


def test_an_exception_in_a_worker_is_one_line_exit_2(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the same exception in one process would be (cli_support.handle_errors)."""
    import alembic_additive.lint as package

    parent, real = os.getpid(), package._lint_files

    def fail(*args: object, **kwargs: object) -> None:
        if os.getpid() != parent:
            raise RuntimeError("boom in a worker\nsecond line")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "_lint_files", fail)
    code, out, err = _run(["versions", "--jobs", "2"], corpus, monkeypatch)
    assert (code, out, err) == (2, "", "alembic-additive: error: boom in a worker\n")


ESCAPE = r"""op.execute("UPDATE t SET a = 1 WHERE b ~ '\d+'")"""


def test_warnings_from_parsing_come_in_the_sequential_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> None:
    """An invalid escape in a revision is a DeprecationWarning (SyntaxWarning on Python
    3.12+, shown by default) raised while parsing: children keep theirs, the parent raises
    them again chunk by chunk, so stderr reads as with --jobs 1."""
    versions = tmp_path / "versions"
    versions.mkdir()
    for n in range(120):
        body = ESCAPE if n % 40 == 3 else "pass"
        (versions / f"r{n:03}.py").write_text(upgrade_source(body, f"r{n}"), encoding="utf-8")
    runs = []
    for jobs in ("1", "3"):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            outcome = _run(["versions", "--jobs", jobs], tmp_path, monkeypatch)
        runs.append((outcome, [(str(w.message), w.category, w.filename, w.lineno) for w in seen]))
    assert runs[0] == runs[1]
    assert started == [3]
    assert [(w[2], w[3]) for w in runs[0][1]] == [
        ("versions/r003.py", 9),
        ("versions/r043.py", 9),
        ("versions/r083.py", 9),
    ]
