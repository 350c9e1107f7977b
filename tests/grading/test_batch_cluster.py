"""kit grade-batch on a Dask cluster: a real ``distributed.LocalCluster`` (a scheduler and two
worker processes on loopback) gives the same gradebook as the local pool; an unreachable
scheduler, an address that is none and a missing dask are refused in one line.

The cluster test is slow (each worker process starts its own zygote: TensorFlow's import, twice
at once on 2 cores); the refusals take a few seconds and load no TensorFlow."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.grading.conftest import TEST_LIMITS

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "04-derivatives"
SOLUTION = (EXERCISE / "solution.py").read_text()
STARTER = (EXERCISE / "starter.py").read_text()
WRONG_RELU = SOLUTION + "\n\ndef relu(x):\n    return x\n"
# What differs between two gradings of the same file: when and how fast.
TIMINGS = ("seconds", "calls", "child_seconds")


def _folder(tmp_path) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, text in {"alice.py": SOLUTION, "bob.py": STARTER, "carol.py": WRONG_RELU,
                       "dave.py": SOLUTION + "\ndef broken(:\n"}.items():
        (folder / name).write_text(text)
    return folder


def _book(db) -> dict:
    """Everything a gradebook says about the grades, less the timings and dates."""
    with sqlite3.connect(db) as connection:
        grades = {}
        for row in connection.execute("SELECT exercise, student, content_hash, checks_version, submission, score, "
                                      "max_score, problem, isolated, report FROM grades"):
            report = json.loads(row[-1])
            for key in TIMINGS:
                report.pop(key)
            for check in report["checks"]:
                check.pop("seconds")
            grades[row[1]] = (*row[:-1], report)
        checks = sorted(connection.execute("SELECT * FROM check_results"))
        log = sorted(connection.execute("SELECT exercise, student, content_hash, checks_version, score FROM gradings"))
    return {"grades": grades, "checks": checks, "log": log}


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_local_pools_gradebook(tmp_path, zygote):
    from distributed import Client, LocalCluster

    from kit.grading.runners.batch import grade_folder

    folder = _folder(tmp_path)
    local_db, cluster_db = tmp_path / "local.sqlite", tmp_path / "cluster.sqlite"
    local = grade_folder("04", folder, local_db, zygotes=[zygote], limits=TEST_LIMITS, progress=False)
    assert (local.graded, local.failed) == (4, [])

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        # By address, with no default Client in this process (as the command runs it).
        summary = grade_folder("04", folder, cluster_db, limits=TEST_LIMITS, progress=False,
                               scheduler=cluster.scheduler_address)
        assert (summary.graded, summary.skipped, summary.failed) == (4, 0, []), summary.failed
        with Client(cluster, set_as_default=False) as client:
            # The worker processes graded (each with its own zygote), not this one.
            workers = client.run(lambda: __import__("kit.grading.runners.cluster", fromlist=["_every"])._every.__len__())
            assert sum(workers.values()) >= 1
            (folder / "erin.py").write_text(WRONG_RELU)  # a connected Client works too: the new file alone
            again = grade_folder("04", folder, cluster_db, limits=TEST_LIMITS, progress=False, scheduler=client)
            assert (again.graded, again.skipped) == (1, 4)
    local_again = grade_folder("04", folder, local_db, zygotes=[zygote], limits=TEST_LIMITS, progress=False)
    assert (local_again.graded, local_again.skipped) == (1, 4)

    local_book, cluster_book = _book(local_db), _book(cluster_db)
    assert cluster_book == local_book
    assert cluster_book["grades"]["alice"][5] == 100 and cluster_book["grades"]["dave"][7]  # dave does not import
    assert [row[1] for row in cluster_book["log"]] == ["alice", "bob", "carol", "dave", "erin"]  # each once


def _kit(tmp_path, *arguments, prelude="", environment=None):
    """``kit ARGS`` in a fresh interpreter, after ``prelude``; fails the test if it loads TensorFlow."""
    code = (f"import sys\n{prelude}\nfrom kit.cli import main\nstatus = main({list(arguments)!r})\n"
            "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\nsys.exit(status)")
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", **(environment or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("address, prelude, expected", [
    ("tcp://127.0.0.1:1", "", "Cannot reach the Dask scheduler at 'tcp://127.0.0.1:1' (Timed out"),
    ("nonsense::", "", "Cannot reach the Dask scheduler at 'nonsense::' (invalid address"),
    ("tcp://127.0.0.1:1", "sys.modules['distributed'] = None", "--scheduler needs Dask's distributed package"),
])
def test_a_scheduler_that_cannot_grade_is_refused_in_one_line(tmp_path, address, prelude, expected):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.py").write_text(SOLUTION)
    result = _kit(tmp_path, "grade-batch", "04", str(folder), "--db", str(tmp_path / "g.sqlite"),
                  "--scheduler", address, prelude=prelude,
                  environment={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and result.stderr.startswith("kit grade-batch: error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
