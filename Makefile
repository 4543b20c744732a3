# The two commands a new user runs (see README.md):
#   make lab    set everything up, then open JupyterLab on notebooks/
#   make test   set everything up with the test tools, then run the whole suite
# Both are safe to repeat: the virtual environment is only reinstalled when
# pyproject.toml changes.

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
# Optional groups from pyproject.toml installed by `make test`.  CI adds
# `parity` (PyTorch, CPU build) for the autograd parity tests:
#   make test EXTRAS=test,parity
EXTRAS  ?= test
# JupyterLab refuses to run as root unless told it may (containers, CI).
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# Extra options for `jupyter lab`.  Behind a server or in a container, where no
# browser opens on this machine, for example:
#   make lab LAB_ARGS="--no-browser --ServerApp.ip=0.0.0.0 --ServerApp.port=8888"
# then open the http://127.0.0.1:8888/lab?token=... address it prints.
LAB_ARGS ?=
# `make test` runs the suite on this many workers (pytest-xdist), one test file or
# notebook per worker: JOBS=0 runs it in one process.
JOBS ?= 2
# One BLAS thread per worker (and per notebook kernel they start): with two workers on
# two cores, numpy's multi-threaded BLAS in each made notebook 06's training 3x slower.
BLAS_THREADS ?= 1

.PHONY: lab test setup setup-test graphviz lint unit notebooks navigation doctor clean \
        slides student html editions

# jupyter-config/ holds the course's JupyterLab defaults (Markdown pages such as
# 00_contents.md open rendered; no news or update checks, which need internet).
lab: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks \
	    --LabApp.default_url=/lab/tree/00_contents.md $(ROOT_FLAG) $(LAB_ARGS)

test: setup-test
	@start=$$(date +%s); \
	$(BIN)/ruff check . && \
	OPENBLAS_NUM_THREADS=$(BLAS_THREADS) OMP_NUM_THREADS=$(BLAS_THREADS) \
	MKL_NUM_THREADS=$(BLAS_THREADS) \
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/sanitize.cfg -n $(JOBS) --dist loadfile $(PYTEST_ARGS); \
	status=$$?; \
	echo "Test suite wall time: $$(( $$(date +%s) - start )) s"; \
	exit $$status

setup: $(VENV)/.installed graphviz
setup-test: $(VENV)/.installed-extras-$(EXTRAS) graphviz

$(BIN)/python:
	@bash tools/make_venv.sh "$(PYTHON)" "$(VENV)"

# --no-compile: Python compiles each module when it is first imported instead of pip
# compiling every file up front (PyTorch alone has thousands): the install takes half
# the time (measured: 56 s instead of 106 s for .[test,parity]).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --no-compile --progress-bar off -e .
	@touch $@

$(VENV)/.installed-extras-$(EXTRAS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --no-compile --progress-bar off -e '.[$(EXTRAS)]'
	@touch $@ $(VENV)/.installed

graphviz:
	@bash tools/ensure_graphviz.sh

# --- for course authors -------------------------------------------------
# Re-execute every notebook top to bottom in a fresh kernel and store the
# outputs, then rewrite the generated navigation cells.
# Every notebook is stored exactly as JupyterLab saves it (tools/jupyterlab_format.py),
# so opening and saving one without an edit changes nothing; tests check it.
notebooks: setup-test
	$(BIN)/python tools/run_notebooks.py notebooks/[0-9]*.ipynb
	$(BIN)/python tools/add_navigation.py
	$(BIN)/python tools/jupyterlab_format.py notebooks/[0-9]*.ipynb

navigation: setup-test
	$(BIN)/python tools/add_navigation.py

doctor: setup
	$(BIN)/python -m nblib.doctor

# --- editions: everything is written under build/ (git-ignored) ------------------
# Slides: a reveal.js deck per notebook, offline (needs npm once, for reveal.js and
# MathJax: tools/vendor_js.py).  Open build/slides/01_neuron.slides.html; S: speaker notes.
slides: setup-test
	$(BIN)/python tools/build_slides.py

# Student edition: the notebooks with every exercise solution replaced by a stub.
student: setup-test
	$(BIN)/python tools/student_edition.py build/student

# HTML site: every notebook as a page with its outputs, an index with the learning
# objectives, previous/next links; offline like the slides.  Open build/html/index.html.
html: setup-test
	$(BIN)/python tools/build_html.py

editions: slides student html

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache nblib.egg-info
