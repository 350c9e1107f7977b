"""TensorBoard's dashboards, driven in Debian's Chromium: the kit's runs show up as real charts.

Screenshots of each dashboard go to ``test-artifacts/`` for a person to look at (see conftest.py
for what the browser tests need).
"""

import json
import time

import numpy as np
import pytest

from kit import builders, datasets
from kit.tensorboard import Diagnostics
from tests.browser.conftest import ARTIFACTS, WAIT_MS, browser_or_skip, served


RELU, SIGMOID = "relu-dead-layer", "sigmoid-depth10"  # run names: trial IDs unlike any hparam value


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """Two short runs behind ``kit board``: ReLU with a planted dead layer (``model.fit``, seed
    given as an hparam), depth-10 sigmoid (``kit.training.train``, whose seed is recorded)."""
    from kit.training import train

    browser_or_skip()
    root = tmp_path_factory.mktemp("runs")
    relu = builders.build_mlp(2, [8, 8], "relu", seed=0)
    relu.get_layer("hidden_2").bias.assign(np.full(8, -100.0, dtype=np.float32))
    data = datasets.playground("spiral", seed=0)
    builders.compile_model(relu, "sgd", 0.03)
    relu.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test), epochs=4, batch_size=10,
             verbose=0, callbacks=[Diagnostics(root / RELU, probe=data, every=2, hparams={"seed": 0})])
    data = datasets.playground("circle", seed=0)
    train(builders.build_mlp(2, [8] * 10, "sigmoid", seed=3), data, epochs=4, seed=3, verbose=0,
          callbacks=[Diagnostics(root / SIGMOID, probe=data, every=2)])
    with served(root, "scalars/tags", lambda tags: "grad_norm" in json.dumps(tags)) as url:
        yield url


# screenshot name: (dashboard, tag filter typed first or None, element holding a drawn chart, texts on the page)
DASHBOARDS = {
    "scalars": ("scalars", "grad_norm|dead_fraction", "tf-scalar-card vz-line-chart2 svg",
                ["grad_norm/hidden_1", "dead_fraction/hidden_2"]),
    "histograms": ("histograms", "kernel_gradient/hidden_(1|10)$", "tf-histogram-loader vz-histogram-timeseries svg",
                   ["kernel_gradient/hidden_1", "log10_abs_kernel_gradient/hidden_1"]),
    "custom_scalars": ("custom_scalars", None, "tf-custom-scalar-multi-line-chart-card vz-line-chart2 svg",
                       ["Gradient flow", "log10(first layer / last layer gradient norm)", "Dead units", "Saturation"]),
    "hparams": ("hparams", None, "tf-hparams-table-view", [SIGMOID, RELU, "learning_rate", "test loss"]),
    "images": ("images", "decision_boundary", "tf-image-loader img", ["decision_boundary"]),
    "images-gradient-flow": ("images", "^gradient_flow$", "tf-image-loader img", ["gradient_flow"]),
    "images-activation-curves": ("images", "activation_curves", "tf-image-loader img", ["activation_curves"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DASHBOARDS))
def test_dashboard_draws_the_kit_runs(board, chromium, name):
    dashboard, tag_filter, chart, texts = DASHBOARDS[name]
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{board}/#{dashboard}", wait_until="domcontentloaded", timeout=WAIT_MS)
        if tag_filter:  # the dashboards draw cards lazily; filtering brings the ones we want up
            search = page.locator("tf-tag-filterer input").first
            search.wait_for(state="visible", timeout=WAIT_MS)
            search.fill(tag_filter)
        page.locator(chart).first.wait_for(state="visible", timeout=WAIT_MS)
        for text in texts:
            page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=WAIT_MS)
        time.sleep(1)  # let the charts finish drawing before the picture is taken
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"tensorboard-{name}.png"))
        assert page.locator(chart).count() >= 1
    finally:
        page.close()


@pytest.mark.slow
def test_hparams_table_names_trials_after_runs_with_typed_filled_columns(board, chromium):
    """The HParams table: one trial per run, named after it (not a hash); depth printed as an
    int; the seed filled for both runs (given as an hparam for one, kit.training.train's for the
    other); the learning rate a number."""
    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(f"{board}/#hparams", wait_until="domcontentloaded", timeout=WAIT_MS)
        table = page.locator("tf-hparams-table-view")
        table.wait_for(state="visible", timeout=WAIT_MS)
        page.locator("tf-hparams-table-view div.table-cell", has_text=SIGMOID).first.wait_for(timeout=WAIT_MS)
        time.sleep(1)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "tensorboard-hparams-table.png"))
        # What the table prints: its cells, and per row the text its template renders for a column.
        cells = {text.strip() for text in page.locator("tf-hparams-table-view div.table-cell").all_inner_texts()}
        rows = table.evaluate("""table => Object.fromEntries(table.sessionGroups.map(group => [group.name,
            Object.fromEntries(['depth', 'seed', 'activation', 'dataset', 'learning_rate'].map(
                name => [name, table._sessionGroupHParam(group, name)]))]))""")
        assert set(rows) == {RELU, SIGMOID} and {RELU, SIGMOID} <= cells  # trial IDs are the run names
        assert rows[SIGMOID]["depth"] == "10" and rows[RELU]["depth"].strip() == "2"  # not "10.000"
        assert "10" in cells and "10.000" not in cells
        assert rows[RELU]["seed"] == "0" and rows[SIGMOID]["seed"] == "3"  # given; kit.training.train's
        assert rows[SIGMOID]["activation"] == "sigmoid" and rows[RELU]["dataset"] == "spiral"
        # The columns shown without ticking anything (the dashboard shows the first five declared).
        headers = {text.strip() for text in page.locator("tf-hparams-table-view .table-header").all_inner_texts()}
        assert {"Trial ID", "activation", "dataset", "depth", "learning_rate", "seed"} <= headers, headers
        assert float(rows[RELU]["learning_rate"]) == pytest.approx(0.03)  # a number: "0.030000"
    finally:
        page.close()
