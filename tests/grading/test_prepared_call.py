"""A prepared call (``Zygote.prepare``, what the check server does between two checks): the next
call's runner, isolated as any call's, compiles the ``train_many`` program the last call ran before
the call comes; the call answers as a fresh one would, finds the program compiled, and nothing a
submission reports about its programs is trusted."""

from __future__ import annotations

import json

import pytest

from kit.grading.sandbox import child
from kit.grading.sandbox.limits import Limits

LIMITS = Limits(timeout=60, memory_mb=2048)

TRAINS = '''
import json
import os
from kit import builders, datasets
from kit.training import many

def run(epochs):
    data = datasets.playground("xor", noise=0, seed=0, n_samples=40)
    compiled_before = many.trace_count()
    models = [builders.build_mlp(2, [4], a, seed=1) for a in ("tanh", "relu")]
    histories = many.train_many(models, data, epochs=epochs, optimizer="adam", learning_rate=0.01, seeds=[1, 1])
    return json.dumps({"compiled_before": compiled_before, "accuracy": [h.history["accuracy"][-1] for h in histories],
                       "uid": os.getuid(), "cwd_is_scratch": os.path.basename(os.getcwd()).startswith("kit-sandbox-")})

def seven():
    return 7
'''

FORGED = TRAINS + '''
def forge():
    many.traced_programs = lambda: [{"layers": 10 ** 9}, {"groups": "os.system"}, {"arguments": [1, 2]}, {"layers": 2, "groups": [
        [["__import__"], 0, 2]], "head": "playground", "output": "tanh", "optimizer": "adam", "batch_size": 10,
        "n_train": 20, "n_test": 20, "shuffle": True, "arguments": {"list": [[[4000000, 4000000], "float32"]]}}]
    return 0
'''


def _run(zygote, source, epochs, limits=LIMITS):
    """(the call's outcome, what ``run`` returned)."""
    outcome = zygote.call(source, "call", {"function": "run", "args": [epochs]}, limits)
    assert outcome.ok, (outcome.state, outcome.error, outcome.details)
    assert "plain" in outcome.value, outcome.value
    return outcome, json.loads(outcome.value["plain"])


@pytest.fixture
def clean(zygote):
    zygote.discard_prepared()
    yield zygote
    zygote.discard_prepared()


def test_a_prepared_call_answers_as_a_fresh_one_with_its_program_compiled(clean):
    fresh, first = _run(clean, TRAINS, 5)
    assert first["compiled_before"] == 0
    assert len(fresh.programs) == 1 and fresh.programs[0]["groups"][0][0] == ["tanh"]
    assert clean.prepare(), "a call that ran train_many leaves something to prepare"
    assert not clean.prepare(), "one prepared call at a time"
    # A call unlike the prepared one (another function) runs beside it, in a runner of its own.
    other = clean.call(TRAINS, "call", {"function": "seven"}, LIMITS)
    assert other.ok and other.value["plain"] == 7
    _, second = _run(clean, TRAINS, 5)
    assert second["compiled_before"] == 1, "the prepared runner compiled the program first"
    assert second["accuracy"] == first["accuracy"]
    for field in ("uid", "cwd_is_scratch"):  # sandboxed as any call: the same user, a scratch folder
        assert second[field] == first[field]
    assert second["cwd_is_scratch"]
    # Another recipe of the same program (the epochs are data, not the program): prepared again.
    assert clean.prepare()
    assert _run(clean, TRAINS, 7)[1]["compiled_before"] == 1
    # What the check server does when the student checks another exercise: nothing left to prepare.
    clean.discard_prepared(forget=True)
    assert not clean.prepare()


def test_a_call_with_other_limits_does_not_take_the_prepared_runner(clean):
    _run(clean, TRAINS, 3)
    assert clean.prepare()
    assert _run(clean, TRAINS, 3, Limits(timeout=59, memory_mb=2048))[1]["compiled_before"] == 0


def test_forged_program_descriptions_warm_nothing_and_cost_the_next_call_nothing(clean):
    forged = clean.call(FORGED, "call", {"function": "forge"}, LIMITS)
    assert forged.ok and len(forged.programs) == child.MAX_PROGRAMS == 4, forged.programs  # passed on as data
    assert clean.prepare()
    assert _run(clean, FORGED, 3)[1]["compiled_before"] == 0, "nothing of the forged descriptions was compiled"
