"""kit.clear_caches(): every module-level cache of the kit is registered with kit.caches, and one
call empties them all (tests and benchmarks call it instead of reaching into private names)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

import kit
from kit import caches, paths

CONTAINERS = {"dict", "set", "list", "OrderedDict", "WeakKeyDictionary", "WeakValueDictionary"}
NOT_CACHES = {  # module-level containers that are state, not caches: emptying them would break the kit
    "kit.caches._REGISTERED": "the registry of caches itself",
    "kit.zoo._REGISTRY": "the registered zoo entries",
    "kit.grading.sandbox.drivers.DRIVERS": "the registered drivers",
    "kit.grading.gradebook._held": "the gradebook locks this process holds",
    "kit.grading.runners.cluster._every": "the zygotes a Dask worker must stop at teardown",
    "kit.benchmarks.otter_checks._SHARED": "runs in Otter-Grader's environment, without the kit",
}


def _module_level_caches():
    """``(dotted name, registered here)`` for every module-level lru_cache function and every
    module-level container made empty to be filled (``{}``, ``dict()``, ``collections.OrderedDict()`` …)."""
    found = []
    for path in sorted(paths.PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(paths.repository_root()).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.parse(path.read_text(), str(path)).body:
            if isinstance(node, ast.FunctionDef):
                names = [ast.unparse(d) for d in node.decorator_list]
                if any("lru_cache" in n or n.endswith("cache") for n in names):
                    found.append((f"{module}.{node.name}", "caches.register" in names))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                value = node.value
                made_by = ast.unparse(value.func) if isinstance(value, ast.Call) else None
                if made_by == "caches.Recent" and isinstance(target, ast.Name):  # a cache that registers itself
                    found.append((f"{module}.{target.id}", True))
                    continue
                registered = made_by == "caches.register"
                if registered:
                    value = value.args[0]
                empty = (isinstance(value, (ast.Dict, ast.Set, ast.List)) and not ast.unparse(value).strip("{}[]")) \
                    or (isinstance(value, ast.Call) and not value.args and not value.keywords
                        and ast.unparse(value.func).split(".")[-1] in CONTAINERS)
                if isinstance(target, ast.Name) and empty and target.id != "__all__":
                    found.append((f"{module}.{target.id}", registered))
    return found


def test_the_walk_sees_registered_and_fingerprinted_caches():
    found = dict(_module_level_caches())
    assert found["kit.tensorboard.callback._CURVES"] and found["kit.style.palette"]
    assert found["kit.grading.authoring.trials._cache"] is True
    assert found["kit.training.compiled._cache"] is False  # named in IN_FINGERPRINTED_MODULES instead


def test_every_module_level_cache_is_registered():
    fingerprinted = {f"{module}.{name}" for module, names in caches.IN_FINGERPRINTED_MODULES.items() for name in names}
    missing = [name for name, registered in _module_level_caches()
               if not registered and name not in fingerprinted and name not in NOT_CACHES]
    assert not missing, f"register these with kit.caches.register where they are made (or say why not): {missing}"
    assert all(name in dict(_module_level_caches()) for name in fingerprinted | set(NOT_CACHES))


def test_clear_caches_empties_the_named_modules_or_every_one():
    from kit import style
    from kit.grading.authoring import exercises

    style.palette()
    exercises.runtime("04")
    sizes = caches.sizes()
    assert sizes["kit.style.palette"] == 1 and sizes["kit.grading.authoring.exercises._DECLARED"] >= 1, sizes
    kit.clear_caches("kit.style")
    sizes = caches.sizes()
    assert sizes["kit.style.palette"] == 0 and sizes["kit.grading.authoring.exercises._DECLARED"] >= 1, sizes
    kit.clear_caches()
    assert not any(caches.sizes().values()), caches.sizes()


def test_register_refuses_what_it_cannot_clear():
    with pytest.raises(TypeError, match="lru_cache function, a dict"):
        caches.register(42, "kit.example")
    with pytest.raises(ValueError, match="must start with its module"):
        caches.register({}, "example")


def test_importing_kit_registers_nothing_and_loads_no_numpy():
    code = "import sys, kit, kit.caches; print(kit.caches.sizes(), 'numpy' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               cwd=paths.repository_root())
    assert completed.stdout.strip() == "{} False", completed.stdout


def test_a_recent_cache_serves_a_forked_child_though_a_thread_held_it_at_the_fork():
    # The Diagnostics writer thread may be inside a Recent cache when the process forks: the child,
    # which has no such thread, gets a free lock of its own instead of one that is never released.
    import os
    import threading

    from kit import caches

    cache = caches.Recent(4, "kit.tests.forked")
    holding, release = threading.Event(), threading.Event()

    def hold():
        with cache._lock:
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(30)
    try:
        pid = os.fork()
        if pid == 0:  # the child: a working cache within the time limit, or exit code 1
            code = 1
            try:
                threading.Timer(10, lambda: os._exit(1)).start()
                code = 0 if cache.get_many([2], lambda keys: [k * k for k in keys]) == [4] else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        thread.join()
        caches._REGISTERED.pop("kit.tests.forked")  # this test's cache leaves the registry with it
