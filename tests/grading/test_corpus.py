"""The hostile corpus: every file in submissions/ attacks the grader or breaks one thing.

Each corpus file is appended to a correct submission (submissions/_base.py) so that it replaces
one function, or breaks the import; its header says what must fail:

    # affects: relu            the checks of these functions score 0 ("all": every check; "none")
    # fails: NAME; NAME        (optional) only these checks score 0
    # message: a|b             a regular expression every failing check's message matches

The test asserts that the grade finishes within its time budget, that exactly the expected
checks score 0 with a clear message, that every other check keeps its points, and that the
zygote survives to grade the next submission.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from kit.grading import grade_submission
from tests.grading.conftest import TEST_LIMITS

HERE = Path(__file__).parent / "submissions"
BASE = (HERE / "_base.py").read_text()
CORPUS = sorted(p.name for p in HERE.iterdir() if p.suffix in (".py", ".ipynb") and not p.name.startswith("_"))
SPECIAL = {"relu_grad": ["relu_grad(0) is 0"], "sigmoid_grad": ["sigmoid_grad peaks at 0.25"]}
NOTEBOOK_HEADERS = {"malformed.ipynb": {"affects": "all", "message": "not a valid notebook"}}
SLEEP_SECONDS = "987.6"  # a distinctive sleep, so the test can look for survivors


def _headers(path: Path) -> dict:
    if path.suffix == ".ipynb":
        return NOTEBOOK_HEADERS[path.name]
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"#\s*(affects|fails|message):\s*(.*)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def _checks_of(function: str, names: list[str]) -> set[str]:
    return {n for n in names if n.startswith(f"{function}: ")} | set(SPECIAL.get(function, []))


def _expected_failures(headers: dict, names: list[str]) -> set[str]:
    if "fails" in headers:
        return {name.strip() for name in headers["fails"].split(";")}
    affects = headers["affects"]
    if affects == "all":
        return set(names)
    if affects == "none":
        return set()
    return set().union(*(_checks_of(f.strip(), names) for f in affects.split(",")))


@pytest.fixture(scope="module")
def listener():
    """A TCP server on 127.0.0.1 that records whether anything connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    seen = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                seen.append(connection.recv(16))
                connection.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def _survivors() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if SLEEP_SECONDS in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def test_corpus_is_large_enough():
    # The issue asks for at least 25 hostile or broken submissions.
    assert len(CORPUS) >= 25, CORPUS


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    """Where another student's submission lies (read_other_student.py must not read it)."""
    return tmp_path_factory.mktemp("class")


def write_other_student(folder: Path) -> Path:
    other = folder / "bob" / "derivatives.py"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text(BASE + "\n# ANOTHER STUDENT's work\n")
    return other


def judge_hostile(name: str, zygote, checks04, listener, tmp_path: Path, class_folder: Path):
    """Grade corpus file ``name`` (appended to the correct base) and assert what its header says
    (see the module docstring), the time budget, and that nothing reached the listener, wrote the
    fake results file or outlived its call. Returns the GradeResult."""
    port, seen = listener
    path = HERE / name
    headers = _headers(path)
    if path.suffix == ".py":
        other = write_other_student(class_folder)
        snippet = path.read_text().replace("{PORT}", str(port)).replace("{SLEEP}", SLEEP_SECONDS)
        snippet = snippet.replace("{OTHER}", str(other))
        submission = tmp_path / "submission.py"
        submission.write_text(BASE + "\n\n" + snippet)
    else:
        submission = path
    names = [c.name for c in checks04]
    expected = _expected_failures(headers, names)
    started = time.monotonic()
    result = grade_submission("04", submission, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
    elapsed = time.monotonic() - started

    failing = {c.name for c in result.checks if c.score < c.max_score}
    assert failing == expected, {c.name: c.message for c in result.checks if c.name in failing ^ expected}
    for c in result.checks:
        if c.name in expected:
            assert c.score == 0, c
            assert re.search(headers["message"], c.message), (c.name, c.message)
            assert "LEAKED" not in c.message
    # Time budget: each affected function is one sandboxed call that may run to its limit, plus
    # the import check; 15 s per call covers the kill and teardown of a fork bomb on a loaded
    # 2-core machine, and 30 s the parent's own work (TensorFlow references, 11 forks).
    # An import-time failure ("all") stops after the import check: one call at risk.
    at_risk = {n.split(":")[0] for n in expected} if headers["affects"] != "all" else set()
    calls_at_risk = 1 + len(at_risk)
    assert elapsed < calls_at_risk * (TEST_LIMITS.timeout + 15) + 30, elapsed
    assert not seen, "a submission reached a server on 127.0.0.1"
    assert not Path("/tmp/kit-fake-results.json").exists()
    assert not _survivors(), "a process started by a submission outlived its call"
    return result


@pytest.mark.slow
@pytest.mark.parametrize("name", CORPUS)
def test_hostile_submission(name, zygote, checks04, listener, tmp_path, class_folder):
    judge_hostile(name, zygote, checks04, listener, tmp_path, class_folder)


@pytest.mark.slow
def test_grader_files_survive_and_next_submission_is_unaffected(zygote, checks04, tmp_path):
    # Runs after the corpus in this module (pytest keeps file order): the delete_files attack
    # must have left the grader's files, and the same zygote still grades a correct file fully.
    root = Path(__file__).resolve().parents[2]
    for relative in ("exercises/04-derivatives/checks.py", "exercises/04-derivatives/solution.py",
                     "kit/grading/runners/engine.py"):
        assert (root / relative).is_file(), relative
    submission = tmp_path / "good.py"
    submission.write_text(BASE)
    result = grade_submission("04", submission, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
    assert result.score == result.max_score == 100, [c for c in result.checks if not c.passed]
    assert zygote._process.poll() is None


@pytest.mark.slow
def test_notebook_submission_with_magics(zygote, checks04, tmp_path):
    import json

    cells = [{"cell_type": "markdown", "source": ["# my work"]},
             {"cell_type": "code", "source": ["%matplotlib inline\n", "!pip list\n"], "outputs": []},
             {"cell_type": "code", "source": BASE.splitlines(keepends=True), "outputs": []}]
    notebook = tmp_path / "alice.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    result = grade_submission("04", notebook, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
    assert result.score == 100, [c for c in result.checks if not c.passed]


def test_running_as_root_uses_the_full_sandbox():
    # CI and this project's machines grade as root; the weaker path is documented, not tested here.
    if os.geteuid() != 0:
        pytest.skip("not root: the sandbox runs with resource limits only (docs/grading.md)")
    from kit.grading.sandbox.child import sandbox_user

    assert sandbox_user() is not None and sandbox_user()[0] != 0
