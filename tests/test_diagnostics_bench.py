"""``kit bench diagnostics --quick``: the benchmark runs end to end, reports both modes, and its cache
clearing empties every cache a run fills.

Timings are not asserted (a shared CI machine makes them noise); the command reports them.
"""

import json

import pytest

CONDITIONS = {"trainer", "trainer_diagnostics_default", "trainer_diagnostics_every_epoch", "fit_keras_tensorboard",
              "fit_keras_tensorboard_fast"}


CACHES = ("kit.training.compiled._cache", "kit.diagnostics._CHAIN_PROGRAMS", "kit.tensorboard.callback._CURVES",
          "kit.tensorboard.callback._PLANES", "kit.style.palette", "kit.tensorboard.dashboards._layout",
          "kit.tensorboard.views._painter", "kit.tensorboard.events._image_metadata",
          "kit.tensorboard.gradient_flow._FOLDERS", "kit.tensorboard.drawing._text",
          "kit.tensorboard.gradient_flow._base")
"""The module-level caches a run fills and the cold mode must clear (names of kit.caches)."""


def _kit_caches():
    """Sizes of those caches, as the kit registers them."""
    from kit import caches

    sizes = caches.sizes()
    return {name: sizes[name] for name in CACHES}


@pytest.mark.slow
def test_quick_benchmark_reports_both_modes_and_clears_every_cache(capsys):
    import kit
    from kit.cli import main

    assert main(["bench", "diagnostics", "--quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for mode in ("cold", "warm"):
        figures = result[mode]
        for key in ("overhead_default", "overhead_every_epoch", "speedup_vs_keras_tensorboard",
                    "speedup_vs_keras_tensorboard_fast", "overhead_default_steady",
                    "speedup_vs_keras_tensorboard_fast_steady"):
            assert isinstance(figures[key], float), (mode, key)
        assert set(figures["seconds"]) == set(figures["steady_seconds"]) == CONDITIONS
        assert all(seconds > 0 for seconds in figures["seconds"].values())
    assert result["speedup_vs_keras_tensorboard"] == result["cold"]["speedup_vs_keras_tensorboard"]
    assert result["peer_configs"]["fit_keras_tensorboard_fast"] == "jit_compile=True, steps_per_execution=25"
    assert "cleared before every run" in result["includes"] and "warm-up" in result["includes"]
    assert result["setup"]["quick"] is True

    # The last (cold) round left every cache filled; clearing empties each one.
    filled = _kit_caches()
    assert all(size > 0 for size in filled.values()), filled
    kit.clear_caches()
    assert all(size == 0 for size in _kit_caches().values()), _kit_caches()


def test_bench_lists_the_diagnostics_benchmark(capsys):
    from kit.cli import main

    with pytest.raises(SystemExit):
        main(["bench", "diagnostics", "--help"])
    output = capsys.readouterr().out
    assert "--quick" in output and "--out" in output
