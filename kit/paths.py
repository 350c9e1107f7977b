"""Where the kit's own files are: its package, the checkout (or release) that holds it, and the exercises.

Example:
    >>> from kit import paths
    >>> (paths.PACKAGE / "__init__.py").is_file()
    True
    >>> paths.repository_root() == paths.PACKAGE.parent
    True
"""

from __future__ import annotations

from pathlib import Path

from kit import config

__all__ = ["PACKAGE", "repository_root", "exercises_root"]

PACKAGE = Path(__file__).resolve().parent
"""The ``kit`` package's folder."""


def repository_root() -> Path:
    """The checkout (or student release) this kit runs from: the folder that holds the ``kit`` package."""
    return PACKAGE.parent


def exercises_root() -> Path:
    """Where exercises live: ``KIT_EXERCISES`` if set, else the repository's ``exercises/``."""
    return config.read("KIT_EXERCISES") or repository_root() / "exercises"
