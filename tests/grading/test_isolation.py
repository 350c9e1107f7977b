"""Hidden stays hidden, and isolation loss is loud and can be refused.

What the child must not read is computed from where the checks really are loaded from
(``KIT_EXERCISES`` included) and Gradescope's layout; ``--require-isolation`` and
``KIT_REQUIRE_ISOLATION=1`` refuse before TensorFlow is imported when the sandbox cannot isolate.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kit.grading import grade_submission
from kit.grading.sandbox import zygote as sandbox
from tests.grading.conftest import TEST_LIMITS

ROOT = Path(__file__).resolve().parents[2]
BASE = (Path(__file__).parent / "submissions" / "_base.py").read_text()
EXERCISE = ROOT / "exercises" / "04-derivatives"


def test_the_folder_checks_are_loaded_from_is_hidden(monkeypatch, tmp_path):
    moved = tmp_path / "course"
    monkeypatch.setenv("KIT_EXERCISES", str(moved))
    moved.mkdir()
    assert str(moved.resolve()) in sandbox.default_hidden_paths()
    monkeypatch.delenv("KIT_EXERCISES")
    assert str(moved.resolve()) not in sandbox.default_hidden_paths()
    assert str((ROOT / "exercises").resolve()) in sandbox.default_hidden_paths()


def test_gradescope_source_is_hidden_around_the_kit(monkeypatch, tmp_path):
    # /autograder/source may hold the kit itself: everything in it is hidden except the path to
    # the kit's package (and Python's), which every child needs to import.
    monkeypatch.setattr(sandbox, "GRADESCOPE_SOURCE", ROOT)
    hidden = sandbox.default_hidden_paths()
    assert str(ROOT) not in hidden and str(ROOT / "kit") not in hidden
    for entry in ("exercises", "tests", "README.md", "docs", "pyproject.toml"):
        assert str(ROOT / entry) in hidden, entry
    outside = tmp_path / "autograder-source"
    (outside / "exercises").mkdir(parents=True)
    monkeypatch.setattr(sandbox, "GRADESCOPE_SOURCE", outside)
    assert str(outside.resolve()) in sandbox.default_hidden_paths()


READ_MOVED_CHECKS = '''

def sigmoid(x):
    try:
        with open({path!r}) as handle:
            text = handle.read()
    except OSError:
        text = ""
    if "RTOL64" in text:
        raise RuntimeError("LEAKED the moved checks")
    return _stable_sigmoid(x)
'''


def _scratch_parent() -> Path:
    from kit.grading.sandbox.child import PRIVATE_TMP

    def reachable(folder: Path) -> bool:  # not under a private tmp; every ancestor lets others in
        if any(folder == Path(t) or Path(t) in folder.parents for t in PRIVATE_TMP):
            return False
        return all(os.stat(p).st_mode & 0o001 for p in [folder, *folder.parents] if p.exists())

    for candidate in (ROOT / "tmp", Path("/srv/kit-tests"), Path("/var/lib/kit-tests"), Path("/opt/kit-tests")):
        if reachable(candidate if candidate.exists() else candidate.parent):
            return candidate
    pytest.skip("no world-readable folder outside the private tmp folders to move the checks to")


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="hiding paths needs the full sandbox (root)")
def test_checks_moved_with_kit_exercises_are_unreadable_from_the_child(monkeypatch, zygote, tmp_path):
    # Outside /tmp (every child gets a private /tmp anyway) and outside the folders hidden by
    # default: <repo>/tmp/ is git-ignored scratch space, unless the repository itself lies under
    # a private tmp (a clone in /tmp): then a world-readable folder elsewhere.
    parent = _scratch_parent()
    created = not parent.exists()
    parent.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="moved-exercises-", dir=parent))
    try:
        os.chmod(scratch, 0o755)  # readable by the sandbox user unless hidden
        shutil.copytree(EXERCISE, scratch / "04-derivatives")
        checks = scratch / "04-derivatives" / "checks.py"
        submission = tmp_path / "reader.py"
        submission.write_text(BASE + READ_MOVED_CHECKS.format(path=str(checks)))
        monkeypatch.setenv("KIT_EXERCISES", str(scratch))
        from kit.grading.authoring.exercises import find, load_checks

        assert find("04").path == scratch / "04-derivatives"
        moved_checks = load_checks("04")
        # Control: a zygote started before KIT_EXERCISES pointed there does not hide the copy,
        # so the probe reads it (the path is reachable, the sandbox user may read it).
        leaked = grade_submission("04", submission, zygote=zygote, limits=TEST_LIMITS, checks=moved_checks)
        assert any("LEAKED" in c.message for c in leaked.checks), [c.message for c in leaked.checks]
        with sandbox.Zygote() as hiding:
            assert str(scratch) in hiding.hide and hiding.isolation == []
            result = grade_submission("04", submission, zygote=hiding, limits=TEST_LIMITS, checks=moved_checks)
        assert result.score == 100, [(c.name, c.message) for c in result.checks if not c.passed]
    finally:
        shutil.rmtree(scratch if not created else parent, ignore_errors=True)


def _kit_in_process(*args, env=None):
    """Run the CLI in a fresh interpreter; report its exit status and whether TensorFlow was imported."""
    script = ("import sys\nfrom kit.cli import main\nstatus = main(sys.argv[1:])\n"
              "print('TENSORFLOW_IMPORTED' if 'tensorflow' in sys.modules else 'TENSORFLOW_NOT_IMPORTED')\n"
              "sys.exit(status)\n")
    environment = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=environment)


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_require_isolation_refuses_before_tensorflow_with_one_line(how):
    arguments = ["grade", "04", str(EXERCISE / "solution.py")] + (["--require-isolation"] if how == "flag" else [])
    env = {"KIT_SANDBOX_UNPRIVILEGED": "1"} | ({"KIT_REQUIRE_ISOLATION": "1"} if how == "environment" else {})
    completed = _kit_in_process(*arguments, env=env)
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kit grade: error: refusing to grade"), lines
    assert "not root" in lines[0]
    assert completed.stdout.strip() == "TENSORFLOW_NOT_IMPORTED"


def test_a_wrong_kit_require_isolation_value_is_a_usage_error():
    completed = _kit_in_process("check", "04", str(EXERCISE / "solution.py"), env={"KIT_REQUIRE_ISOLATION": "maybe"})
    assert completed.returncode == 2 and "KIT_REQUIRE_ISOLATION" in completed.stderr
    with pytest.raises(TypeError, match="require_isolation"):
        grade_submission("04", EXERCISE / "solution.py", require_isolation="yes")


@pytest.mark.slow
def test_kit_check_without_isolation_warns_once_on_stderr_and_in_the_report():
    # A cold check (no check server): its one stderr line is the isolation warning.
    completed = _kit_in_process("check", "04", str(EXERCISE / "solution.py"),
                                env={"KIT_SANDBOX_UNPRIVILEGED": "1", "KIT_CHECK_SERVER": "0"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    warnings = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("kit check: warning: the sandbox could not isolate"), warnings
    header = completed.stdout.splitlines()[1]
    assert header.startswith("WARNING: the sandbox could not isolate") and "not root" in header


def test_as_root_the_sandbox_reports_full_isolation(zygote):
    if os.geteuid() != 0:
        pytest.skip("not root: the sandbox cannot isolate (docs/grading.md)")
    from kit.grading.sandbox.child import isolation_problems

    assert zygote.isolation == []
    assert isolation_problems(zygote.hide) == []


def test_isolation_problems_name_what_is_missing(monkeypatch):
    from kit.grading.sandbox.child import isolation_problems

    monkeypatch.setenv("KIT_SANDBOX_UNPRIVILEGED", "1")
    problems = isolation_problems([])
    assert len(problems) == 1 and "not root" in problems[0]
    with pytest.raises(TypeError, match="hide"):
        isolation_problems("/tmp")


def test_gradescope_report_without_isolation_warns_in_the_top_level_output():
    from kit.grading.runners.engine import CheckResult, GradeResult
    from kit.grading.runners.report import gradescope, render

    result = GradeResult("04-derivatives", "a.py", (CheckResult("one", 1.0, 1.0, "visible", "", 0.0),), 1.0,
                         ("sandbox: not root (see docs/grading.md)",), isolation=("not root",))
    data = gradescope(result)
    assert "WARNING" in data["output"] and "not root" in data["output"]
    assert data["extra_data"]["isolated"] is False
    assert json.loads(render(result, "json"))["isolated"] is False
    assert render(result, "text").splitlines()[1].startswith("WARNING")
    isolated = GradeResult("04-derivatives", "a.py", result.checks, 1.0)
    assert "WARNING" not in gradescope(isolated)["output"] and "WARNING" not in render(isolated, "text")


def test_every_report_names_the_isolation_level():
    from html import escape

    from kit.grading.sandbox.child import LEVELS
    from kit.grading.runners.engine import CheckResult, GradeResult
    from kit.grading.runners.report import gradescope, html, render

    checks = (CheckResult("one", 1.0, 1.0, "visible", "", 0.0),)
    for level in LEVELS:
        problems = ("not root",) if level == "none" else ()
        result = GradeResult("04-derivatives", "a.py", checks, 1.0, isolation=problems, isolation_level=level)
        line = f"isolation: {level} ({LEVELS[level]})"
        assert render(result, "text").splitlines()[-1] == line
        assert escape(line) in html(result) and line in gradescope(result)["output"]
        assert gradescope(result)["extra_data"]["isolation_level"] == level
        assert json.loads(render(result, "json"))["isolation_level"] == level
        assert result.isolated == (level != "none")
        assert GradeResult.from_dict(result.as_dict()) == result
    container = GradeResult("04-derivatives", "a.py", checks, 1.0, isolation=("no seccomp: network not blocked",),
                            isolation_level="container")
    assert not container.isolated and "level container: no seccomp" in gradescope(container)["output"]


def test_a_gradebook_row_from_before_the_levels_still_reads():
    from kit.grading.runners.engine import GradeResult

    row = {"exercise": "04-derivatives", "submission": "a.py", "checks": [], "notes": [], "problem": "",
           "isolation_problems": [], "not_implemented": [], "not_run": []}
    assert GradeResult.from_dict(row).isolation_level == "full"
    assert GradeResult.from_dict(row | {"isolation_problems": ["not root"]}).isolation_level == "none"


def test_required_levels(monkeypatch):
    assert [sandbox.required_level(v) for v in (True, False, "container", "full")] == \
        ["container", None, "container", "full"]
    for text, expected in (("1", "container"), ("container", "container"), ("full", "full"), ("0", None), ("", None)):
        monkeypatch.setenv("KIT_REQUIRE_ISOLATION", text)
        assert sandbox.required_level() == expected, text
    assert sandbox.meets("container", [], "container") and not sandbox.meets("container", [], "full")
    assert sandbox.meets("full", [], "full") and not sandbox.meets("none", [], "container")
    assert not sandbox.meets("container", ["no seccomp: network not blocked"], "container")
    assert sandbox.meets("none", ["not root"], None)
    with pytest.raises(TypeError, match="require_isolation"):
        sandbox.required_level("partial")


def test_require_isolation_full_refuses_below_full_and_a_wrong_level_is_one_line():
    completed = _kit_in_process("grade", "04", str(EXERCISE / "solution.py"), "--require-full-isolation",
                                env={"KIT_SANDBOX_LEVEL": "none"})
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1 and "at level full or better (level none" in lines[0], lines
    assert completed.stdout.strip() == "TENSORFLOW_NOT_IMPORTED"
    completed = _kit_in_process("check", "04", str(EXERCISE / "solution.py"), env={"KIT_SANDBOX_LEVEL": "partial"})
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1 and "KIT_SANDBOX_LEVEL" in lines[0], lines
    assert completed.stdout.strip() == "TENSORFLOW_NOT_IMPORTED"


def test_require_isolation_is_a_plain_flag_before_or_after_the_exercise():
    """`--require-isolation 04 FILE` read the exercise as a level ("invalid choice: '04'") when the flag took a value."""
    from kit.cli import build_parser

    parser = build_parser()
    for argv, wanted in ((["grade", "--require-isolation", "04", "a.py"], "container"),
                         (["grade", "04", "a.py", "--require-isolation"], "container"),
                         (["grade", "--require-full-isolation", "04", "a.py"], "full"),
                         (["check", "04", "a.py"], None)):
        args = parser.parse_args(argv)
        assert (args.exercise, args.file, args.require_isolation) == ("04", "a.py", wanted), argv


def test_a_kept_path_below_a_private_folder_stays_readable_at_full_level(monkeypatch, tmp_path):
    """Python installed below a folder others cannot pass (pyenv under /root, mode 0700): at full
    level that folder is covered by an empty tmpfs and the kept path bound back, so the sandbox
    user imports what the zygote did not preload (it failed: concurrent.futures.thread); the
    folder's mode on the host is not changed, and the rest of it stays hidden."""
    if os.geteuid() != 0:
        pytest.skip("not root: no full isolation here")
    from kit.grading.sandbox import child

    # outside the folders every call gets a private tmpfs of (/tmp, /var/tmp), which bind kept paths back already
    private = Path(tempfile.mkdtemp(prefix="kit-private-", dir="/var/lib"))
    try:
        library = private / "python" / "lib"
        library.mkdir(parents=True)
        (library / "module.py").write_text("VALUE = 42\n")
        (private / "secret.txt").write_text("not for the sandbox")
        os.chmod(private, 0o700)
        for folder in (private / "python", library):
            os.chmod(folder, 0o755)
        assert child.private_ancestors([str(library)]) == [str(private)]
        monkeypatch.setattr(child, "kept_paths", lambda: [str(library)])
        pid = os.fork()
        if pid == 0:  # the keeper's isolation, then the sandbox user's view
            code = 3
            try:
                notes = []
                level = child._isolate([], 8, notes)
                os.setgid(65534)
                os.setuid(65534)
                readable = (library / "module.py").read_text() == "VALUE = 42\n"
                hidden = not os.path.exists(private / "secret.txt")
                code = 2 if level == "container" else 0 if (level, notes, readable, hidden) == ("full", [], True, True) else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 2:
            pytest.skip("no mount namespace here (the container level changes modes instead)")
        assert os.waitstatus_to_exitcode(status) == 0
        assert os.stat(private).st_mode & 0o777 == 0o700  # the host's folder unchanged
    finally:
        shutil.rmtree(private, ignore_errors=True)
