"""Helpers for the tests of the two requirement sets: the names a requirements file asks for, and
what pip resolves it to for another Python on Gradescope's platform, from the registry alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GRADESCOPE_PYTHON = "3.10"  # the Python of Gradescope's base image, Ubuntu 22.04
GRADESCOPE_GLIBC_MINOR = 35  # its glibc 2.35: every manylinux_2_N wheel with N <= 35 installs there
OLDEST_MANYLINUX_MINOR = 17  # manylinux2014, the oldest tag a current wheel carries
# What only the tests (and grading on a Dask cluster) use: requirements.txt, never the run-time set.
TEST_TOOLS = frozenset({"pytest", "hypothesis", "playwright", "nbclient", "ipykernel", "dask"})
# pip's settings that name the registry and how to reach it; every other PIP_ variable is dropped.
KEPT_SETTINGS = ("PIP_INDEX_URL", "PIP_CERT", "PIP_CLIENT_CERT", "PIP_TRUSTED_HOST", "PIP_PROXY")
UNREACHABLE = re.compile(r"NewConnectionError|ConnectTimeout|ReadTimeout|ProxyError|SSLError|"
                         r"Temporary failure in name resolution|Name or service not known|Network is unreachable")


def canonical(name: str) -> str:
    """A distribution's name as the registry compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(path: Path) -> set[str]:
    """The distributions ``path`` asks for, following its ``-r`` includes."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            names |= requirement_names(path.parent / line[2:].strip())
        elif line:
            names.add(canonical(re.match(r"[A-Za-z0-9._-]+", line).group()))
    return names


def platforms() -> list[str]:
    """The wheel platforms pip on Gradescope's image accepts, newest first."""
    return [f"manylinux_2_{minor}_x86_64" for minor in range(GRADESCOPE_GLIBC_MINOR, OLDEST_MANYLINUX_MINOR - 1, -1)] \
        + ["manylinux2014_x86_64"]


def resolve(requirements: Path, python: str, scratch: Path) -> dict[str, str]:
    """What ``pip install -r requirements`` installs on CPython ``python`` on Gradescope's platform
    (wheels only), as {distribution: version}: resolved from the registry's metadata without
    downloading the wheels (pip install --dry-run --report; about 6 s for the run-time set, where
    pip download takes as long and writes 690 MB). Skips when the registry cannot be reached,
    unless CI is set; fails with pip's own words when a requirement has no wheel for ``python``."""
    report = scratch / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--target", str(scratch / "target"), "--python-version", python, "--implementation", "cp",
               "--only-binary=:all:", *(f"--platform={p}" for p in platforms()), "--report", str(report),
               "--timeout", "30", "--retries", "1", "-r", str(requirements)]
    # The registry alone: this machine's pip configuration may add local wheel folders and indexes
    # whose wheels do not say which Python they need (one made keras 3.15, which needs 3.11, look
    # installable on 3.10).
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("PIP_") or key in KEPT_SETTINGS}
    environment["PIP_CONFIG_FILE"] = os.devnull
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)
    if done.returncode and UNREACHABLE.search(done.stderr) and not os.environ.get("CI"):
        pytest.skip(f"the package registry cannot be reached: {UNREACHABLE.search(done.stderr).group()}")
    assert done.returncode == 0, f"{requirements.name} does not install on Python {python}:\n{done.stderr[-3000:]}"
    return {canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in json.loads(report.read_text(encoding="utf-8"))["install"]}
