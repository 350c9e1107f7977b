"""What the browser tests share: Debian's Chromium (one per test session), TensorBoard served by
``kit board`` for a folder of runs, and where screenshots go (``test-artifacts/``, git-ignored).

Needs ``/usr/bin/chromium`` (Debian package ``chromium``) and the ``playwright`` Python package;
without them the tests are skipped, except in CI (``CI=true``), where they fail instead.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KIT_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync"]
# TensorBoard's UI loads and draws lazily; 90 s covers a cold start on a busy 2-core CI machine.
WAIT_MS = int(os.environ.get("KIT_BROWSER_WAIT_MS", 90_000))


def browser_or_skip():
    """Skip (fail in CI) unless Chromium and Playwright are there."""
    problems = []
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install playwright)")
    if problems:
        reason = "browser test needs " + "; ".join(problems)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} — CI must run it (.ci/run installs chromium).")
        pytest.skip(reason)


@contextlib.contextmanager
def served(root, plugin_tags: str, ready):
    """``kit board root`` on a free port, yielding its URL once ``ready(tags)`` holds for the JSON
    of ``/data/plugin/<plugin_tags>`` (TensorBoard reads event files lazily); killed afterwards."""
    from kit.tensorboard import server

    port = server.free_port()
    process = subprocess.Popen([sys.executable, "-m", "kit.cli", "board", str(root), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # TensorFlow's import and TensorBoard's first load
        while True:
            try:
                with urllib.request.urlopen(f"{url}/data/plugin/{plugin_tags}", timeout=5) as response:
                    if ready(json.loads(response.read())):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"kit board did not serve the runs of {root} within 60 s")
            time.sleep(0.5)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for every browser test."""
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
