"""One source for the published benchmark figures: docs/benchmarks/*.json.

Each benchmark writes its JSON there (``kit bench NAME --json --out docs/benchmarks/NAME.json``);
README.md and docs/*.md show the figures in generated blocks between two markers::

    <!-- kit bench figures: NAME -->
    ...generated from the JSON; edit the JSON's benchmark, not this text...
    <!-- end kit bench figures -->

``write(root)`` regenerates every block (``kit bench figures``); ``check(root)`` lists every block
that differs from its JSON, every JSON measured with ``--quick``, and every speed-up figure
(digits followed by "×") written by hand outside a block in those files (``kit bench figures
--check``, and a test). So README.md and docs/ cannot disagree with each other or with the
measurements. No TensorFlow is imported.

Example:
    >>> from kit.benchmarks import figures
    >>> figures.check(figures.repository_root())
    []
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from kit.paths import repository_root  # noqa: F401  (the benches' checkout)

FOLDER = Path("docs") / "benchmarks"
BEGIN = "<!-- kit bench figures: {} -->"
END = "<!-- end kit bench figures -->"
BLOCK = re.compile(r"<!-- kit bench figures: ([a-z-]+) -->\n(.*?)<!-- end kit bench figures -->", re.DOTALL)
HAND_WRITTEN_RATIO = re.compile(r"\d×")  # "43×"; "4 × 4" (a product) is not matched
PERFORMANCE_WORDS = re.compile(r"faster|slower|speed|steps/s|model\.fit|fit's|overhead", re.IGNORECASE)
"""A line outside the blocks with both a ratio and one of these words is a hand-written speed-up
("110× faster than model.fit"); "its loss reads 2×" is not."""

FILES = {"README.md": ("readme",), "docs/training.md": ("train",), "docs/tensorboard.md": ("diagnostics",),
         "docs/grading.md": ("grade", "batch", "check")}
"""Each file with the blocks it holds (a block's name is its renderer's)."""

BENCHMARKS = ("train", "diagnostics", "grade", "batch", "check", "demo")


def sources(root: Path) -> list[str]:
    return [str(FOLDER / f"{name}.json") for name in BENCHMARKS]


def _load(root: Path) -> dict:
    results = {}
    for name in BENCHMARKS:
        path = Path(root) / FOLDER / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; measure it with "
                                    f"'kit bench {name} --json --out {FOLDER / (name + '.json')}'.")
        results[name] = json.loads(path.read_text(encoding="utf-8"))
    return results


def _x(value) -> str:
    return f"{value:.1f}×" if value < 100 else f"{value:.0f}×"


def _percent(fraction) -> str:
    return f"{int(round(fraction * 100)):+d} %"  # -0.4 % is "+0 %", not "-0 %"


def _machine(result: dict) -> str:
    machine = result["machine"]
    return (f"{machine['cpus']}-core {machine['processor']}, no GPU, TensorFlow {machine['tensorflow']}, "
            f"Keras {machine['keras']}; 1-minute load average {machine['load_average_1min_before']} before and "
            f"{machine['load_average_1min_after']} after (a shared machine: other jobs ran too)")


def _readme(results: dict) -> str:
    train, diagnostics, grade, batch = results["train"], results["diagnostics"], results["grade"], results["batch"]
    full, sweep = train["full_batch"], train["sweep"]
    cold, warm = diagnostics["cold"], diagnostics["warm"]
    fast = diagnostics["peer_configs"]["fit_keras_tensorboard_fast"]
    rows = [
        ("fast trainer vs `model.fit` (2-8-8-1 ReLU, spiral, batch 10), steps/s after a first compiling epoch",
         f"{_x(train['speedup_vs_fit_best'])} fit's best configuration (`{train['fit_best_config']}`); "
         f"{_x(train['speedup_vs_fit_default'])} fit's defaults; {_x(full['speedup_vs_fit_best'])} fit's best at "
         f"full batch", train["command"]),
        (f"{sweep['runs']} runs (4 activations × 4 data sets × 3 seeds, {sweep['epochs']} epochs), compile included",
         f"{sweep['seconds']:.1f} s in one `train_many` call; {sweep['one_at_a_time_seconds']:.1f} s one `train` "
         f"at a time", train["command"]),
        ("many models at once (`kit.training.train_many`, 48 models of the same network) vs `model.fit`'s best",
         f"{train['many_models_steps_per_s']['48']:,.0f} model-steps/s, "
         f"{_x(train['many_models_speedup_vs_fit_best']['48'])} fit's best configuration", train["command"]),
        ("trainer + full diagnostics every epoch vs `model.fit` + `keras.callbacks.TensorBoard(histogram_freq=1)`, "
         "each compiling once (cold)",
         f"{_x(diagnostics['speedup_vs_keras_tensorboard'])} faster than fit's defaults, "
         f"{_x(diagnostics['speedup_vs_keras_tensorboard_fast'])} than fit with `{fast}`; with compiled code "
         f"reused by both (warm): {_x(warm['speedup_vs_keras_tensorboard'])} and "
         f"{_x(warm['speedup_vs_keras_tensorboard_fast'])}", diagnostics["command"]),
        ("`Diagnostics` at its default cadence (about 15 probes a run: every 7 of 100 epochs), over the trainer alone",
         f"{_percent(cold['overhead_default'])} time compiling (cold); {_percent(warm['overhead_default'])} "
         f"with compiled code reused (warm)", diagnostics["command"]),
        (f"a Gradescope submission of exercise 04: a fresh `kit grade` process vs Otter-Grader "
         f"{grade['otter']['version']}'s `otter run` with the same checks", _versus_otter(grade), grade["command"]),
        ("grading through one zygote vs a fresh zygote per submission (one process, exercise 04)",
         f"{_x(grade['zygote_speedup'])} faster; {grade['zygote_overhead_seconds_per_submission']:.2f} s overhead per "
         f"submission", grade["command"]),
        (f"grading a class: `kit grade-batch --workers {batch['workers']}` vs `kit grade` in a fresh process per "
         f"submission, {batch['workers']} at a time (exercise 04)",
         f"{batch['per_minute']['median']:.0f} vs {batch['fresh_parallel_per_minute']['median']:.0f} submissions per "
         f"minute, {_x(batch['speedup'])} ({batch['fresh_serial_per_minute']['median']:.0f} one at a time: "
         f"{_x(batch['speedup_vs_serial'])})", batch["command"]),
    ]
    demo = results["demo"]
    rows.append(("`kit demo`, the whole course (every entry on its 16 seeds, the TensorBoard runs, the figures, the "
                 "claims table), a fresh process",
                 f"{demo['seconds']['median']:.0f} s (median of {demo['setup']['repeats']}, "
                 f"{demo['seconds']['min']:.0f}-{demo['seconds']['max']:.0f} s; bar {demo['bar_seconds']} s), "
                 f"peak {demo['peak_rss_mb']:.0f} MB", demo["command"]))
    lines = ["| claim | measured | command |", "|---|---|---|"]
    lines += [f"| {claim} | {measured} | `{command}` |" for claim, measured, command in rows]
    note = ("Figures from `docs/benchmarks/*.json`, written by the commands above and shown here by "
            f"`kit bench figures` (a test checks they agree). Measured once on a {_machine(train)}; run a "
            "command again to see how much its timings move.")
    return "\n".join([*lines, "", note]) + "\n"


def _train(results: dict) -> str:
    train = results["train"]
    setup, full, sweep = train["setup"], train["full_batch"], train["sweep"]
    lines = [f"Measured by `{train['command']}` on a {_machine(train)}. {setup['epochs']} timed epochs "
             f"({setup['steps']} steps of batch {setup['batch_size']}), medians of {setup['repeats']} runs:", "",
             "| contender | first epoch (s) | steps/s | kit's speed-up |", "|---|---|---|---|"]
    for row in train["fit"]:
        config = f"jit_compile={row['jit_compile']}, steps_per_execution={row['steps_per_execution']}"
        lines.append(f"| `model.fit`, `{config}` | {row['first_epoch_seconds']:.2f} | {row['steps_per_s']:,.0f} | "
                     f"{_x(row['kit_speedup'])} |")
    lines.append(f"| `kit.training.train` | {train['kit_first_epoch_seconds']:.2f} | {train['kit_steps_per_s']:,.0f} | |")
    lines.append(f"| `kit.training.train` with a no-op callback | (shares the compiled function) | "
                 f"{train['kit_callback_steps_per_s']:,.0f} | |")
    for row in full["fit"]:
        lines.append(f"| full batch: `model.fit`, `jit_compile={row['jit_compile']}` | "
                     f"{row['first_epoch_seconds']:.2f} | {row['steps_per_s']:,.0f} | "
                     f"{_x(row['kit_speedup'])} |")
    lines.append(f"| full batch: `kit.training.train` | {full['kit_first_epoch_seconds']:.2f} | "
                 f"{full['kit_steps_per_s']:,.0f} | |")
    lines += ["", f"`speedup_vs_fit_best` {_x(train['speedup_vs_fit_best'])} (fit's best: "
              f"`{train['fit_best_config']}`), `speedup_vs_fit_default` {_x(train['speedup_vs_fit_default'])}, "
              f"end to end with the first epoch {_x(train['speedup_vs_fit_best_end_to_end'])} fit's best"
              + (f"; with one no-op per-epoch callback on both sides "
                 f"{_x(train['speedup_vs_fit_best_with_callback'])} fit's best with it "
                 f"(`{train['fit_best_with_callback_config']}`). " if "speedup_vs_fit_best_with_callback" in train
                 else ". ") +
              f"The sweep: {sweep['runs']} runs of {sweep['epochs']} epochs in {sweep['seconds']:.1f} s as one "
              f"`train_many` call, {sweep['one_at_a_time_seconds']:.1f} s one `train` call at a time. "
              "Many models at once, model-steps/s (models × steps ÷ seconds): "
              + ", ".join(f"K = {k}: {v:,.0f}" for k, v in train["many_models_steps_per_s"].items()) + "."]
    if "threads" in train:
        threads = train["threads"]
        lines += ["", "Every contender ran with one TensorFlow intra-op thread (`kit.startup.INTRA_OP_THREADS`). In "
                  "fresh processes, `TF_NUM_INTRAOP_THREADS` 0 (TensorFlow's default, one per core) against 1: the kit "
                  f"{threads['kit']['0']['steps_per_s']:,.0f} against {threads['kit']['1']['steps_per_s']:,.0f} "
                  f"steps/s ({_x(threads['kit_speedup_one_thread'])} on one thread), fit's best "
                  f"{threads['fit_best']['0']['steps_per_s']:,.0f} against {threads['fit_best']['1']['steps_per_s']:,.0f} "
                  f"({_x(threads['fit_best_speedup_one_thread'])})."]
    return "\n".join(lines) + "\n"


def _diagnostics(results: dict) -> str:
    diagnostics = results["diagnostics"]
    setup, cold, warm = diagnostics["setup"], diagnostics["cold"], diagnostics["warm"]
    configs = diagnostics["peer_configs"]
    lines = [f"Measured by `{diagnostics['command']}` on a {_machine(diagnostics)}. 2-8-8-1 ReLU on spiral, "
             f"batch {setup['batch_size']}, {setup['epochs']} epochs, medians of {setup['repeats']} runs per mode"
             + (f" ({setup['repeats'] * setup['kit_warm_runs_per_round']} of each kit condition warm)"
                if setup.get("kit_warm_runs_per_round", 1) > 1 else "") + ":", "",
             "| seconds (cold: everyone compiles; warm: compiled code reused) | cold | warm |", "|---|---|---|"]
    names = [("trainer", "trainer alone"),
             ("trainer_diagnostics_default", "trainer + Diagnostics, default cadence"),
             ("trainer_diagnostics_every_epoch", "trainer + Diagnostics, everything every epoch"),
             ("fit_keras_tensorboard", f"`model.fit` + `TensorBoard(histogram_freq=1)`, `{configs['fit_keras_tensorboard']}`"),
             ("fit_keras_tensorboard_fast", f"the same, `{configs['fit_keras_tensorboard_fast']}`")]
    for key, label in names:
        lines.append(f"| {label} | {cold['seconds'][key]:.3g} | {warm['seconds'][key]:.3g} |")
    for key, label in (("overhead_default", "`overhead_default`"), ("overhead_every_epoch", "`overhead_every_epoch`")):
        lines.append(f"| {label} | {_percent(cold[key])} | {_percent(warm[key])} |")
    for key, label in (("speedup_vs_keras_tensorboard", "every-epoch diagnostics vs the peer at fit's defaults"),
                       ("speedup_vs_keras_tensorboard_fast", "every-epoch diagnostics vs the peer with XLA and steps_per_execution=25")):
        lines.append(f"| {label} | {_x(cold[key])} | {_x(warm[key])} |")
    lines += ["", f"From epoch 2 on (`steady`): `overhead_default_steady` {_percent(warm['overhead_default_steady'])}, "
              f"every-epoch diagnostics {_x(warm['speedup_vs_keras_tensorboard_fast_steady'])} faster than the "
              f"peer with XLA and steps_per_execution=25 (warm)."]
    return "\n".join(lines) + "\n"


def _span(figure: dict, digits: int = 2) -> str:
    """A round robin's figure: min / median / max."""
    return " / ".join(f"{figure[key]:.{digits}f}" for key in ("min", "median", "max"))


def _versus_otter(grade: dict) -> str:
    fresh = f"{grade['fresh_seconds']['median']:.1f} s and {grade['fresh_peak_rss_mb']:.0f} MB"
    if grade["otter_seconds"] is None:
        return f"{fresh} per submission; Otter-Grader not measured ({grade['otter']['skipped']})"
    return (f"{fresh} vs {grade['otter_seconds']['median']:.1f} s and {grade['otter_peak_rss_mb']:.0f} MB per "
            f"submission (medians, peak memory): {_x(grade['speedup_vs_otter'])} faster")


def _grade(results: dict) -> str:
    grade = results["grade"]
    otter = grade["otter"]
    lines = [f"Measured by `{grade['command']}` on a {_machine(grade)}: {grade['submissions']} submissions of "
             f"exercise 04, {grade['checks_per_submission']} checks and {grade['sandbox_calls_per_submission']:g} "
             "sandboxed calls each (hidden inputs join their function's call in a full grade); every grader gave "
             "each submission the same score. A fresh process per submission is what a Gradescope submission "
             "costs; the kit's and Otter's alternate per submission:", "",
             "| a fresh process per submission | seconds (min / median / max) | peak memory (MB) |", "|---|---|---|",
             f"| `kit grade 04 FILE --format json` | {_span(grade['fresh_seconds'])} | "
             f"{grade['fresh_peak_rss_mb']:.0f} |"]
    if grade["otter_seconds"] is None:
        lines.append(f"| Otter-Grader {otter['version']} | not measured: {otter['skipped']} | |")
    else:
        lines += [f"| Otter-Grader {otter['version']}: `otter run` with the same checks as {otter['tests']} OK tests | "
                  f"{_span(grade['otter_seconds'])} | {grade['otter_peak_rss_mb']:.0f} |",
                  f"| speedup (medians) | {_x(grade['speedup_vs_otter'])} | |"]
    lines += ["", f"Peak memory: {grade['peak_rss']}."]
    if grade["otter_seconds"] is not None:
        lines[-1] += f" The Otter tests: {otter['checks']}."
    lines += ["", f"Inside one process (exercise 04's `{grade['runtime']}` runtime), through the same sandbox:", "",
              "| | seconds per submission |", "|---|---|",
              f"| one zygote (its {grade['zygote_start_seconds']:.1f} s start amortised over the "
              f"{grade['submissions']}) | {grade['zygote_seconds_per_submission']:.2f} |",
              f"| a fresh zygote per submission | {grade['fresh_zygote_seconds_per_submission']:.2f} |",
              f"| speedup | {_x(grade['zygote_speedup'])} |",
              f"| zygote overhead (grading wall time − the submissions' own run time) | "
              f"{grade['zygote_overhead_seconds_per_submission']:.2f} |"]
    return "\n".join(lines) + "\n"


def _batch(results: dict) -> str:
    batch = results["batch"]
    profile, workers = batch["profile"], batch["workers"]
    lines = [f"Measured by `{batch['command']}` on a {_machine(batch)}: {batch['submissions']} submissions of "
             "exercise 04 (copies of the solution under distinct names, every tenth with a typical mistake), "
             f"each command timed end to end as a fresh process; {batch['rounds']} rounds, the three sides in turn "
             "(min / median / max over the rounds):", "",
             "| | submissions per minute | peak memory (MB) |", "|---|---|---|",
             f"| `kit grade-batch --workers {workers}` over all {batch['submissions']} (its start and its zygotes' "
             f"included) | {_span(batch['per_minute'], 1)} | {batch['batch_peak_rss_mb']:.0f} |",
             f"| `kit grade` in a fresh process per submission, {workers} at a time (the first "
             f"{batch['fresh_submissions']}) | {_span(batch['fresh_parallel_per_minute'], 1)} | "
             f"{batch['fresh_peak_rss_mb']:.0f} |",
             f"| the same, one at a time | {_span(batch['fresh_serial_per_minute'], 1)} | |",
             f"| speedup at equal parallelism ({workers} and {workers}, medians) | {_x(batch['speedup'])} | |",
             f"| speedup over one at a time | {_x(batch['speedup_vs_serial'])} | |", "",
             f"Peak memory: {batch['peak_rss']}. Where a submission's time goes in the batch (from the gradebooks' "
             f"reports): {profile['grading_seconds_per_submission']:.2f} s of grading in its worker, "
             f"{profile['child_seconds_per_submission']:.2f} s of it in the sandbox "
             f"({profile['calls_per_submission']:g} calls of {profile['child_seconds_per_call']:.3f} s: forking "
             "the runner, importing the file, running one function, the runner's end) and "
             f"{profile['parent_seconds_per_submission']:.2f} s in the grader (judging, messages, forking and "
             f"isolating each call's keeper); {profile['start_seconds']:.1f} s of the batch were its start."]
    return "\n".join(lines) + "\n"


CHECK_COLUMNS = (("first check", "first_check_seconds"), ("after `kit start`", "after_start_check_seconds"),
                 ("warm", "warm_check_seconds"), ("edited", "edited_check_seconds"),
                 ("back to back", "back_to_back_check_seconds"), ("later session", "later_session_check_seconds"))
"""The check-latency table's columns: ``kit bench check``'s figures per exercise (docs/grading.md
says what each one measures)."""


def _check(results: dict) -> str:
    check = results["check"]
    runs = f"the median of {check['repeats']} runs" if check["repeats"] > 1 else "one run"
    lines = [f"Measured by `{check['command']}` on a {_machine(check)}; seconds, {runs} each. "
             f"`kit check 04 solution.py` (graded in the process, no TensorFlow) {check['cold_check_seconds']:.2f} s, "
             f"`kit exercises` {check['exercises_seconds']:.2f} s, a typo'd `kit check 99` "
             f"{check['typo_check_seconds']:.2f} s. Per exercise:", "",
             "| exercise | " + " | ".join(title for title, _ in CHECK_COLUMNS) + " |",
             "|---|" + "---|" * len(CHECK_COLUMNS)]
    for exercise, figures in sorted(check["exercises"].items()):
        if "error" in figures:
            lines.append(f"| {exercise} | its check failed: see `error` in the JSON |" + " |" * (len(CHECK_COLUMNS) - 1))
        else:
            lines.append(f"| {exercise} | " + " | ".join(f"{figures[key]:.1f}" for _, key in CHECK_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


RENDERERS = {"readme": _readme, "train": _train, "diagnostics": _diagnostics, "grade": _grade, "batch": _batch,
             "check": _check}


def _render(results: dict) -> dict:
    """Every block's Markdown; prose lines wrapped at 100 characters (table rows cannot be)."""
    def wrap(line):
        if line.startswith("|") or len(line) <= 100:
            return [line]
        return textwrap.wrap(line, 100, break_long_words=False, break_on_hyphens=False)

    return {name: "".join(f"{part}\n" for line in render(results).splitlines() for part in wrap(line))
            for name, render in RENDERERS.items()}


def _rendered(root: Path) -> dict:
    return _render(_load(root))


def _replace_blocks(text: str, rendered: dict) -> str:
    return BLOCK.sub(lambda match: f"{BEGIN.format(match.group(1))}\n{rendered[match.group(1)]}{END}", text)


def write(root: Path) -> list[Path]:
    """Regenerate every block in README.md and docs/ from docs/benchmarks/*.json; the files changed."""
    rendered, changed = _rendered(root), []
    for relative in FILES:
        path = Path(root) / relative
        text = path.read_text(encoding="utf-8")
        new = _replace_blocks(text, rendered)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def check(root: Path) -> list[str]:
    """What disagrees with docs/benchmarks/*.json, one sentence each (empty when all agree)."""
    try:
        results = _load(root)
    except (FileNotFoundError, json.JSONDecodeError) as error:
        return [str(error)]
    problems = [f"{FOLDER / (name + '.json')} was measured with --quick; its timings mean nothing"
                for name, result in results.items() if result.get("quick") or result.get("setup", {}).get("quick")]
    try:
        rendered = _render(results)
    except (KeyError, TypeError, ValueError) as error:
        return problems + [f"docs/benchmarks/*.json lacks a figure the docs show ({error!r}); measure it again"]
    for relative, blocks in FILES.items():
        text = (Path(root) / relative).read_text(encoding="utf-8")
        found = {match.group(1): match.group(2) for match in BLOCK.finditer(text)}
        for block in blocks:
            if block not in found:
                problems.append(f"{relative} has no '{BEGIN.format(block)}' … '{END}' block")
            elif found[block] != rendered[block]:
                problems.append(f"{relative}: the '{block}' figures differ from {FOLDER}; run 'kit bench figures'")
        outside = BLOCK.sub("", text)
        for line in outside.splitlines():
            if HAND_WRITTEN_RATIO.search(line) and PERFORMANCE_WORDS.search(line):
                problems.append(f"{relative}: a hand-written speed-up outside the generated block: {line.strip()!r}")
    return problems
