"""The kit's module-level caches, each registered where it is made, emptied at once by
:func:`kit.clear_caches`.

A module keeps a cache (compiled programs, rendered pictures, loaded checks …) at module level
when it serves every call of the process; it registers the cache where it defines it::

    _CURVES: dict = caches.register({}, "kit.tensorboard.callback activation curves")

    @caches.register
    @functools.lru_cache(maxsize=16)
    def _painter(...): ...

Only the modules already imported have registered (and filled) theirs, so clearing imports
nothing. This module imports only ``sys``.

The modules whose source fingerprints the zoo's results (``kit.zoo.CODE_MODULES``: an edit there,
even a comment, marks ``models/RESULTS.*`` stale) are named in :data:`IN_FINGERPRINTED_MODULES`
instead, read from the imported module; each moves to a ``register`` line beside its cache when
those results are next regenerated.

Example:
    >>> from kit import caches
    >>> seen = caches.register({}, "kit.example")
    >>> seen["key"] = 1
    >>> caches.sizes()["kit.example"]
    1
    >>> caches.clear("kit.example")
    >>> seen
    {}
"""

from __future__ import annotations

import sys

__all__ = ["register", "clear", "sizes", "IN_FINGERPRINTED_MODULES"]

_REGISTERED: dict = {}  # name → the cache (a dict, set, list or lru_cache function)

IN_FINGERPRINTED_MODULES = {
    "kit.diagnostics": ("_CHAIN_PROGRAMS", "_PASSES"),  # probe programs shared across models; per-model passes
    "kit.training.compiled": ("_cache", "_xla_refused"),  # compiled epoch runners; models XLA refused
    "kit.zoo": ("code_fingerprint", "_LINE_LOSSES"),  # the hash of the fingerprinted sources; best lines per data set
}
"""Caches of the modules whose source fingerprints the zoo's results: module → attribute names."""


def _all() -> dict:
    found = dict(_REGISTERED)
    for module, attributes in IN_FINGERPRINTED_MODULES.items():
        if module in sys.modules:
            found.update({f"{module}.{name}": getattr(sys.modules[module], name) for name in attributes})
    return found


def _name(cache) -> str:
    return f"{cache.__module__}.{cache.__qualname__}"


def register(cache, name: str | None = None):
    """Register ``cache`` (a ``functools.lru_cache`` function, or a dict, set or list that the
    module fills) under ``name`` (a function's own dotted name when omitted) and return it as it is.
    A second registration under a name (a module imported again) replaces the first."""
    if hasattr(cache, "cache_clear"):
        name = name or _name(cache)
    elif not all(hasattr(cache, attribute) for attribute in ("clear", "__len__")):
        raise TypeError(f"caches.register takes an lru_cache function, a dict, a set or a list. Got {cache!r}.")
    if not isinstance(name, str) or not name.startswith("kit."):
        raise ValueError(f"A cache's name must start with its module's ('kit.…'). Got {name!r}.")
    _REGISTERED[name] = cache
    return cache


def sizes() -> dict[str, int]:
    """How many entries each registered cache holds now, by name."""
    return {name: cache.cache_info().currsize if hasattr(cache, "cache_clear") else len(cache)
            for name, cache in _all().items()}


def clear(*prefixes: str) -> None:
    """Empty every registered cache, or those whose names start with one of ``prefixes``
    (a module's name, ``"kit.grading.authoring.trials"``)."""
    for name, cache in _all().items():
        if not prefixes or name.startswith(prefixes):
            (cache.cache_clear if hasattr(cache, "cache_clear") else cache.clear)()
