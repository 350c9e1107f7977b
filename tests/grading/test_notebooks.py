"""Jupyter, the students' home: each exercise's starter.ipynb and solution notebook run in a real
kernel (nbclient), and `kit.check` called from inside shows the same table as `kit check` on the
saved file, plus the same as HTML; `kit check NN solution.ipynb`, as a student runs it, passes
every visible check with one PASS line each and says nothing of the hidden ones.

Two kernels serve the 26 notebooks (each kernel imports TensorFlow once, the notebooks' main
cost): before each notebook its kernel forgets the previous one's names (``%reset -f``) and moves
to the notebook's folder, so a notebook that needs a name it does not define still fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kit.grading.authoring.exercises import all_exercises, load_checks
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


def _run(exercise, kind, folder: Path, kernel) -> dict:
    """Run one notebook in ``kernel`` (a started manager and its client), then kit check on its
    saved file; the plain results."""
    source = starter_text(exercise) if kind == "starter" else (exercise.path / "solution.py").read_text()
    book = nbformat.reads(notebook(source), as_version=4)
    # The student's last cell. The saved file holds it too: in the grader's sandbox it does nothing.
    book.cells.append(nbformat.v4.new_code_cell(f"import kit\nreport = kit.check({exercise.id!r})\n"
                                                "print(report)\nreport"))
    folder.mkdir(parents=True)
    path = folder / f"{kind}.ipynb"
    nbformat.write(book, path)
    manager, kernel_client = kernel
    reply = kernel_client.execute_interactive(f"%reset -f\nimport os\nos.chdir({str(folder)!r})", timeout=120,
                                              output_hook=lambda message: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    client = nbclient.NotebookClient(book, timeout=600, km=manager, resources={"metadata": {"path": str(folder)}})
    client.kc = kernel_client
    client.execute()
    outputs = book.cells[-1].outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    shown = [o for o in outputs if o.output_type == "execute_result"]
    completed = subprocess.run([sys.executable, "-m", "kit.cli", "check", exercise.id, path.name], cwd=folder,
                               capture_output=True, text=True, timeout=600, env=dict(os.environ))
    return {"printed": printed, "shown": shown, "completed": completed}


CASES = [(exercise, kind) for exercise in all_exercises() for kind in ("starter", "solution")]


def _kernel():
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=300)
    return manager, client


@pytest.fixture(scope="module")
def executed(server_folder, tmp_path_factory):
    """Every notebook, two kernels at a time (each imports TensorFlow once; a check mostly waits on
    the server, so two keep a 2-core machine busy); an exercise's starter and solution run in the
    same kernel, one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path_factory.mktemp("notebooks")

    def worker(cases):
        kernel = _kernel()
        try:
            return {(e.id, kind): _run(e, kind, root / f"{e.id}-{kind}", kernel) for e, kind in cases}
        finally:
            kernel[1].stop_channels()
            kernel[0].shutdown_kernel(now=True)

    halves = [[c for i, c in enumerate(CASES) if i // 2 % 2 == part] for part in (0, 1)]  # alternate exercises
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = {}
        for part in pool.map(worker, halves):
            results.update(part)
        return results


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
    assert "Traceback" not in completed.stderr, completed.stderr[-2000:]
    if kind == "solution":  # every visible check passes on its own line with its points; hidden ones unnamed
        checks = load_checks(exercise)
        visible = [c for c in checks if c.visibility == "visible"]
        points = sum(c.points for c in visible)
        assert total == f"Total: {points:g}/{points:g}", total
        lines = completed.stdout.splitlines()
        for c in visible:
            assert any(line.startswith("PASS  " + c.name) and line.endswith(f"{c.points:g}/{c.points:g}")
                       for line in lines), c.name
        hidden = [c.name for c in checks if c.visibility != "visible"]
        assert not any(name in completed.stdout for name in hidden) and "[hidden]" not in completed.stdout
