"""Which submissions look copied from one another: pairs ranked by the share of normalised code
they have in common, found by winnowing as MOSS does (Schleimer, Wilkerson and Aiken, 2003).

1. **Normalise** each submission's source (a notebook's code cells) with Python's ``tokenize``:
   comments, docstrings, blank lines and indentation go; every identifier becomes ``N`` and every
   other string ``S``; keywords, numbers and operators stay. Renaming variables, rewording
   comments or re-indenting changes nothing. A file ``tokenize`` cannot read (a syntax error) is
   split into words and symbols by a regular expression instead, with the same replacements.
2. **Fingerprint**: hash every run of :data:`K` consecutive tokens, and keep the smallest hash of
   each :data:`WINDOW` consecutive ones (winnowing): any run of ``K + WINDOW - 1`` = 15 shared
   tokens (about one line such as ``return 1.0 / (1.0 + np.exp(-x))``) is always caught, and a
   run shorter than ``K`` = 10 tokens never is (too common to mean anything).
3. **Starter code is excluded**: every hash that occurs in the exercise's ``starter.py`` is
   dropped, so the lines every student was given (the docstrings, the signatures, the script
   block at the end) never count as shared.
4. **Rank** every pair by its larger share: of one submission's fingerprints, the share found in
   the other (a copy with additions is still a near-100% share of the copied file). Submissions
   with fewer than :data:`MIN_FINGERPRINTS` fingerprints of their own (an untouched starter) are
   left out of the ranking.

For exercises whose students write ``build_model`` and ``recipe`` (03, 06, 07, 11, 12), the report
also names students whose layers (every ``Dense``/``Dropout`` call, in order, with its literal
arguments) and ``recipe()`` dict are identical, when both are written as literals (no loop); the
recipe holds no seed (the grader chooses the seeds), so there is no seed to compare. The design
space is small, so an identical design alone proves little; it is shown beside the code share.

A share is evidence to read, not a verdict: :func:`html_page` puts each pair's shared lines side
by side.

Example:
    >>> copied = "def relu(x):\\n    return np.maximum(0, x) * (x > 0) + 0 * x\\n"
    >>> renamed = "def relu(value):\\n    # mine\\n    return np.maximum(0, value) * (value > 0) + 0 * value\\n"
    >>> [(p.a, p.b, p.score) for p in compare({"ann": copied, "bob": renamed}, minimum=1)]
    [('ann', 'bob', 1.0)]
"""

from __future__ import annotations

import ast
import dataclasses
import html
import io
import json
import keyword
import re
import tokenize
import zlib
from itertools import combinations

from kit.errors import KitError

__all__ = ["K", "WINDOW", "MIN_FINGERPRINTS", "normalise", "fingerprints", "every_hash", "Pair", "compare", "design",
           "Report", "report", "html_page"]

K = 10
"""Tokens per hashed run."""
WINDOW = 6
"""Runs per winnowing window: a shared run of K + WINDOW - 1 tokens is always found."""
MIN_FINGERPRINTS = 3
"""Fingerprints of its own (starter excluded) a submission needs to be ranked."""
_WORD = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER, tokenize.ENCODING}
_LINE_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL, None}


def _word(text: str) -> str:
    if text[0].isalpha() or text[0] == "_":
        return text if keyword.iskeyword(text) else "N"
    return text


def normalise(source: str) -> list[tuple[str, int]]:
    """``(token, line)`` of ``source`` with comments, docstrings and layout removed, identifiers
    as ``N`` and strings as ``S`` (see the module docstring).

    Example:
        >>> [t for t, _ in normalise("total = price * 2  # why\\n")]
        ['N', '=', 'N', '*', '2']
    """
    tokens: list[tuple[str, int]] = []
    previous = None  # the last token's type, comments and blank lines aside
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = token.type
            if kind in (tokenize.COMMENT, tokenize.NL):
                continue
            if kind in _SKIPPED:
                previous = kind
                continue
            if kind == tokenize.STRING:
                if previous in _LINE_START or previous == "docstring":  # a string statement: a docstring
                    previous = "docstring"
                    continue
                tokens.append(("S", token.start[0]))
            elif kind == tokenize.NAME:
                tokens.append((_word(token.string), token.start[0]))
            else:
                tokens.append((token.string, token.start[0]))
            previous = kind
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        tokens = []
        for number, line in enumerate(source.splitlines(), start=1):
            code = line.split("#", 1)[0]
            tokens += [(_word(word), number) for word in _WORD.findall(code)]
    return tokens


def _runs(tokens: list) -> list[tuple[int, int, int]]:
    """``(hash, first line, last line)`` of every run of K tokens (deterministic: CRC-32)."""
    return [(zlib.crc32(" ".join(t for t, _ in tokens[i:i + K]).encode()), tokens[i][1], tokens[i + K - 1][1])
            for i in range(len(tokens) - K + 1)]


def fingerprints(source: str, excluded: set = frozenset()) -> dict:
    """Winnowed fingerprints of ``source``: ``{hash: [(first line, last line), …]}``, the hashes
    in ``excluded`` (the starter's) left out."""
    runs = _runs(normalise(source))
    chosen: set = set()
    for start in range(max(len(runs) - WINDOW + 1, 1 if runs else 0)):
        window = runs[start:start + WINDOW]
        smallest = min(h for h, _, _ in window)
        chosen.add(start + max(i for i, (h, _, _) in enumerate(window) if h == smallest))  # rightmost minimum
    found: dict = {}
    for index in sorted(chosen):
        digest, first, last = runs[index]
        if digest not in excluded:
            found.setdefault(digest, []).append((first, last))
    return found


def every_hash(source: str) -> set:
    """Every run's hash (not only the winnowed ones): what excluding a starter removes."""
    return {digest for digest, _, _ in _runs(normalise(source))}


@dataclasses.dataclass(frozen=True)
class Pair:
    """Two submissions, ``a`` before ``b`` by name: ``shared`` fingerprints, each side's share of
    its own fingerprints found in the other, and ``regions`` ((a's first line, a's last line, b's
    first line, b's last line), …) of shared code, in a's order."""

    a: str
    b: str
    shared: int
    share_a: float
    share_b: float
    regions: tuple

    @property
    def score(self) -> float:
        """The larger share: what ranks the pair."""
        return max(self.share_a, self.share_b)


def _regions(first: dict, second: dict, shared: set) -> tuple:
    matches = sorted((first[h][0], second[h][0]) for h in shared)
    merged: list = []
    for (a1, a2), (b1, b2) in matches:
        if merged and a1 <= merged[-1][1] + 1 and merged[-1][2] - 1 <= b1 <= merged[-1][3] + 1:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], a2), min(last[2], b1), max(last[3], b2))
        else:
            merged.append((a1, a2, b1, b2))
    return tuple(merged)


def compare(sources: dict, starter: str = "", minimum: int = MIN_FINGERPRINTS) -> list[Pair]:
    """Every pair of ``sources`` ({student: source text}) sharing fingerprints, most similar first
    (ties by shared count, then names), the ``starter``'s code excluded; submissions with fewer
    than ``minimum`` fingerprints of their own are left out."""
    excluded = every_hash(starter) if starter else set()
    prints = {student: fingerprints(text, excluded) for student, text in sorted(sources.items())}
    ranked = {student: found for student, found in prints.items() if len(found) >= minimum}
    holders: dict = {}
    for student, found in ranked.items():
        for digest in found:
            holders.setdefault(digest, []).append(student)
    counts: dict = {}
    for students in holders.values():
        for pair in combinations(students, 2):
            counts[pair] = counts.get(pair, 0) + 1
    pairs = []
    for (a, b), shared in counts.items():
        common = set(ranked[a]) & set(ranked[b])
        pairs.append(Pair(a, b, shared, shared / len(ranked[a]), shared / len(ranked[b]),
                          _regions(ranked[a], ranked[b], common)))
    return sorted(pairs, key=lambda p: (-p.score, -p.shared, p.a, p.b))


def design(source: str) -> str | None:
    """A model exercise's design read from the source without running it: the ``Dense`` and
    ``Dropout`` calls of ``build_model`` in order with their literal arguments, and ``recipe()``'s
    literal dict, as one JSON text; None when either is not written as literals (or is absent).

    Example:
        >>> code = ("def build_model(n):\\n    return Dense(6, activation='relu')\\n"
        ...         "def recipe():\\n    return {'optimizer': 'adam', 'epochs': 50}\\n")
        >>> design(code)
        '{"layers": [["Dense", [6], {"activation": "relu"}]], "recipe": {"epochs": 50, "optimizer": "adam"}}'
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    if "build_model" not in functions or "recipe" not in functions:
        return None
    returns = [node.value for node in ast.walk(functions["recipe"]) if isinstance(node, ast.Return)]
    try:
        recipe = ast.literal_eval(returns[0]) if len(returns) == 1 and isinstance(returns[0], ast.Dict) else None
    except (ValueError, SyntaxError):
        recipe = None
    builder = functions["build_model"]
    if not isinstance(recipe, dict) or any(isinstance(node, (ast.For, ast.While, ast.comprehension))
                                           for node in ast.walk(builder)):
        return None
    layers = []
    calls = sorted((node for node in ast.walk(builder) if isinstance(node, ast.Call)),
                   key=lambda node: (node.lineno, node.col_offset))
    for call in calls:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name not in ("Dense", "Dropout"):
            continue
        try:
            layers.append([name, [ast.literal_eval(a) for a in call.args],
                           {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg != "name"}])
        except (ValueError, SyntaxError):
            return None
    return json.dumps({"layers": layers, "recipe": recipe}, sort_keys=True) if layers else None


# ---------------------------------------------------------------------------------------------
# A gradebook's report


@dataclasses.dataclass
class Report:
    """The similarity of one exercise's submissions (each student's latest attempt)."""

    exercise: str
    pairs: list
    identical: list  # [[student, …], …] whose files are byte for byte the same
    same_design: list  # [[student, …], …] with the same layers and recipe (model exercises)
    compared: int
    not_kept: list  # students whose bytes the gradebook does not hold (graded by an earlier kit)
    sources: dict  # {student: source text}


def report(book, exercise: str) -> Report:
    """Compare the latest attempt of every student of ``exercise`` in the gradebook ``book``,
    the exercise's starter excluded (see the module docstring)."""
    from kit.grading.authoring import exercises
    from kit.grading.sandbox.submission import Submission, SubmissionError, source_of

    rows = book.connection.execute(
        "SELECT student, content_hash FROM grades AS g WHERE exercise=? AND late=(SELECT MAX(late) FROM grades AS h "
        "WHERE h.exercise=g.exercise AND h.student=g.student) ORDER BY student", (exercise,)).fetchall()
    sources, by_content, not_kept = {}, {}, []
    for student, content in rows:
        kept = book.source(content)
        if kept is None:
            if not book.connection.execute("SELECT 1 FROM grades WHERE content_hash=? AND problem LIKE 'could not "
                                           "read%'", (content,)).fetchone():
                not_kept.append(student)
            continue
        try:
            sources[student] = source_of(Submission(kept[0], bytes(kept[1]), kept[0]))[0]
        except SubmissionError:  # not UTF-8, a broken notebook: graded 0 already, nothing to compare
            continue
        by_content.setdefault(content, []).append(student)
    try:
        starter_path = exercises.find(exercise).path / "starter.py"
        starter = starter_path.read_text(encoding="utf-8") if starter_path.is_file() else ""
    except KitError:  # an exercise this kit no longer has: compared without a starter
        starter = ""
    designs: dict = {}
    for student, text in sources.items():
        found = design(text)
        if found is not None:
            designs.setdefault(found, []).append(student)
    return Report(exercise, compare(sources, starter), [g for g in by_content.values() if len(g) > 1],
                  [g for g in designs.values() if len(g) > 1], len(sources), not_kept, sources)


def html_page(found: Report, top: int) -> str:
    """The ``top`` pairs of ``found`` as one HTML page: each pair's share, then its shared regions
    side by side (line numbers, the code of each side)."""
    escape = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Similarity: {escape(found.exercise)}</title>"
             "<style>body{font-family:sans-serif}table.code{border-collapse:collapse;width:100%}"
             "table.code td{vertical-align:top;border:1px solid #ccc;width:50%}pre{margin:0;font-size:12px}"
             "</style></head><body>", f"<h1>Similarity of {escape(found.exercise)}</h1>",
             f"<p>{found.compared} submissions compared (each student's latest attempt), the starter's code "
             f"excluded; runs of {K} normalised tokens, winnowed over {WINDOW}.</p>"]
    if found.identical:
        parts.append("<p>Identical files: " + "; ".join(escape(", ".join(g)) for g in found.identical) + "</p>")
    if found.same_design:
        parts.append("<p>Same layers and recipe: " + "; ".join(escape(", ".join(g)) for g in found.same_design)
                     + "</p>")
    for pair in found.pairs[:top]:
        parts.append(f"<h2>{escape(pair.a)} ~ {escape(pair.b)}: {100 * pair.score:.0f}%</h2>"
                     f"<p>{pair.shared} shared fingerprints: {100 * pair.share_a:.0f}% of {escape(pair.a)}'s, "
                     f"{100 * pair.share_b:.0f}% of {escape(pair.b)}'s.</p><table class='code'>"
                     f"<tr><th>{escape(pair.a)}</th><th>{escape(pair.b)}</th></tr>")
        for a1, a2, b1, b2 in pair.regions:
            parts.append(f"<tr><td>{_lines(found.sources[pair.a], a1, a2)}</td>"
                         f"<td>{_lines(found.sources[pair.b], b1, b2)}</td></tr>")
        parts.append("</table>")
    return "".join(parts) + "</body></html>\n"


def _lines(source: str, first: int, last: int) -> str:
    lines = source.splitlines()
    return "<pre>" + "\n".join(f"{n:4d}  {html.escape(lines[n - 1])}" for n in range(first, min(last, len(lines)) + 1)
                               ) + "</pre>"
