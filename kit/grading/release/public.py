"""An exercise's public ``checks.py``: its visible checks and what they need, nothing else.

The student release (``kit release``) ships each exercise's checks so that ``kit check`` works
from it, but never the hidden checks, their data, seeds or thresholds. :func:`public_checks`
derives that module from the exercise's one ``checks.py`` by rewriting its syntax tree:

1. Hidden inputs go: ``session.sends_hidden`` is False (an ``if session.sends_hidden:`` block
   keeps only its ``else``), the ``hidden=`` argument of ``session.evaluate(…)`` is dropped, and
   ``hidden_data(value)`` (:func:`kit.grading.authoring.checks.hidden_data`) becomes ``None``.
2. ``CHECKS`` keeps its visible entries only.
3. Of the module-level statements, only those that define what the visible checks use
   (transitively) stay; imports keep only the names still used. The module docstring and every
   comment go, and so do the functions' docstrings (they describe the hidden checks and their
   thresholds).

It refuses (:class:`PublicChecksError`, naming the line) what it cannot split safely: one
statement that defines a name the visible checks need and one only hidden checks need
(``VISIBLE, HIDDEN = _inputs()``: write two statements), a module-level statement that defines
nothing, a ``CHECKS`` that is not a list of names, one name holding visible and hidden checks.
The result is loaded and its visible checks compared (names, points, order) with the full
module's before it is returned.

The hidden checks' public part (points, visibility, the one-line description ``kit check``
prints) comes back as a manifest, which the release writes next to the module
(:data:`kit.grading.authoring.exercises.MANIFEST`).

Example:
    >>> source = '''
    ... from kit.grading.authoring.checks import check, check_each
    ... SECRET_SEED = 1234  # only the hidden check uses it
    ... BAR = 0.9
    ... @check("public", points=2)
    ... def public(session):
    ...     return None if BAR else None
    ... @check("unseen", points=3, visibility="hidden", description="works on unseen data.")
    ... def unseen(session):
    ...     return SECRET_SEED
    ... CHECKS = [public, unseen]
    ... '''
    >>> text, hidden = public_checks_text(source, "demo")
    >>> "SECRET_SEED" in text or "unseen" in text, hidden
    (False, [{'points': 3.0, 'visibility': 'hidden', 'description': 'works on unseen data.'}])
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import sys
import tempfile
import types
from pathlib import Path

from kit.errors import KitError

__all__ = ["HIDDEN_MARKER", "EXPECTED_MARKER", "SENDS_HIDDEN", "PublicChecksError", "public_checks",
           "public_checks_text", "public_expected", "expected_data"]

HIDDEN_MARKER = "hidden_data"
EXPECTED_MARKER = "expected_values"
SENDS_HIDDEN = "sends_hidden"


class PublicChecksError(KitError, ValueError):
    """A checks module the release cannot split into a public part safely; the message says where."""


def public_checks(exercise) -> tuple[str, list[dict]]:
    """The public ``checks.py`` text of an exercise and its hidden checks' manifest."""
    from kit.grading.authoring.exercises import find

    found = find(exercise)
    return public_checks_text(found.checks_path.read_text(encoding="utf-8"), str(found.checks_path),
                              title=f"exercise {found.id} ({found.slug})")


def public_checks_text(source: str, where: str, title: str = "this exercise") -> tuple[str, list[dict]]:
    """:func:`public_checks` for a module's source text; ``where`` names it in messages."""
    if not isinstance(source, str):
        raise TypeError(f"public_checks_text needs the module's source (a str). Got {type(source).__name__} instead.")
    full = _load(source, where)
    checks = getattr(full, "CHECKS", None)
    from kit.grading.authoring.checks import Check

    if not isinstance(checks, list) or not checks or not all(isinstance(c, Check) for c in checks):
        raise PublicChecksError(f"{where} must define CHECKS, a non-empty list of kit.grading.authoring.checks.Check.")
    visible_names, hidden_names = _check_holders(full, checks, where)
    tree = ast.parse(source, where)
    body = tree.body
    future = [s for s in body if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
    statements = [s for s in body if s not in future and not _is_docstring(s, body)]
    hidden_needed = _closure(statements, hidden_names, where)  # on the original code: HIDDEN counts
    public = [_Rewriter(where).visit(_copy(s)) for s in statements]
    public = [ast.fix_missing_locations(s) for s in public if s is not None]
    # The default limits and the forbidden imports ship: `kit check` enforces them from the release too.
    roots = visible_names | {"CHECKS"} | {name for name in ("LIMITS", "FORBIDDEN_IMPORTS") if hasattr(full, name)}
    kept, needed = _keep(public, roots, hidden_names, where)
    for statement in kept:
        defined = _defines(statement)
        leaking = sorted((defined - needed) & hidden_needed - {"CHECKS"})
        if leaking and not isinstance(statement, (ast.Import, ast.ImportFrom)):
            raise PublicChecksError(
                f"{where}:{statement.lineno}: this statement defines {', '.join(sorted(defined & needed))} (the "
                f"visible checks use it) and {', '.join(leaking)} (only hidden checks use it); write them as separate "
                "statements so that the student release can leave the hidden part out.")
    out = [_pruned_import(s, needed) if isinstance(s, (ast.Import, ast.ImportFrom)) else s for s in kept]
    out = [s for s in out if s is not None]
    docstring = ast.Expr(ast.Constant(f"Visible checks of {title}: the student release's copy, generated by "
                                      "`kit release`. The course's grader also runs hidden checks, listed (points "
                                      "and what they test) in hidden_checks.json."))
    module = ast.Module(body=[docstring, *future, *out], type_ignores=[])
    text = ast.unparse(ast.fix_missing_locations(module)) + "\n"
    leftover = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Attribute) and n.attr == SENDS_HIDDEN]
    if leftover:
        raise PublicChecksError(f"{where}: session.sends_hidden is used outside an if-test; test it only as "
                                "'if session.sends_hidden:' so that the release can drop the hidden branch.")
    _verify(text, where, [c for c in checks if c.visibility == "visible"])
    manifest = [{"points": c.points, "visibility": c.visibility, "description": c.description}
                for c in checks if c.visibility != "visible"]
    return text, manifest


def public_expected(exercise) -> dict | None:
    """The values the exercise's visible checks compare with (its ``expected_values(…)``,
    computed from the reference), which the release writes as ``expected.npz``; None when the
    checks module has none."""
    from kit.grading.authoring.exercises import find

    found = find(exercise)
    return expected_data(found.checks_path.read_text(encoding="utf-8"), str(found.checks_path))


def expected_data(source: str, where: str) -> dict | None:
    """:func:`public_expected` for a module's source text."""
    from kit.grading.authoring.checks import ExpectedValues

    full = _load(source, where)
    holders = [(name, value) for name, value in vars(full).items() if isinstance(value, ExpectedValues)]
    if len(holders) > 1:
        raise PublicChecksError(f"{where}: {', '.join(n for n, _ in holders)} are all expected_values(…); keep one "
                                "(the release stores one expected.npz per exercise).")
    if not holders:
        return None
    name, values = holders[0]
    if values.compute is None:
        raise PublicChecksError(f"{where}: {name} = expected_values(…) has no function that computes the values.")
    try:
        return dict(values.values_dict())
    except Exception as error:  # noqa: BLE001 - an exercise author's code: say which and why
        raise PublicChecksError(f"{where}: computing {name} failed: {type(error).__name__}: {error}") from error


# ---------------------------------------------------------------------------------------------
# Loading, and which module names hold which checks


def _load(source: str, where: str, name: str = "kit_public_checks") -> types.ModuleType:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checks.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # noqa: BLE001 - an exercise author's module: say which and why
            raise PublicChecksError(f"{where} does not import: {type(error).__name__}: {error}") from error
    return module


def _check_holders(module, checks, where) -> tuple[set, set]:
    """(names holding visible checks, names holding hidden ones) among the module's globals."""
    from kit.grading.authoring.checks import Check

    listed = {id(c) for c in checks}
    visible, hidden = set(), set()
    for name, value in vars(module).items():
        held = [value] if isinstance(value, Check) else \
            list(value) if isinstance(value, (list, tuple)) and value and all(isinstance(v, Check) for v in value) \
            else []
        if name == "CHECKS" or not held or not all(id(c) in listed for c in held):
            continue
        kinds = {c.visibility == "visible" for c in held}
        if len(kinds) > 1:
            raise PublicChecksError(f"{where}: {name} holds visible and hidden checks; give each kind its own name.")
        (visible if kinds == {True} else hidden).add(name)
    named = {id(c) for n in visible | hidden for c in _as_list(getattr(module, n))}
    stray = [c.name for c in checks if id(c) not in named]
    if stray:
        raise PublicChecksError(f"{where}: checks {stray} are not held by a module-level name (define them with @check "
                                "or @check_each at module level).")
    return visible, hidden


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _verify(text: str, where: str, expected) -> None:
    """The generated module imports and its CHECKS are the visible checks: names, points, order."""
    module = _load(text, f"the public version of {where}", "kit_public_checks_generated")
    got = [(c.name, c.points, c.visibility) for c in getattr(module, "CHECKS", [])]
    want = [(c.name, c.points, c.visibility) for c in expected]
    if got != want:
        raise PublicChecksError(f"the public version of {where} has the checks {got}, expected {want}; please "
                                "report this.")


# ---------------------------------------------------------------------------------------------
# The rewrites


def _copy(node):
    return copy.deepcopy(node)


def _is_sends_hidden(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == SENDS_HIDDEN


class _Rewriter(ast.NodeTransformer):
    """Hidden inputs out: ``sends_hidden`` branches, ``evaluate(hidden=…)``, ``hidden_data(…)``;
    ``CHECKS`` filtered later by :func:`_keep` (it needs to know the hidden names)."""

    def __init__(self, where: str):
        self.where = where

    def _undocumented(self, node):
        self.generic_visit(node)
        if node.body and _is_docstring(node.body[0], node.body):  # docstrings may describe hidden checks
            node.body = node.body[1:] or [ast.Pass()]
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _undocumented

    def visit_If(self, node):
        self.generic_visit(node)
        if _is_sends_hidden(node.test):
            return node.orelse or [ast.Pass()]
        test = node.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_sends_hidden(test.operand):
            return node.body
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if _is_sends_hidden(node.test):
            return node.orelse
        return node

    def visit_Call(self, node):
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else \
            function.id if isinstance(function, ast.Name) else ""
        if name == HIDDEN_MARKER:
            return ast.copy_location(ast.Constant(None), node)
        if name == EXPECTED_MARKER:  # the values come from the release's expected.npz, not from the reference
            node.args = [ast.Constant(None), ast.Name("__file__", ast.Load())]
            node.keywords = []
            return node
        self.generic_visit(node)
        if name == "evaluate":
            node.keywords = [k for k in node.keywords if k.arg != "hidden"]
        return node


# ---------------------------------------------------------------------------------------------
# Module-level dependencies


def _defines(statement) -> set[str]:
    """The module-level names a statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, (ast.AnnAssign, ast.AugAssign)) else []
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _mutates(statement) -> str | None:
    """The module-level name a statement that binds nothing changes (``CASES["x"] = …``,
    ``CACHE.update(…)``), or None."""
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, (ast.AnnAssign, ast.AugAssign)) else []
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        targets = [statement.value.func]
    for target in targets:
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if isinstance(target, ast.Name):
            return target.id
    return None


def _uses(statement) -> set[str]:
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _graph(statements, where):
    """name → the statements that define or change it."""
    by_name = {}
    for statement in statements:
        names = _defines(statement)
        if not names:
            changed = _mutates(statement)
            if changed is None:
                raise PublicChecksError(f"{where}:{statement.lineno}: a module-level statement that defines no name; "
                                        "the release cannot tell which checks need it (move it into a function).")
            names = {changed}
        for name in names:
            by_name.setdefault(name, []).append(statement)
    return by_name


def _closure(statements, roots, where) -> set[str]:
    """Every module-level name the roots use, transitively (the roots included)."""
    by_name = _graph(statements, where)
    needed, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        for statement in by_name.get(name, []):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                continue
            todo += [u for u in _uses(statement) if u in by_name]
    return needed


def _keep(statements, roots, hidden_names, where):
    """The statements the visible checks need (``CHECKS`` filtered to its visible entries), in
    order, and the names they need."""
    for statement in statements:
        if "CHECKS" in _defines(statement):
            _filter_checks(statement, hidden_names, where)
    needed = _closure(statements, roots, where)
    kept = []
    for statement in statements:
        names = _defines(statement) or {_mutates(statement)}
        if names & needed:
            kept.append(statement)
    return kept, needed


def _filter_checks(statement, hidden_names, where) -> None:
    value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
    if not isinstance(value, (ast.List, ast.Tuple)):
        raise PublicChecksError(f"{where}:{statement.lineno}: write CHECKS as a list of check names "
                                "([a, *each, b]) so that the release can drop the hidden ones.")
    elements = []
    for element in value.elts:
        inner = element.value if isinstance(element, ast.Starred) else element
        if not isinstance(inner, ast.Name):
            raise PublicChecksError(f"{where}:{statement.lineno}: CHECKS may list names and *names only.")
        if inner.id not in hidden_names:
            elements.append(element)
    value.elts = elements


def _pruned_import(statement, needed):
    aliases = [a for a in statement.names if (a.asname or a.name).split(".")[0] in needed]
    if not aliases:
        return None
    statement.names = aliases
    return statement


def _is_docstring(statement, body) -> bool:
    return statement is body[0] and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: kit release OUTDIR")
