"""Benchmarks behind ``kit bench NAME``: one module per benchmark, found automatically.

A benchmark module defines ``NAME`` (the subcommand), ``HELP`` (one line),
``add_arguments(parser)`` (beyond the shared ``--json``) and ``run(args) -> dict``. ``run``
measures every figure in one process and one run, against the obvious alternative, and returns
plain data; ``kit bench NAME --json`` prints it as one JSON object, otherwise as a table. The
command imports TensorFlow before ``run`` unless the module sets ``NEEDS_TENSORFLOW = False`` (a
benchmark whose every side is a fresh process, or NumPy only). Helpers without ``NAME`` live here
too: :mod:`~kit.benchmarks.processes` (fresh processes timed, with their peak memory),
:mod:`~kit.benchmarks.otter_peer` and :mod:`~kit.benchmarks.otter_checks` (the Otter-Grader contender).
"""
