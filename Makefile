# Two-command quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Two workers on the 2-core CI machine; override with `make test PYTEST_WORKERS=0` to run serially.
PYTEST_WORKERS ?= 2

.PHONY: demo test test-all clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: setup.py $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.py $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(PY) experiments/node_classification/main.py --config=experiments/node_classification/configs/demo.py --workdir=workdir/demo

test: $(VENV)/.installed-test
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Includes the tests marked `slow` (full-size reproductions).
test-all: $(VENV)/.installed-test
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) workdir .pytest_cache
