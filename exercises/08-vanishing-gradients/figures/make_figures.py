"""Regenerate this exercise's figure: ``python exercises/08-vanishing-gradients/figures/make_figures.py``.

``gradient_flow.png``: the kernel-gradient L2 norm per layer (``kit.diagnostics.gradient_norms``,
the Playground loss) of 10 × 8 networks with sigmoid, tanh and ReLU hidden layers, as
initialised (Playground initialisation, seed 0), on 100 circle points (noise 0, data seed 0): the
same networks and measure as the exercise, drawn by ``kit.plots.gradient_flow`` as the demo does.
"""

from pathlib import Path

from kit import builders, datasets, diagnostics, plots

HERE = Path(__file__).parent


def main():
    data = datasets.playground("circle", noise=0, seed=0)
    x, y = data.x_train[:100], data.y_train[:100]
    series = {f"10 × 8 {activation}": diagnostics.gradient_norms(builders.build_mlp(2, [8] * 10, activation, seed=0),
                                                                  x, y)
              for activation in ("sigmoid", "tanh", "relu")}
    plots.gradient_flow(series, title="Gradient flow at initialisation: 10 hidden layers of 8, circle",
                        path=HERE / "gradient_flow.png")


if __name__ == "__main__":
    main()
