"""``kit bench diagnostics --quick``: the benchmark runs end to end, reports both modes, and its cache
clearing empties every cache a run fills.

Timings are not asserted (a shared CI machine makes them noise); the command reports them.
"""

import json

import pytest

CONDITIONS = {"trainer", "trainer_diagnostics_default", "trainer_diagnostics_every_epoch", "fit_keras_tensorboard",
              "fit_keras_tensorboard_fast"}


def _kit_caches():
    """Sizes of the module-level caches the cold mode must clear."""
    from kit import diagnostics, style
    from kit.tensorboard import callback, dashboards, drawing, events, gradient_flow, views
    from kit.training import compiled

    return {"compiled trainer": compiled.cache_info()["functions"], "probe programs": len(diagnostics._CHAIN_PROGRAMS),
            "activation curves": len(callback._CURVES), "plane grids": len(callback._PLANES),
            "palette": style.palette.cache_info().currsize, "layout": dashboards._layout.cache_info().currsize,
            "network painters": views._painter.cache_info().currsize,
            "image metadata": events._image_metadata.cache_info().currsize,
            "runs side by side": len(gradient_flow._FOLDERS), "label text": drawing._text.cache_info().currsize,
            "gradient-flow axes": gradient_flow._base.cache_info().currsize}


@pytest.mark.slow
def test_quick_benchmark_reports_both_modes_and_clears_every_cache(capsys):
    from kit.benchmarks.diagnostics import clear_kit_caches
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
    clear_kit_caches()
    assert all(size == 0 for size in _kit_caches().values()), _kit_caches()


def test_bench_lists_the_diagnostics_benchmark(capsys):
    from kit.cli import main

    with pytest.raises(SystemExit):
        main(["bench", "diagnostics", "--help"])
    output = capsys.readouterr().out
    assert "--quick" in output and "--out" in output
