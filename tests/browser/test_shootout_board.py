"""The activation shoot-out (exercise 13: linear, sigmoid, tanh, relu × circle, xor, spiral) on
TensorBoard, in Debian's Chromium: can twelve runs be told apart and compared at a glance?

What is checked, on what TensorBoard serves and shows:

- every gradient-flow picture draws its run in its own style (one colour per activation, one dash
  per data set: twelve distinct styles, measured from each picture's legend line), on the same
  axis (the same grid rows and the same axis labels, pixel for pixel), with the eleven other
  runs faint behind it;
- the decision boundary line is drawn wherever the output changes sign, linear runs included;
- the network view's tiles and text, as the card shows them, are at least the Playground's tile
  size (30 pixels) and 11-pixel text;
- TensorBoard's Time Series, at the address ``kit board`` prints, colours the runs by activation
  in the kit's colours (TensorBoard picks them; they agree for runs started in the shoot-out's
  order);
- the HParams table shows the test accuracy column in a 1600-pixel window.

Screenshots go to ``test-artifacts/shootout/`` (git-ignored; the test prints the folder). Needs
Chromium and Playwright (see conftest.py).
"""

import io
import json
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest
from PIL import Image

from kit import builders, datasets, style
from kit.tensorboard import Diagnostics, gradient_flow, server, views
from kit.tensorboard import callback as callback_module
from tests.browser.conftest import ARTIFACTS, WAIT_MS, browser_or_skip, served

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
DATASETS = ("circle", "xor", "spiral")
RUNS = [f"{activation}-{dataset}" for dataset in DATASETS for activation in ACTIVATIONS]  # exercise 13's order
EPOCHS = 20
SHOTS = ARTIFACTS / "shootout"


@pytest.fixture(scope="module")
def shootout(tmp_path_factory):
    """The twelve runs, trained together (``train_many``, as exercise 13 does, 20 epochs), behind
    ``kit board``; yields (url, logdir)."""
    from kit.training import train_many

    browser_or_skip()
    root = tmp_path_factory.mktemp("shootout")
    data = {name: datasets.playground(name, noise=0, seed=0) for name in DATASETS}
    models = [builders.build_mlp(2, [8, 8], run.split("-")[0], seed=0) for run in RUNS]
    callbacks = [[Diagnostics(root / run, probe=data[run.split("-")[1]], every=EPOCHS,
                              hparams={"epochs": EPOCHS, "batch_size": 10, "seed": 0})] for run in RUNS]
    train_many(models, [data[run.split("-")[1]] for run in RUNS], epochs=EPOCHS, batch_size=10, optimizer="adam",
               learning_rate=0.01, seeds=[0] * len(RUNS), callbacks=callbacks, verbose=0)
    tags = {"gradient_flow", "decision_boundary", "network"}
    with served(root, "images/tags", lambda found: all(tags <= set(found.get(run, {})) for run in RUNS)) as url:
        SHOTS.mkdir(parents=True, exist_ok=True)
        print(f"\nshoot-out screenshots: {SHOTS}")
        yield url, root


def _pictures(url, tag) -> dict:
    """{run: the last picture of ``tag``, as TensorBoard serves it (PIL image)}."""
    pictures = {}
    for run in RUNS:
        query = urllib.parse.urlencode({"run": run, "tag": tag})
        with urllib.request.urlopen(f"{url}/data/plugin/images/images?{query}", timeout=30) as response:
            last = json.loads(response.read())[-1]
        with urllib.request.urlopen(f"{url}/data/plugin/images/individualImage?{last['query']}", timeout=30) as response:
            pictures[run] = Image.open(io.BytesIO(response.read()))
            pictures[run].load()
    return pictures


def _images_tab(chromium, url, tag_filter, run_filter, name, width=1600, height=1000):
    """The Images dashboard filtered by tag and run, screenshot saved as ``name``; returns the page."""
    page = chromium.new_page(viewport={"width": width, "height": height})
    page.goto(f"{url}/#images", wait_until="domcontentloaded", timeout=WAIT_MS)
    search = page.locator("tf-tag-filterer input").first
    search.wait_for(state="visible", timeout=WAIT_MS)
    search.fill(tag_filter)
    page.locator("tf-multi-checkbox input").first.fill(run_filter)  # "Write a regex to filter runs"
    images = page.locator("tf-category-paginated-view", has_text="Tags matching").first.locator("tf-image-loader img")
    expected = sum(run_filter in run for run in RUNS)
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline and (images.count() != expected or not all(images.evaluate_all(
            "all => all.map(i => i.complete && i.naturalWidth > 0)"))):
        time.sleep(0.5)
    time.sleep(1)  # let the cards finish laying out before the picture is taken
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    assert images.count() == expected
    return page, images


def _legend(rgb: np.ndarray):
    """(colour, dash) of a gradient-flow picture's legend line (rows 25-27, columns 6-34): the
    colour, and the lengths of its on and off runs along the line."""
    row = rgb[26, 6:35].astype(int)
    colour = tuple(row[0])
    on = (np.abs(row - row[0]).sum(axis=1) == 0).tolist()
    runs, count = [], 1
    for previous, current in zip(on, on[1:]):
        if current == previous:
            count += 1
        else:
            runs.append(count)
            count = 1
    return colour, tuple(runs[:3])


@pytest.mark.slow
def test_gradient_flow_pictures_share_one_axis_one_style_per_run_and_show_the_others(shootout, chromium):
    url, _ = shootout
    pictures = {run: np.asarray(picture.convert("RGB")) for run, picture in _pictures(url, "gradient_flow").items()}
    top, left = gradient_flow.TOP, gradient_flow.LEFT
    first = pictures[RUNS[0]]
    grid = np.array(style.NAMED["grid"])
    grid_rows = np.nonzero((first[:, -gradient_flow.RIGHT - 3] == grid).all(axis=1))[0]
    assert len(grid_rows) == style.GRADIENT_DECADES[1] - style.GRADIENT_DECADES[0] + 1  # one line a decade
    styles = {}
    for run, rgb in pictures.items():
        activation, dataset = run.split("-")
        # The same axis: the grid on the same rows and the axis labels the same pixels in every picture.
        assert (np.nonzero((rgb[:, -gradient_flow.RIGHT - 3] == grid).all(axis=1))[0] == grid_rows).all(), run
        assert np.array_equal(rgb[top - 8:, :left - 2], first[top - 8:, :left - 2]), run
        colour, dash = _legend(rgb)
        assert colour == style.rgb(style.ACTIVATION_COLOURS[activation]), run
        styles[run] = colour, dash
        # The eleven others, faint behind: each activation's faint colour is in every picture.
        colours = set(map(tuple, rgb.reshape(-1, 3)))
        assert all(style.faint(style.ACTIVATION_COLOURS[other]) in colours for other in ACTIVATIONS), run
    assert len(set(styles.values())) == 12  # twelve runs, twelve styles
    assert len({colour for colour, _ in styles.values()}) == 4  # one colour per activation
    assert len({dash for _, dash in styles.values()}) == 3  # one dash per data set
    assert all(styles[f"{a}-{d}"][1] == styles[f"relu-{d}"][1] for a in ACTIVATIONS for d in DATASETS)

    # What the student sees: the four spiral runs side by side, each card's line in its colour.
    page, images = _images_tab(chromium, url, "^gradient_flow$", "spiral", "gradient-flow-spiral")
    try:
        shot = np.asarray(Image.open(SHOTS / "gradient-flow-spiral.png").convert("RGB")).astype(int)
        for activation in ACTIVATIONS:  # the colour is on screen (within antialiasing)
            distance = np.abs(shot - np.array(style.rgb(style.ACTIVATION_COLOURS[activation]))).sum(axis=2)
            assert (distance < 30).sum() > 50, activation
    finally:
        page.close()


@pytest.mark.slow
def test_every_boundary_is_drawn_where_the_output_changes_sign_linear_runs_included(shootout, chromium):
    url, _ = shootout
    lines = {}
    for run, picture in _pictures(url, "decision_boundary").items():
        assert picture.mode == "P"  # the kit's palette indices, as written
        plane = np.asarray(picture)[:200]
        heat = plane < style.SHADES
        rows, columns, _ = callback_module._plane(datasets.playground(run.split("-")[1], noise=0, seed=0))[1]
        heat[rows, columns] = False  # the training points
        middle = (style.SHADES - 1) // 2
        both_signs = (plane[heat] > middle).any() and (plane[heat] < middle).any()
        lines[run] = int((plane == style.BOUNDARY).sum())
        assert (lines[run] > 0) == both_signs, (run, lines[run])
    assert any(lines[f"linear-{dataset}"] >= 200 for dataset in DATASETS), lines  # a straight line, drawn
    page, _ = _images_tab(chromium, url, "^decision_boundary$", "linear", "boundaries-linear")
    page.close()


@pytest.mark.slow
def test_the_network_view_reads_at_the_cards_size(shootout, chromium):
    url, _ = shootout
    page, images = _images_tab(chromium, url, "^network$", "relu", "network-relu")
    try:
        sizes = images.evaluate_all("all => all.map(i => [i.naturalWidth, i.getBoundingClientRect().width])")
        for natural, shown in sizes:
            scale = shown / natural
            # The Playground draws 30-pixel tiles; TensorBoard's own labels are about 12 pixels.
            assert scale * views.TILE >= 30 and scale * views.SMALL_FONT >= 10 and scale * views.FONT >= 11, (
                natural, shown)
    finally:
        page.close()


@pytest.mark.slow
def test_time_series_at_kit_boards_address_colours_runs_by_activation_in_the_kits_colours(shootout, chromium):
    url, root = shootout
    address = server.colour_by_activation_url(url, server.run_names(root))
    assert address is not None
    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(address.replace("#timeseries", "&tagFilter=accuracy%2Ftest#timeseries"),
                  wait_until="domcontentloaded", timeout=WAIT_MS)
        swatches = page.locator(".run-color-swatch")
        deadline = time.monotonic() + WAIT_MS / 1000
        while swatches.count() < len(RUNS) and time.monotonic() < deadline:
            time.sleep(0.5)
        page.locator("scalar-card").first.wait_for(state="visible", timeout=WAIT_MS)
        time.sleep(3)  # the chart draws from a worker
        page.screenshot(path=str(SHOTS / "time-series-by-activation.png"))
        colours = dict(swatches.evaluate_all("""all => all.map(s => [
            s.closest('tb-data-table-content-row').innerText.trim(), getComputedStyle(s).backgroundColor])"""))
        assert set(colours) == set(RUNS)
        for run, css in colours.items():
            expected = style.rgb(style.ACTIVATION_COLOURS[run.split("-")[0]])
            assert css == "rgb({}, {}, {})".format(*expected), (run, css)
    finally:
        page.close()


@pytest.mark.slow
def test_the_hparams_table_shows_test_accuracy_in_a_1600_pixel_window(shootout, chromium):
    url, _ = shootout
    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(f"{url}/#hparams", wait_until="domcontentloaded", timeout=WAIT_MS)
        header = page.locator("tf-hparams-table-view .table-header", has_text="test accuracy").first
        header.wait_for(state="visible", timeout=WAIT_MS)
        page.locator("tf-hparams-table-view div.table-cell", has_text="relu-spiral").first.wait_for(timeout=WAIT_MS)
        time.sleep(1)
        page.screenshot(path=str(SHOTS / "hparams.png"))
        box = header.bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 1600, box
    finally:
        page.close()
