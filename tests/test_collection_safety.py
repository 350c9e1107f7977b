"""The hostile submissions are never imported by pytest itself (only ever inside the sandbox).

With ``--doctest-modules`` pytest imports every module it collects; tests/conftest.py keeps
tests/grading/submissions out. Checked on a copy of that conftest with harmless probe modules that
leave a marker when imported, so that this test cannot harm the repository even when it fails.
"""

import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _probe(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"from pathlib import Path\nPath({str(marker)!r}).touch()\n")


def test_doctest_collection_skips_the_hostile_corpus(tmp_path):
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    shutil.copy(TESTS / "conftest.py", root / "tests" / "conftest.py")
    (root / "pytest.ini").write_text("[pytest]\naddopts = --doctest-modules -p no:cacheprovider\n")
    hostile, control = tmp_path / "hostile-imported", tmp_path / "control-imported"
    _probe(root / "tests" / "grading" / "submissions" / "delete_files.py", hostile)
    _probe(root / "tests" / "grading" / "helpers.py", control)

    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "tests"], cwd=root,
                            capture_output=True, text=True, timeout=120)

    assert control.exists(), f"the control module was not imported: the test proves nothing\n{result.stdout}"
    assert not hostile.exists(), "pytest imported a module of tests/grading/submissions"
