"""Jupyter, the students' home: each exercise's starter.ipynb and solution notebook run in a real
kernel (nbclient), and `kit.check` called from inside shows the same table as `kit check` on the
saved file, plus the same as HTML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kit.grading.authoring.exercises import all_exercises
from kit.grading.release.starters import notebook, starter_text

nbclient = pytest.importorskip("nbclient", reason="requirements.txt installs nbclient and ipykernel")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server_folder():
    """One check server for the module, in a private folder, stopped at the end."""
    from kit.grading.runners import server

    folder = Path(tempfile.mkdtemp(prefix="kit-nb-", dir="/tmp")) / "run"
    saved = os.environ.get("KIT_CHECK_SERVER_DIR")
    os.environ["KIT_CHECK_SERVER_DIR"] = str(folder)
    try:
        yield folder
    finally:
        server.stop(folder)
        if saved is None:
            del os.environ["KIT_CHECK_SERVER_DIR"]
        else:
            os.environ["KIT_CHECK_SERVER_DIR"] = saved
        shutil.rmtree(folder.parent, ignore_errors=True)


def _run(exercise, kind, folder: Path) -> dict:
    """Run one notebook in a real kernel, then kit check on its saved file; the plain results."""
    source = starter_text(exercise) if kind == "starter" else (exercise.path / "solution.py").read_text()
    book = nbformat.reads(notebook(source), as_version=4)
    # The student's last cell. The saved file holds it too: in the grader's sandbox it does nothing.
    book.cells.append(nbformat.v4.new_code_cell(f"import kit\nreport = kit.check({exercise.id!r})\n"
                                                "print(report)\nreport"))
    folder.mkdir(parents=True)
    path = folder / f"{kind}.ipynb"
    nbformat.write(book, path)
    client = nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()
    outputs = book.cells[-1].outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    shown = [o for o in outputs if o.output_type == "execute_result"]
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "check", exercise.id, path.name], cwd=folder,
                               capture_output=True, text=True, timeout=600, env=dict(os.environ))
    return {"printed": printed, "shown": shown, "completed": completed}


CASES = [(exercise, kind) for exercise in all_exercises() for kind in ("starter", "solution")]


@pytest.fixture(scope="module")
def executed(server_folder, tmp_path_factory):
    """Every notebook, two at a time (each kernel imports TensorFlow: mostly waiting on one core)."""
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path_factory.mktemp("notebooks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {(e.id, kind): pool.submit(_run, e, kind, root / f"{e.id}-{kind}") for e, kind in CASES}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("exercise, kind", CASES, ids=[f"{e.id}-{kind}" for e, kind in CASES])
def test_kit_check_inside_a_running_notebook(exercise, kind, executed):
    result = executed[(exercise.id, kind)]
    completed, printed = result["completed"], result["printed"]
    (shown,) = result["shown"]
    assert completed.returncode == (0 if kind == "solution" else 1), completed.stdout[-2000:]
    assert printed == completed.stdout  # print(report) is kit check's table, byte for byte
    html = shown.data["text/html"]
    assert html.startswith("<div class='kit-check'>")
    total = next(line for line in completed.stdout.splitlines() if line.startswith("Total: "))
    assert f"<b>{total}</b>" in html
    assert ("TODO" in html) == (kind == "starter")
