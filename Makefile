# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2
export MPLBACKEND ?= Agg

.PHONY: demo test setup clean playground-node bench-otter

$(STAMP): requirements.txt requirements-runtime.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/kit demo

# Every core runs tests (pytest-xdist), one test file per worker at a time (--dist loadfile): a file's
# module fixtures (a graded submission, a started server) are made once.
test: $(STAMP)
	$(BIN)/python -m pytest -q -rs --durations=25 -n auto --dist loadfile

# The TensorFlow Playground's own code under node checks kit/playground.py (tests/test_playground_replay.py
# runs this target): TypeScript, d3 and seedrandom at the versions the Playground pins, cached in an ignored folder.
PLAYGROUND_NODE := .cache/playground-node
PLAYGROUND_FIXTURE := tests/fixtures/playground

$(PLAYGROUND_NODE)/.installed: $(PLAYGROUND_FIXTURE)/package.json $(PLAYGROUND_FIXTURE)/package-lock.json
	mkdir -p $(PLAYGROUND_NODE)
	cp $^ $(PLAYGROUND_NODE)/
	cd $(PLAYGROUND_NODE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

playground-node: $(PLAYGROUND_NODE)/.installed

# Otter-Grader, the contender of `kit bench grade`, in its own virtual environment (.cache/bench-otter, about
# 600 MB from the package index; after `make setup`). The benchmark installs it on first use too;
# tests/grading/test_bench_grade.py runs its part once it is installed and never downloads it.
bench-otter:
	$(BIN)/python -m kit.benchmarks.otter_peer

clean:
	rm -rf $(VENV) runs .cache
