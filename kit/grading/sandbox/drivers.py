"""Drivers: the kit's public grading helpers that run *inside* the sandbox, next to the submission.

A check that needs more than "call f(x)" names a driver here; the sandbox runs
``driver(submission_module, **arguments)`` and sends back its plain-data answer. A driver gets
only the inputs the check chooses to reveal, never expected values or thresholds, and converts
whatever the submission returns to plain NumPy arrays and Python scalars, recording what it was
(type, dtype, shape) so that the parent can judge it. Everything here is public: a student may
read it, and it holds nothing secret.

Example (what the parent asks for; the check then compares the arrays itself):
    request = ("evaluate", {"function": "relu", "cases": {"grid": np.linspace(-5, 5, 11)}})
"""

from __future__ import annotations

import encodings.cp437  # noqa: F401  zipfile (a .keras file) decodes names with it; a sandboxed child cannot import it
import warnings

import numpy as np

__all__ = ["DRIVERS", "driver", "get", "MAX_FRAMES", "submission_frames", "error_info", "describe_value", "names",
           "evaluate", "call", "build_model", "call_cases", "describe_mapping", "call_on_models", "keras_round_trip",
           "LOGDIR", "MAX_EVENT_FILES", "MAX_LOGDIR_BYTES", "collect_event_files", "call_with_logdir"]

DRIVERS = {}


def driver(function):
    """Register a driver under its function name."""
    DRIVERS[function.__name__] = function
    return function


def get(name: str):
    """The registered driver called ``name`` (only these can be run in the sandbox)."""
    if name not in DRIVERS:
        raise ValueError(f"Unknown driver {name!r}. Known drivers: {', '.join(sorted(DRIVERS))}.")
    return DRIVERS[name]


MAX_FRAMES = 3  # the deepest frames of the submission an error shows (where it was raised, and what called it)


def submission_frames(error: BaseException) -> list[dict]:
    """Where in the submission ``error`` was raised: its own traceback frames (not the kit's, not
    Keras's), deepest last, at most :data:`MAX_FRAMES`, each ``{"file", "line", "function", "text"}``
    (the file's name only, the line's text stripped)."""
    import os
    import sys
    import traceback

    module = sys.modules.get("submission")
    path = getattr(module, "__file__", None)
    if not path:
        return []
    try:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == path]
    except Exception:  # a traceback is the submission's object too: never let it fail the answer
        return []
    return [{"file": os.path.basename(path), "line": int(f.lineno or 0), "function": str(f.name)[:100],
             "text": str(f.line or "").strip()[:200]} for f in frames[-MAX_FRAMES:]]


def error_info(error: BaseException, limit: int = 500, **extra) -> dict:
    """An exception the submission raised, as plain data: ``{"type", "message", "where"}`` (see
    :func:`submission_frames`) and ``extra`` (e.g. ``stage``); the parent words it
    (:func:`kit.grading.authoring.checks.raised`)."""
    try:
        message = str(error)[:limit]
    except Exception:  # an exception whose __str__ raises
        message = f"<{type(error).__name__} whose message cannot be shown>"
    return {**extra, "type": type(error).__name__, "message": message, "where": submission_frames(error)}


def describe_value(value) -> dict:
    """What a submission returned, as plain data: the array (when it is one) and its nature.

    ``type`` is the exact type name (``ndarray``, ``float``, ``list`` …); ``value`` is a plain
    ``np.ndarray`` copy when the value converts to a numeric one, else absent, with ``problem``
    saying why. Subclasses and objects with tricky ``__eq__`` end up as plain numbers or nothing.
    """
    kind = type(value)
    info = {"type": f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ not in ("builtins", "numpy")
            else kind.__qualname__}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.array(value, copy=True)
    except BaseException as error:
        info["problem"] = f"cannot be converted to a NumPy array ({type(error).__name__})"
        return info
    if array.dtype.kind not in "biuf" or array.dtype.hasobject:
        info["problem"] = f"is not numeric (converts to dtype {array.dtype})"
        return info
    array = np.asarray(array).view(np.ndarray)
    info.update(value=array, dtype=str(array.dtype), shape=list(array.shape))
    return info


@driver
def names(module) -> dict:
    """The submission's top-level callables and other names (its import check)."""
    callables = sorted(name for name, value in vars(module).items() if callable(value) and not name.startswith("_"))
    return {"callables": callables}


@driver
def evaluate(module, function: str, cases: dict, keywords: dict | None = None,
             case_keywords: dict | None = None) -> dict:
    """Call ``module.function(x, **keywords)`` once per named input; report each answer.

    ``case_keywords`` adds keywords for some cases (e.g. ``{"alpha": {"alpha": 0.2}}``).

    Per case: ``describe_value`` of the return, plus ``warnings`` (the floating-point warnings
    it raised, e.g. overflow in exp) or ``error`` (type and message) when it raised.
    """
    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"the submission defines no function {function!r}")
    answers = {}
    for name, x in cases.items():
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            try:
                extra = dict(keywords or {}, **(case_keywords or {}).get(name, {}))
                returned = target(np.array(x, copy=True), **extra)
            except Exception as error:
                answers[name] = {"error": error_info(error)}
                continue
            info = describe_value(returned)
        info["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught})
        answers[name] = info
    return answers


@driver
def call(module, function: str, args: list | None = None, keywords: dict | None = None) -> dict:
    """Call ``module.function(*args, **keywords)`` once and describe the return (or the error)."""
    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"the submission defines no function {function!r}")
    try:
        returned = target(*(args or []), **(keywords or {}))
    except Exception as error:
        return {"error": error_info(error)}
    if type(returned) is not np.ndarray:
        from kit.grading.sandbox import protocol

        try:  # exact plain types (a list of names, a dict of numbers) travel as they are
            protocol.encode(returned)
            return {"type": type(returned).__name__, "plain": returned}
        except (protocol.ProtocolError, RecursionError):
            pass
    return describe_value(returned)


@driver
def build_model(module, function: str = "build_model", args: list | None = None, keywords: dict | None = None) -> dict:
    """Call the submission's model builder; return the model's allow-listed description and weights.

    Keras's random generators are seeded (0) first: a builder's random initial weights are then the
    same at every grading, so a check that trains the submission's own weights grades it the same
    way twice."""
    import keras

    from kit.grading.sandbox import model_transfer as models

    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"the submission defines no function {function!r}")
    keras.utils.set_random_seed(0)
    return models.describe(target(*(args or []), **(keywords or {})))


@driver
def call_cases(module, function: str, cases: dict) -> dict:
    """Call ``module.function(*arguments)`` once per named case; describe each return.

    ``cases`` maps a name to the list of positional arguments of that call (plain data, e.g. a
    list of weight arrays). Per case, as :func:`call` but for functions that return several
    arrays: a tuple or list return (such as ``(W, b)``) comes back item by item as
    ``{"type": "tuple", "items": [describe_value(item), …]}``; any other return as
    :func:`describe_value`; an exception as ``{"error": {"type", "message"}}``.
    """
    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"the submission defines no function {function!r}")
    answers = {}
    for name, arguments in cases.items():
        try:
            returned = target(*arguments)
        except Exception as error:
            answers[name] = {"error": error_info(error)}
            continue
        if type(returned) in (tuple, list):
            answers[name] = {"type": type(returned).__name__, "items": [describe_value(item) for item in returned]}
        else:
            answers[name] = describe_value(returned)
    return answers


def describe_mapping(value) -> dict:
    """A returned dict as plain data, entry by entry: ``{"type": "dict", "entries": [[key, info], …]}``.

    Keys travel as they are when they are ``str``, else as their ``repr`` with ``"key_problem"``
    set; each value as :func:`describe_value`. Anything that is not a dict as ``describe_value``.
    """
    if not isinstance(value, dict):
        return describe_value(value)
    entries = []
    for key, item in list(value.items())[:1000]:
        info = describe_value(item)
        if type(key) is not str:
            info["key_problem"] = f"the key is a {type(key).__name__}, not a str"
            key = repr(key)[:200]
        entries.append([key[:200], info])
    return {"type": "dict", "entries": entries}


@driver
def call_on_models(module, function: str, cases: dict) -> dict:
    """Call ``module.function(model, *arguments)`` once per named case, on a model the grader sends.

    ``cases`` maps a name to ``{"model": description, "args": [...]}``; the description (the
    allow-listed layers and their weights, see :mod:`kit.grading.sandbox.model_transfer`) is rebuilt here with
    :func:`kit.grading.sandbox.model_transfer.rebuild`, the same code the parent uses, so the submission gets an
    ordinary Keras model (layers ``hidden_1 …``, ``output``) whose weights the grader chose (e.g.
    a network with units planted dead, for a function that counts them). Per case the return is
    described by :func:`describe_mapping`, or the error as ``{"error": {"type", "message"}}``.
    """
    from kit.grading.sandbox import model_transfer as models

    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"the submission defines no function {function!r}")
    answers = {}
    for name, case in cases.items():
        model = models.rebuild(case["model"], case["model"]["weights"])
        try:
            returned = target(model, *case.get("args", []))
        except Exception as error:
            answers[name] = {"error": error_info(error)}
            continue
        answers[name] = describe_mapping(returned)
    return answers


@driver
def keras_round_trip(module, x_probe, build: str = "build_model", fit: str | None = None, x_train=None,
                     y_train=None, activation: str | None = None, seed: int = 0) -> dict:
    """Build (and optionally fit) the submission's Keras model, save it, load it back, predict.

    For models the allow-list cannot carry (a custom activation): everything that needs the
    model as code happens here, and only numbers go back. Steps, each reported:

    1. ``model = module.build()`` with Keras's global seed set to ``seed`` (a deterministic grade);
    2. with ``fit``: ``model = module.fit(model, x_train, y_train)``;
    3. ``layers``: per layer that has an activation, its class, its activation's registered name
       (``keras.saving.get_registered_name``), whether it is the submission's function named
       ``activation`` (``uses``) and whether that function is defined in the submission
       (``defined_here``, False for one imported from Keras or the kit);
    4. ``predictions`` of the model on ``x_probe``;
    5. the model saved as ``model.keras`` in the call's scratch folder and loaded back with
       ``keras.models.load_model`` (no ``custom_objects``: as a fresh process would load it);
       ``reloaded`` holds the loaded model's predictions on ``x_probe`` and ``reloaded_layers`` its
       activations as in 3 (a function saved unregistered may come back as another function of
       the same name), or ``load_error`` / ``save_error`` says what Keras raised.

    A step that raises ends the report there with ``error: {"stage", "type", "message"}``.
    """
    import keras

    def failed(stage, error):
        return {"error": error_info(error, 1500, stage=stage)}

    keras.utils.set_random_seed(seed)
    for stage, name in (("build", build), ("fit", fit)):
        if name is not None and not callable(getattr(module, name, None)):
            return failed(stage, AttributeError(f"the submission defines no function {name!r}"))
    try:
        model = getattr(module, build)()
    except Exception as error:
        return failed("build", error)
    if not isinstance(model, keras.Model):
        return failed("build", TypeError(f"{build}() returned a {type(model).__name__}, expected a keras.Model"))
    if fit is not None:
        try:
            model = getattr(module, fit)(model, np.array(x_train, copy=True), np.array(y_train, copy=True))
        except Exception as error:
            return failed("fit", error)
        if not isinstance(model, keras.Model):
            return failed("fit", TypeError(f"{fit}() returned a {type(model).__name__}, expected a keras.Model"))
    mine = getattr(module, activation, None) if activation else None

    def activations_of(keras_model):
        layers = []
        for layer in keras_model.layers:
            function = getattr(layer, "activation", None)
            if function is None:
                continue
            try:
                registered = keras.saving.get_registered_name(function)
            except Exception:
                registered = getattr(function, "__name__", type(function).__name__)
            layers.append({"kind": type(layer).__name__, "activation": str(registered)[:200],
                           "uses": bool(mine is not None and function is mine),
                           "defined_here": getattr(function, "__module__", None) == module.__name__})
        return layers

    layers = activations_of(model)
    try:
        predictions = describe_value(model(np.array(x_probe, dtype=np.float32), training=False))
    except Exception as error:
        return failed("predict", error)
    report = {"layers": layers, "predictions": predictions}
    try:
        model.save("model.keras")
    except Exception as error:
        report["save_error"] = error_info(error, 1500)
        return report
    try:
        loaded = keras.models.load_model("model.keras")
        report["reloaded"] = describe_value(loaded(np.array(x_probe, dtype=np.float32), training=False))
        report["reloaded_layers"] = activations_of(loaded)
    except Exception as error:
        report["load_error"] = error_info(error, 1500)
    return report


LOGDIR = "logdir"  # the submission's TensorBoard folder, inside the call's scratch folder
MAX_EVENT_FILES = 64  # a run writes one event file per writer; dozens means a loop gone wrong
MAX_LOGDIR_BYTES = 8 << 20  # in all; exercise 08's 20-epoch Diagnostics run writes ~150 KB (a file: 16 MB at most)


def collect_event_files(root: str, max_files: int = MAX_EVENT_FILES, max_bytes: int = MAX_LOGDIR_BYTES) -> dict:
    """The TensorBoard event files under ``root`` as plain data, size-capped.

    Returns ``{"files": [[relative path, uint8 array of its bytes], …], "left_out": [text, …]}``:
    files whose name holds ``tfevents`` (TensorBoard's own rule), in sorted path order, until
    ``max_files`` files or ``max_bytes`` bytes; links, other files and the rest are named in
    ``left_out``. Nothing is interpreted here: the parent parses the bytes with TensorBoard's
    reader (:mod:`kit.grading.sandbox.logdirs`).
    """
    import os

    files, left_out, total = [], [], 0
    if not os.path.isdir(root):
        return {"files": files, "left_out": left_out}
    found = []
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders.sort()
        for name in names:
            path = os.path.join(folder, name)
            found.append((os.path.relpath(path, root), path))
    for relative, path in sorted(found):
        if "tfevents" not in os.path.basename(relative):
            left_out.append(f"{relative[:200]} (not an event file)")
        elif os.path.islink(path) or not os.path.isfile(path):
            left_out.append(f"{relative[:200]} (not a plain file)")
        elif len(files) >= max_files:
            left_out.append(f"{relative[:200]} (more than {max_files} event files)")
        elif total + os.path.getsize(path) > max_bytes:
            left_out.append(f"{relative[:200]} (over {max_bytes >> 20} MB of event files in all)")
        else:
            with open(path, "rb") as stream:
                data = stream.read(max_bytes - total + 1)[: max_bytes - total]
            total += len(data)
            files.append([relative[:200], np.frombuffer(data, dtype=np.uint8).copy()])
    return {"files": files, "left_out": left_out[:100]}


@driver
def call_with_logdir(module, function: str, args: list | None = None, model: dict | None = None) -> dict:
    """Call ``module.function([model,] *args, logdir)`` with a fresh logdir in the call's scratch
    folder; send back the event files written there (as bytes) and, with a model, its weights after.

    ``model`` (optional) is an allow-listed description with weights, rebuilt here with
    :func:`kit.grading.sandbox.model_transfer.rebuild` (as :func:`call_on_models`) and passed first: a function
    that trains it in place (exercise 08's ``log_gradients``) leaves its trained weights in
    ``model_after`` (:func:`kit.grading.sandbox.model_transfer.describe`). Returns ``returned`` (the return as
    :func:`describe_mapping` describes it: a dict entry by entry, such as exercise 13's
    accuracies, anything else as :func:`describe_value`) or ``error``, then ``files`` and
    ``left_out`` (:func:`collect_event_files`) and ``model_after``.
    """
    from kit.grading.sandbox import model_transfer as models

    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"the submission defines no function {function!r}")
    built = models.rebuild(model, model["weights"]) if model is not None else None
    arguments = ([built] if built is not None else []) + list(args or []) + [LOGDIR]
    report = {}
    try:
        report["returned"] = describe_mapping(target(*arguments))
    except Exception as error:
        report["error"] = error_info(error)
    report.update(collect_event_files(LOGDIR))
    if built is not None:
        try:
            report["model_after"] = models.describe(built)
        except Exception as error:
            report["model_error"] = error_info(error)
    return report
