"""``kit bench demo``: how long ``kit demo`` takes, the whole course as a user runs it.

Each run is a fresh ``python -m kit.cli demo --out FOLDER`` process (a new empty folder each time,
the check server off), timed from start to reaped, with its peak memory
(:data:`kit.benchmarks.processes.PEAK_RSS`): every zoo entry of the course trained on its 16
seeds, the TensorBoard run of the seed each claim quotes, the figures and the claims table.
``seconds`` is the (min, median, max) over ``--repeats`` runs; ``inside_seconds`` is what the
demo itself reports ("Finished in N s": from its first stage to its table, without Python's and
TensorFlow's start). Nothing else runs the course, so there is no peer: the figure is held to
the bar a user waits for (``BAR_SECONDS``). A run that fails or whose claims do not all hold is
an error, not a timing.

Example:
    kit bench demo --json --out docs/benchmarks/demo.json
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

NAME = "demo"
HELP = "seconds and peak memory of kit demo, the whole course, in a fresh process"
NEEDS_TENSORFLOW = False  # the demo runs in its own processes
BAR_SECONDS = 90
"""What a user should wait at most for the whole course on a 2-core laptop-class machine."""
FINISHED = re.compile(r"Finished in (\d+) s\.")
HOLDS = re.compile(r"(\d+)/(\d+) course results and (\d+)/(\d+) facts hold")


def add_arguments(parser) -> None:
    from kit.commands import option
    from kit.errors import COUNT

    parser.add_argument("--repeats", type=option(COUNT), default=3,
                        help="fresh runs of kit demo; (min, median, max) are reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run: checks that the benchmark runs")


def run(args) -> dict:
    from kit.benchmarks import processes

    repeats = 1 if args.quick else args.repeats
    seconds, inside, peaks = [], [], []
    with tempfile.TemporaryDirectory(prefix="kit-bench-demo-") as folder:
        for index in range(repeats):
            out = Path(folder) / f"runs-{index}"
            done = processes.measure(processes.kit_command("demo", "--out", str(out)),
                                     env=processes.kit_environment())
            finished, holds = FINISHED.search(done.stdout), HOLDS.search(done.stdout)
            if done.returncode != 0 or finished is None or holds is None:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                raise RuntimeError(f"kit demo exited with {done.returncode} without its summary: {' / '.join(tail)}")
            if holds.group(1) != holds.group(2) or holds.group(3) != holds.group(4):
                raise RuntimeError(f"kit demo ran, but not every claim held ({holds.group(0)}): a timing of a "
                                   "broken course means nothing; run 'kit demo' and read its table.")
            seconds.append(done.seconds)
            inside.append(float(finished.group(1)))
            peaks.append(done.peak_rss_mb)
    return {
        "seconds": processes.spread(seconds, 1),
        "inside_seconds": processes.spread(inside, 1),
        "peak_rss_mb": round(max(peaks), 1),
        "bar_seconds": BAR_SECONDS,
        "within_bar": processes.spread(seconds, 1)["median"] <= BAR_SECONDS,
        "peak_rss": processes.PEAK_RSS,
        "includes": ("a fresh 'python -m kit.cli demo --out FOLDER' process per run (KIT_CHECK_SERVER=0), start to "
                     "reaped: Python's and TensorFlow's start, every course entry on its 16 seeds, the TensorBoard "
                     "runs, the figures and the claims table; inside_seconds: the demo's own 'Finished in' "
                     "(its stages, without the start)"),
        "setup": {"repeats": repeats, "quick": bool(args.quick)},
    }
