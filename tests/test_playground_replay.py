"""``kit.playground`` against the TensorFlow Playground's own code, and ``kit playground``.

The Playground's ``state.ts``, ``dataset.ts``, ``nn.ts`` and ``playground.ts`` (``tests/fixtures/playground``,
copied unmodified at ``kit.playground.PLAYGROUND_COMMIT``) run under node with the TypeScript, d3 and
seedrandom versions the Playground pins (``make playground-node`` installs them into ``.cache/``; this test
runs it). For every link of ``LINKS`` the points, the initial weights and biases, the links L1 killed and
the train and test losses after each of 10 epochs must agree with ``kit.playground.from_url``.

TOLERANCE = 1e-9, relative where a value is above 1 (a diverging run's losses reach 1e295): both sides
compute in IEEE float64, operation for operation in the same order; only the last bit of Math.sin,
Math.cos, Math.tanh and Math.log may differ (V8's own versus the C library's), and over 10 epochs that
stays below 1e-15 (measured: points within 8.9e-16, losses within 1.1e-16, weights identical). A draw
out of order, a point or a weight off, or a different update rule moves the losses by 1e-3 and more
(``test_the_comparison_can_tell_a_wrong_replay``).

Without node, npm or the npm registry the comparison is skipped, saying why; where the environment
variable CI is set (``.ci/run`` sets it and installs node), it fails instead.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kit import playground
from kit.errors import InvalidParameter

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "tests" / "fixtures" / "playground" / "harness.js"
NODE_MODULES = ROOT / ".cache" / "playground-node" / "node_modules"
TOLERANCE = 1e-9
EPOCHS = 10
SITE = "https://playground.tensorflow.org/#"

LINKS = {
    # The page's defaults: circle, tanh, 4-2, batch 10.
    "circle": SITE + "activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03"
                     "&regularizationRate=0&noise=0&networkShape=4,2&seed=0.18158&showTestData=false&discretize=false"
                     "&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false"
                     "&sinX=false&cosY=false&sinY=false&collectStats=false&problem=classification&initZero=false"
                     "&hideText=false",
    # L1 kills links (6 by epoch 10); all seven features; ReLU; three hidden layers.
    "spiral-L1": SITE + "activation=relu&batchSize=10&dataset=spiral&learningRate=0.03&regularization=L1"
                        "&regularizationRate=0.003&noise=25&networkShape=8,8,5&seed=0.74219&x=true&y=true"
                        "&xTimesY=true&xSquared=true&ySquared=true&sinX=true&sinY=true&problem=classification",
    # Batches of 7 over 300 training points: 6 examples' gradients carry into the next epoch.
    "xor-batch-7": SITE + "activation=sigmoid&batchSize=7&dataset=xor&learningRate=0.3&noise=10&networkShape=3"
                          "&seed=0.31416&percTrainData=60&x=true&y=true&xTimesY=true&problem=classification",
    # Regression (linear output), L2, discretize (a display setting: training must not change).
    "reg-gauss-discretize": SITE + "activation=tanh&batchSize=20&regDataset=reg-gauss&learningRate=0.03"
                                   "&regularization=L2&regularizationRate=0.001&noise=5&networkShape=6,3&seed=0.55555"
                                   "&discretize=true&percTrainData=30&problem=regression",
    # No hidden layer; sinX asked for but hidden (sinX_hide=true removes the input); batch 1.
    "gauss-no-hidden": SITE + "activation=linear&batchSize=1&dataset=gauss&learningRate=0.01&noise=50&networkShape="
                              "&seed=0.90001&percTrainData=80&x=true&y=true&sinX=true&sinX_hide=true",
    # Regression with initZero (weights drawn, then set to 0) and a 300-character seed (the key wraps at 256).
    "reg-plane-init-zero": SITE + "activation=tanh&batchSize=3&regDataset=reg-plane&learningRate=0.003&noise=35"
                                  "&networkShape=2&problem=regression&initZero=true&percTrainData=10&seed="
                                  + "kit" * 100,
    # Learning rate 3: the losses grow to 1e295 and overflow to ∞ at epoch 8, in both; a noise above 50.
    "reg-plane-diverges": SITE + "activation=relu&batchSize=10&regDataset=reg-plane&learningRate=3&noise=70"
                                 "&networkShape=8,8&seed=0.3&problem=regression",
}
DIVERGING = {"reg-plane-diverges"}


# ---------------------------------------------------------------------------------------------
# Against the Playground's own code under node


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}; CI must run this comparison (.ci/run installs node and npm).")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """The Playground's own results for LINKS, by name."""
    missing = [tool for tool in ("node", "npm", "make") if shutil.which(tool) is None]
    if missing:
        _unavailable(f"{', '.join(missing)} not found: the Playground's code cannot run "
                     "(apt-get install nodejs npm make)")
    setup = subprocess.run(["make", "-s", "playground-node"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if setup.returncode:
        last = (setup.stderr.strip().splitlines() or ["no message"])[-1]
        _unavailable(f"'make playground-node' could not install TypeScript, d3 and seedrandom from npm: {last}")
    run = subprocess.run(["node", str(HARNESS), str(NODE_MODULES), str(EPOCHS)], input=json.dumps(list(LINKS.values())),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return dict(zip(LINKS, json.loads(run.stdout)))


def _largest_difference(ours, theirs) -> float:
    """The largest |a − b|, relative to |b| where |b| > 1 (a diverging run's losses reach 1e295); the
    harness writes NaN and ±Infinity as strings. The same non-finite value on both sides counts as
    equal, anything else beside one as infinitely far."""
    assert len(ours) == len(theirs)

    def gap(a, b):
        b = float(b)
        if not (math.isfinite(a) and math.isfinite(b)):
            return 0.0 if str(a) == str(b) else math.inf
        return abs(a - b) / max(1.0, abs(b))

    return max((gap(a, b) for a, b in zip(ours, theirs)), default=0.0)


def _differences(replay: playground.Replay, reference: dict) -> dict:
    def points(data):
        return [value for point in data for value in point]

    return {
        "data": _largest_difference(points(replay.train + replay.test), points(reference["train"] + reference["test"])),
        "weights": _largest_difference(replay.initial_weights, reference["weights"]),
        "biases": _largest_difference(replay.initial_biases, reference["biases"]),
        "train loss": _largest_difference(replay.train_loss, [loss[0] for loss in reference["losses"]]),
        "test loss": _largest_difference(replay.test_loss, [loss[1] for loss in reference["losses"]]),
    }


@pytest.mark.parametrize("name", list(LINKS))
def test_the_replay_is_the_playgrounds_own_run(browser, name):
    reference = browser[name]
    replay = playground.from_url(LINKS[name], epochs=EPOCHS)
    assert (len(replay.train), len(replay.test)) == (len(reference["train"]), len(reference["test"]))
    assert list(replay.settings.features) == reference["inputs"]
    assert list(replay.dead_links) == reference["dead"]
    differences = _differences(replay, reference)
    finite = [math.isfinite(loss) for loss in replay.test_loss]
    assert all(finite) if name not in DIVERGING else finite[0] and not finite[-1]
    assert max(differences.values()) <= TOLERANCE, differences


def test_the_links_exercise_what_they_are_for(browser):
    """Each link's case happened in the Playground's own run, not only in the port."""
    assert browser["spiral-L1"]["dead"][-1] > 0
    assert browser["gauss-no-hidden"]["inputs"] == ["x", "y"]
    assert all(weight == 0 for weight in browser["reg-plane-init-zero"]["weights"])
    assert browser["xor-batch-7"]["losses"][1] != browser["xor-batch-7"]["losses"][0]
    train, test = browser["reg-gauss-discretize"]["train"], browser["reg-gauss-discretize"]["test"]
    assert len(train) + len(test) == 1200 and any(0 < abs(p[2]) < 1 for p in train)  # real-valued labels
    # discretize changes the heat map only: the same link without it trains the same
    with_it = playground.from_url(LINKS["reg-gauss-discretize"], epochs=EPOCHS)
    without = playground.from_url(LINKS["reg-gauss-discretize"].replace("discretize=true", "discretize=false"),
                                  epochs=EPOCHS)
    assert with_it.settings.discretize and not without.settings.discretize
    assert with_it.test_loss == without.test_loss


def test_the_comparison_can_tell_a_wrong_replay(browser):
    """The same settings with another seed, or with the first two weights swapped, are far outside TOLERANCE."""
    reference = browser["circle"]
    other_seed = playground.from_url(LINKS["circle"].replace("seed=0.18158", "seed=0.18159"), epochs=EPOCHS)
    assert _differences(other_seed, reference)["test loss"] > 1e-3
    replay = playground.from_url(LINKS["circle"], epochs=EPOCHS)
    swapped = [reference["weights"][1], reference["weights"][0], *reference["weights"][2:]]
    assert _largest_difference(replay.initial_weights, swapped) > 1e-3


# ---------------------------------------------------------------------------------------------
# Without node


def test_the_random_stream_is_seedrandoms():
    """The value seedrandom's README gives for Math.seedrandom('hello.'), then the stream goes on."""
    stream = playground.SeedRandom("hello.")
    assert stream.random() == 0.9282578795792454
    values = [stream.random() for _ in range(1000)]
    assert all(0 <= v < 1 for v in values) and len(set(values)) == 1000
    assert playground.SeedRandom("hello.").random() == 0.9282578795792454  # seeded again: the same stream


def test_a_link_without_parameters_gets_the_playgrounds_defaults():
    settings = playground.parse_url(SITE + "seed=0.1")
    assert settings == playground.Settings(
        problem="classification", dataset="circle", noise=0.0, perc_train_data=50.0, batch_size=10,
        learning_rate=0.03, activation="tanh", regularization="none", regularization_rate=0.0,
        network_shape=(4, 2), features=("x", "y"), seed="0.1", discretize=False, init_zero=False)
    assert playground.parse_url("seed=0.1") == settings  # the part after # alone
    regression = playground.parse_url(SITE + "seed=0.1&problem=regression&dataset=spiral")
    assert (regression.dataset, regression.n_samples, regression.output_activation) == ("reg-plane", 1200, "linear")


def test_the_replay_is_deterministic():
    first = playground.from_url(LINKS["xor-batch-7"], epochs=3)
    assert first == playground.from_url(LINKS["xor-batch-7"], epochs=3)
    assert first.epochs == 3 and len(first.train) == 300


@pytest.mark.parametrize("link, words", [
    ("https://playground.tensorflow.org/#activation=tanh", "has no seed=…"),
    ("seed=1&activation=relux", "activation=relux cannot be replayed: expected one of relu, tanh, sigmoid, linear. "
                                "Did you mean 'relu'?"),
    ("seed=1&dataset=spirals", "dataset=spirals cannot be replayed: expected one of circle, xor, gauss, spiral."),
    ("seed=1&regularization=l1", "regularization=l1 cannot be replayed: expected one of none, L1, L2."),
    ("seed=1&learningrate=0.1", "unknown parameter 'learningrate'. Did you mean 'learningRate'?"),
    ("seed=1&batchSize=0", "batchSize=0 cannot be replayed: expected an int ≥ 1. The slider offers 1 to 30."),
    ("seed=1&batchSize=7.5", "batchSize=7.5 cannot be replayed: expected an int ≥ 1."),
    ("seed=1&learningRate=abc", "learningRate=abc cannot be replayed: expected a finite number ≥ 0."),
    ("seed=1&learningRate=Infinity", "learningRate=Infinity cannot be replayed"),
    ("seed=1&noise=90", "noise=90 cannot be replayed: expected a number in [0, 80]."),
    ("seed=1&percTrainData=0.1", "percTrainData=0.1 cannot be replayed: expected a percentage that leaves points"),
    ("seed=1&networkShape=4,9", "networkShape=4,9 cannot be replayed: expected hidden layer widths"),
    ("seed=1&networkShape=1,1,1,1,1,1,1", "at most 6 layers"),
    ("seed=1&networkShape=4,,2", "networkShape=4,,2 cannot be replayed"),
    ("seed=1&x=0", "x=0 cannot be replayed: expected true or false."),
    ("seed=1&x_hide=yes", "x_hide=yes cannot be replayed: expected true or false."),
    ("https://playground.tensorflow.org/", "must be a TensorFlow Playground link such as"),
])
def test_a_bad_link_is_refused_naming_the_parameter(link, words):
    with pytest.raises(InvalidParameter) as raised:
        playground.from_url(link)
    assert words in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("arguments, words", [
    ({"url": 3}, "The 'url' parameter of kit.playground.from_url must be a TensorFlow Playground link (a str). "
                 "Got 3 of type int"),
    ({"url": "seed=1", "epochs": 0}, "The 'epochs' parameter of kit.playground.from_url must be an int ≥ 1."),
])
def test_the_arguments_are_checked(arguments, words):
    with pytest.raises(InvalidParameter, match=re.escape(words)):
        playground.from_url(**arguments)


# ---------------------------------------------------------------------------------------------
# kit playground


def _kit(*args):
    code = ("import sys\nfrom kit.cli import main\nstatus = main(sys.argv[1:])\n"
            "assert 'tensorflow' not in sys.modules and 'numpy' not in sys.modules, 'a heavy import'\nsys.exit(status)")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_command_prints_the_data_the_network_and_the_losses():
    result = _kit("playground", LINKS["xor-batch-7"], "--epochs", "3")
    assert result.returncode == 0, result.stderr
    replay = playground.from_url(LINKS["xor-batch-7"], epochs=3)
    assert result.stdout.strip() == replay.describe()
    assert "300 train / 200 test points" in result.stdout and "batch size 7" in result.stdout
    assert result.stdout.splitlines()[-2].split() == ["3", f"{replay.train_loss[3]:.6f}", f"{replay.test_loss[3]:.6f}"]


def test_the_command_prints_json():
    result = _kit("playground", LINKS["spiral-L1"], "--epochs", "2", "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    replay = playground.from_url(LINKS["spiral-L1"], epochs=2)
    assert [e["test_loss"] for e in printed["epochs"]] == list(replay.test_loss)
    assert printed["settings"]["network_shape"] == [8, 8, 5] and printed["network"]["shape"] == [7, 8, 8, 5, 1]
    assert printed["playground_commit"] == playground.PLAYGROUND_COMMIT


@pytest.mark.parametrize("args, words", [
    (["playground", "seed=1&activation=relux"], "kit playground: error: The Playground link's activation=relux"),
    (["playground", "https://playground.tensorflow.org/#activation=tanh"], "kit playground: error: The Playground "
                                                                            "link has no seed=…"),
    (["playground", "seed=1", "--epochs", "0"], "kit playground: error: argument --epochs: must be an int ≥ 1."),
])
def test_the_command_refuses_in_one_line_without_tensorflow(args, words):
    result = _kit(*args)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(words), result.stderr
