"""``kit bundle``: the Gradescope autograder zip, unpacked into a fake ``/autograder`` tree and run
as Gradescope runs it (``run_autograder``, with ``KIT_AUTOGRADER_ROOT`` pointing at the tree)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from kit.grading.release.student import DEVELOPMENT_REQUIREMENTS, RUNTIME_REQUIREMENTS
from tests.grading.shared import assert_gradescope_schema
from tests.requirements_sets import GRADESCOPE_PYTHON, TEST_TOOLS, requirement_names, resolve

REPO = Path(__file__).resolve().parents[2]
SOLUTION = REPO / "exercises" / "04-derivatives" / "solution.py"
PRIVATE = ("/tmp", "/var/tmp", "/dev/shm")  # the sandbox mounts its own empty folders there

# A correct file whose tanh reports, as its error, what of the autograder's source it could open.
SPY = '''

def _peek(path):
    try:
        with open(path, "rb") as handle:
            return "read" if handle.read(1) else "empty"
    except OSError as error:
        return type(error).__name__


def tanh(x):
    import os
    seen = {{path: _peek(path) for path in {paths!r}}}
    raise RuntimeError("SAW " + repr(sorted(seen.items())))
'''


def _isolating() -> bool:
    from kit.grading.sandbox import zygote as sandbox
    from kit.grading.sandbox.child import isolation_problems

    return not isolation_problems(sandbox.default_hidden_paths())


def _base() -> Path:
    """A folder the sandbox's child could read if nothing hid it (outside the private /tmp), so
    that the test shows the hiding; the temporary folder where there is none."""
    for candidate in (REPO, Path.home()):  # in the repository: a dot folder, removed after each test
        resolved = candidate.resolve()
        if not str(resolved).startswith(PRIVATE) and os.access(resolved, os.W_OK) and \
                all(p.stat().st_mode & stat.S_IXOTH for p in [resolved, *resolved.parents]):
            return resolved
    return Path(tempfile.gettempdir())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from kit.grading.runners.autograder import build_bundle

    return build_bundle("04", tmp_path_factory.mktemp("bundle") / "autograder.zip",
                        require_isolation=_isolating())


@pytest.fixture
def autograder(bundle):
    """A fresh fake /autograder with the bundle unpacked in source/, readable by the sandbox's user."""
    root = Path(tempfile.mkdtemp(prefix=".kit-autograder-test-", dir=_base()))
    os.chmod(root, 0o755)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # zipfile drops the modes that unzip keeps
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    (root / "submission").mkdir()
    (root / "control.txt").write_text("readable")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, prefix=(), env=None) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the bundle's run_autograder on ``root`` (after the command ``prefix``, e.g. capsh's)."""
    environment = {"KIT_AUTOGRADER_ROOT": str(root), "KIT_AUTOGRADER_PYTHON": sys.executable,
                   "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2", "HOME": str(root), **(env or {})}
    done = subprocess.run([*prefix, str(root / "source" / "run_autograder")], capture_output=True, text=True,
                          timeout=600, env=environment, cwd="/")
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_schema(results)
    return done, results


def test_bundle_holds_the_grader_and_not_the_answers(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "requirements-runtime.txt", "pyproject.toml", "kit/cli.py",
            "exercises/04-derivatives/checks.py"} <= set(names)
    assert modes["run_autograder"] == modes["setup.sh"] == 0o755
    assert not [n for n in names if "solution" in n or "__pycache__" in n or n.startswith("tests/")]
    assert {n.split("/")[1] for n in names if n.startswith("exercises/")} == {"04-derivatives"}
    for script in (run, setup):  # both parse as bash
        assert subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True).returncode == 0
    assert "kit.grading.runners.autograder 04" in run and 'KIT_GRADING_HIDE="$SOURCE' in run


@pytest.fixture(scope="module")
def keras_bundle(tmp_path_factory):
    """Exercise 06's bundle: an exercise that grades with TensorFlow and Keras."""
    from kit.grading.runners.autograder import build_bundle

    return build_bundle("06", tmp_path_factory.mktemp("bundle06") / "autograder.zip")


def _installs(setup: str) -> list[str]:
    return [line for line in re.findall(r"-m pip install (.*)", setup) if "-r " in line]


def test_bundle_installs_the_run_time_requirements_only(bundle, keras_bundle):
    from kit.grading.runners.autograder import NUMPY_REQUIREMENTS

    with zipfile.ZipFile(keras_bundle) as archive:
        names = set(archive.namelist())
        runtime = archive.read(RUNTIME_REQUIREMENTS)
        setup = archive.read("setup.sh").decode()
    assert runtime == (REPO / RUNTIME_REQUIREMENTS).read_bytes()
    assert DEVELOPMENT_REQUIREMENTS not in names and NUMPY_REQUIREMENTS not in names
    assert DEVELOPMENT_REQUIREMENTS not in setup.replace(RUNTIME_REQUIREMENTS, "")
    assert _installs(setup) == [f'--no-cache-dir -r "$SOURCE/{RUNTIME_REQUIREMENTS}"']
    assert not [line for line in re.findall(r"-m pip install (.*)", setup)
                if "-e " in line or "$SOURCE\"" in line]  # the kit runs from source/
    included = re.findall(r"^-[rc]\s*(\S+)", runtime.decode(), re.MULTILINE)
    assert all(name in names for name in included), included  # what it includes travels with it
    # Exercise 04 grades with NumPy alone (tests/grading/test_runtime.py): its setup installs that.
    with zipfile.ZipFile(bundle) as archive:
        numpy_only = archive.read(NUMPY_REQUIREMENTS).decode()
        setup = archive.read("setup.sh").decode()
    assert _installs(setup) == [f'--no-cache-dir -r "$SOURCE/{NUMPY_REQUIREMENTS}"']
    assert requirement_names_of(numpy_only) == {"numpy"}
    numpy_line = next(line for line in runtime.decode().splitlines() if line.startswith("numpy"))
    assert numpy_line in numpy_only.splitlines()  # one source for its version range


def requirement_names_of(text: str) -> set:
    return {re.split(r"[<>=!~;\[ ]", line.strip(), maxsplit=1)[0] for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")}


def test_bundle_requirements_install_on_gradescopes_python(bundle, keras_bundle, tmp_path):
    from kit.grading.runners.autograder import NUMPY_REQUIREMENTS

    for zipped, name in ((keras_bundle, RUNTIME_REQUIREMENTS), (bundle, NUMPY_REQUIREMENTS)):
        folder = tmp_path / Path(zipped).parent.name
        with zipfile.ZipFile(zipped) as archive:
            archive.extract(name, folder)
        resolved = resolve(folder / name, GRADESCOPE_PYTHON, folder)
        assert requirement_names(folder / name) <= set(resolved), resolved
        assert not set(resolved) & TEST_TOOLS
    assert set(resolved) == {"numpy"}, resolved  # the NumPy bundle installs nothing else


def test_bundle_refuses_bad_arguments_before_tensorflow(tmp_path):
    for args, says in ((["bundle", "99", "--out", str(tmp_path / "a.zip")], "exercise"),
                       (["bundle", "04", "--out", str(tmp_path / "a.tar")], ".zip"),
                       (["bundle", "04", "--out", str(tmp_path / "no" / "a.zip")], "does not exist")):
        done = subprocess.run([sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True,
                              env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=60,
                              cwd=tmp_path)
        assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert "tensorflow" not in done.stderr.lower()
    assert not list(tmp_path.iterdir())


def test_a_submission_without_one_file_gets_a_results_file_saying_why(autograder):
    done, results = _run(autograder)
    assert results["score"] == 0 and results["tests"] == [] and "No .py or .ipynb" in results["output"]
    (autograder / "submission" / "a.py").write_text("x = 1\n")
    (autograder / "submission" / "b.ipynb").write_text("{}")
    done, results = _run(autograder)
    assert results["score"] == 0 and "exactly one" in results["output"] and "a.py, b.ipynb" in results["output"]


@pytest.mark.slow
def test_reference_solution_scores_full_marks(autograder):
    shutil.copyfile(SOLUTION, autograder / "submission" / "derivatives.py")
    done, results = _run(autograder)
    assert results["score"] == 100 and len(results["tests"]) == 42, done.stderr
    assert all(t["status"] == "passed" for t in results["tests"])
    assert {t["visibility"] for t in results["tests"]} == {"visible", "hidden"}


@pytest.mark.slow
def test_broken_submission_cannot_read_the_source(autograder):
    source = autograder / "source"
    paths = [str(source / "exercises" / "04-derivatives" / "checks.py"), str(source / RUNTIME_REQUIREMENTS),
             str(source / "run_autograder"), str(source / "kit" / "__init__.py"), str(autograder / "control.txt")]
    (autograder / "submission" / "mine.py").write_text(SOLUTION.read_text() + SPY.format(paths=paths))
    done, results = _run(autograder)
    tanh = [t for t in results["tests"] if t["name"].startswith("tanh:")]
    assert results["score"] == 100 - sum(t["max_score"] for t in tanh) and tanh, done.stderr
    assert all(t["status"] == "failed" for t in tanh)
    message = next(t["output"] for t in tanh if "SAW" in t["output"])
    seen = {path: re.search(re.escape(repr(path)) + r", '(\w+)'", message).group(1) for path in paths}
    if not _isolating():
        pytest.skip("this machine cannot isolate the sandbox (not root, or no namespaces)")
    assert seen[paths[0]] in ("FileNotFoundError", "PermissionError")  # the checks
    assert seen[paths[1]] != "read" and seen[paths[2]] != "read"  # the rest of the source
    assert seen[paths[3]] == "read"  # the kit's package, which the child imports
    if not str(autograder).startswith(PRIVATE):  # the control: what nothing hides is readable
        assert seen[paths[4]] == "read"


# Docker's default capabilities and Gradescope's: root, but no CAP_SYS_ADMIN (no namespaces).
CAPSH = shutil.which("capsh") or shutil.which("capsh", path="/usr/sbin:/sbin")
WITHOUT_SYS_ADMIN = (CAPSH, "--drop=cap_sys_admin", "--")
capsh = pytest.mark.skipif(os.geteuid() != 0 or not CAPSH,
                           reason="needs root and capsh to drop CAP_SYS_ADMIN")


@pytest.mark.slow
@capsh
def test_without_cap_sys_admin_the_bundle_grades_at_container_level(autograder):
    solution = autograder / "submission" / "derivatives.py"
    shutil.copyfile(SOLUTION, solution)
    os.chmod(solution, 0o644)
    done, results = _run(autograder, prefix=WITHOUT_SYS_ADMIN)
    assert results["score"] == 100 and len(results["tests"]) == 42, (results["output"], done.stderr[-3000:])
    assert "isolation: container (" in results["output"] and "WARNING" not in results["output"]
    assert results["extra_data"]["isolation_level"] == "container" and results["extra_data"]["isolated"] is True
    # What the grader made root-only: the checks (the source around the kit) and the submission.
    for path in (autograder / "source" / "exercises", autograder / "source" / "requirements-runtime.txt",
                 autograder / "submission"):
        assert not stat.S_IMODE(os.stat(path).st_mode) & 0o077, path
    assert stat.S_IMODE(os.stat(autograder / "source" / "kit").st_mode) & 0o005 == 0o005


@pytest.mark.slow
@capsh
def test_without_cap_sys_admin_a_submission_cannot_read_the_source_or_its_original(autograder):
    source = autograder / "source"
    original = autograder / "submission" / "mine.py"
    paths = [str(source / "exercises" / "04-derivatives" / "checks.py"), str(source / "requirements-runtime.txt"),
             str(original), str(source / "kit" / "__init__.py"), str(autograder / "control.txt")]
    original.write_text(SOLUTION.read_text() + SPY.format(paths=paths))
    os.chmod(original, 0o644)
    done, results = _run(autograder, prefix=WITHOUT_SYS_ADMIN)
    tanh = [t for t in results["tests"] if t["name"].startswith("tanh:")]
    assert results["score"] == 100 - sum(t["max_score"] for t in tanh) and tanh, (results["output"], done.stderr)
    message = next(t["output"] for t in tanh if "SAW" in t["output"])
    seen = {path: re.search(re.escape(repr(path)) + r", '(\w+)'", message).group(1) for path in paths}
    assert seen[paths[0]] == seen[paths[1]] == seen[paths[2]] == "PermissionError", seen
    assert seen[paths[3]] == seen[paths[4]] == "read", seen  # the kit, and what nothing hides
    assert results["extra_data"]["isolation_level"] == "container"


def test_a_refusal_tells_the_student_the_autograder_is_misconfigured(autograder):
    # Not root (simulated): the bundle requires isolation, refuses before TensorFlow loads, and
    # says so to the student without blaming their file; the reason goes to the instructor.
    (autograder / "submission" / "mine.py").write_text(SOLUTION.read_text())
    done, results = _run(autograder, env={"KIT_SANDBOX_LEVEL": "none"})
    from kit.grading.runners.autograder import REFUSED

    assert results["score"] == 0 and results["output"] == REFUSED, results["output"]
    assert "refusing to grade" in done.stderr and "not root" in done.stderr, done.stderr


def test_run_without_a_results_folder_or_grader_still_writes_results(tmp_path, monkeypatch):
    from kit.grading.runners import autograder

    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "mine.py").write_text("x = 1\n")

    def broken(*arguments, **options):
        raise RuntimeError("zygote could not start")

    monkeypatch.setattr("kit.grading.runners.service.grade", broken)
    with redirect_stderr(io.StringIO()):
        assert autograder.run("04", tmp_path) == 1
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert_gradescope_schema(results)
    assert results["score"] == 0 and "could not grade mine.py" in results["output"] and "zygote" in results["output"]
