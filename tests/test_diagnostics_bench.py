"""``kit bench diagnostics --quick``: the benchmark runs end to end and reports its figures.

Timings are not asserted (a shared CI machine makes them noise); the command reports them.
"""

import json

import pytest


@pytest.mark.slow
def test_quick_benchmark_reports_every_figure(capsys):
    from kit.cli import main

    assert main(["bench", "diagnostics", "--quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("overhead_default", "overhead_every_epoch", "speedup_vs_keras_tensorboard",
                "overhead_default_steady", "overhead_every_epoch_steady", "speedup_vs_keras_tensorboard_steady"):
        assert isinstance(result[key], float), key
    assert set(result["seconds"]) == {"trainer", "trainer_diagnostics_default", "trainer_diagnostics_every_epoch",
                                      "fit_keras_tensorboard"}
    assert all(seconds > 0 for seconds in result["seconds"].values())
    assert result["setup"]["quick"] is True


def test_bench_lists_the_diagnostics_benchmark(capsys):
    from kit.cli import main

    with pytest.raises(SystemExit):
        main(["bench", "diagnostics", "--help"])
    assert "--quick" in capsys.readouterr().out
