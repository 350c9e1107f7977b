"""TensorBoard's Images dashboard, in Debian's Chromium, shows the kit's pictures of the network:
the Playground's network view, the neuron grids and the unit-state map of each run.

Screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at. Needs Chromium and
Playwright (see conftest.py) (skipped without them, failing in CI).
"""

import time

import numpy as np
import pytest

from kit import builders, datasets
from kit.tensorboard import Diagnostics
from tests.browser.conftest import ARTIFACTS, WAIT_MS, browser_or_skip, served

VIEW_TAGS = {"network", "neurons/hidden_1", "neurons/hidden_2", "unit_states"}


@pytest.fixture(scope="module")
def views_board(tmp_path_factory):
    """Two short runs behind ``kit board``: ReLU 6-6 on spiral with three units of hidden_2
    planted dead, and a depth-10 sigmoid net on circle (units beyond the first layers flat)."""
    browser_or_skip()
    root = tmp_path_factory.mktemp("view-runs")
    relu = builders.build_mlp(2, [6, 6], "relu", seed=0)
    # -100 keeps a unit's pre-activation negative on the whole plane (its inputs stay below ~10).
    relu.get_layer("hidden_2").bias.assign(np.array([0.1, 0.1, 0.1, -100, -100, -100], dtype=np.float32))
    for name, model, data in (("relu", relu, datasets.playground("spiral", seed=0)),
                              ("sigmoid", builders.build_mlp(2, [8] * 10, "sigmoid", seed=0),
                               datasets.playground("circle", seed=0))):
        builders.compile_model(model, "sgd", 0.03)
        model.fit(data.x_train, data.y_train, epochs=4, batch_size=10, verbose=0,
                  callbacks=[Diagnostics(root / name, probe=data, every=2)])
    with served(root, "images/tags",
                lambda tags: all(VIEW_TAGS <= set(tags.get(run, {})) for run in ("relu", "sigmoid"))) as url:
        yield url


# screenshot name: (tag filter, tags whose cards must show a loaded image for both runs, actual size)
SCREENS = {
    "network-view": ("^network$", ["network"], True),
    "neurons-and-unit-states": ("^neurons/hidden_(1|2)$|^unit_states$",
                                ["neurons/hidden_1", "neurons/hidden_2", "unit_states"], False),
}


@pytest.mark.slow
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_images_dashboard_shows_the_network_pictures(views_board, chromium, screen):
    tag_filter, tags, actual_size = SCREENS[screen]
    page = chromium.new_page(viewport={"width": 1500, "height": 1100})
    try:
        page.goto(f"{views_board}/#images", wait_until="domcontentloaded", timeout=WAIT_MS)
        search = page.locator("tf-tag-filterer input").first
        search.wait_for(state="visible", timeout=WAIT_MS)
        search.fill(tag_filter)
        for tag in tags:
            page.get_by_text(tag, exact=True).first.wait_for(state="visible", timeout=WAIT_MS)
        if actual_size:  # the network view is wider than a card: show it pixel for pixel
            page.get_by_text("Show actual image size").first.click()
        # The cards of the search, not those of the tag groups listed below it.
        images = page.locator("tf-category-paginated-view", has_text="Tags matching").first.locator(
            "tf-image-loader img")
        expected = 2 * len(tags)  # one card per run and tag
        deadline = time.monotonic() + WAIT_MS / 1000
        while images.count() < expected and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1)  # let the cards finish laying out before the picture is taken
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"tensorboard-{screen}.png"), full_page=True)
        assert images.count() == expected
        # Every card's picture has arrived and decoded (a broken image has no natural width) and
        # is the kit's picture (each is drawn at least 300 pixels wide), not a placeholder.
        widths = images.evaluate_all("all => all.map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) == expected and min(widths) >= 300, widths
    finally:
        page.close()
