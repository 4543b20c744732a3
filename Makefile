# The two commands a new user runs (see README.md):
#   make lab    set everything up, then open JupyterLab on notebooks/
#   make test   set everything up with the test tools, then run the whole suite
# Both are safe to repeat: the virtual environment is only reinstalled when
# pyproject.toml changes.  Everything else (make lab-student, student, slides, html,
# html-instructor, doctor, notebooks) needs only the course's own packages: it installs
# nothing more, and after `make test` (with any EXTRAS) it installs nothing again.

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
# The folder JupyterLab opens: the course (instructor edition) by default; `make
# lab-student` opens the student edition in build/student instead.
LAB_ROOT ?= notebooks
# Settings folders read before the course's jupyter-config/ (each ending in ":"):
# `make present` adds the presenter's.
LAB_CONFIG ?=
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

.PHONY: lab lab-student present test setup setup-test graphviz lint unit notebooks navigation doctor \
        clean slides student html html-instructor editions

# jupyter-config/ holds the course's JupyterLab defaults (Markdown pages such as
# 00_contents.md open rendered; no news or update checks, which need internet).
lab: setup
	JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$(CURDIR)/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	$(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_ROOT) \
	    --LabApp.default_url=/lab/tree/00_contents.md $(ROOT_FLAG) $(LAB_ARGS)

# The student edition (exercise answers taken out), written afresh, then opened.
lab-student: student
	@$(MAKE) --no-print-directory lab LAB_ROOT=build/student

# Present live (README, "Present live"): `make lab` plus the presenter's settings in
# jupyter-config/present/ (autosave off, so presenting does not write to the notebooks).
present: setup
	@$(MAKE) --no-print-directory lab LAB_CONFIG="$(CURDIR)/jupyter-config/present:"

test: setup-test
	@start=$$(date +%s); \
	$(BIN)/ruff check . && \
	OPENBLAS_NUM_THREADS=$(BLAS_THREADS) OMP_NUM_THREADS=$(BLAS_THREADS) \
	MKL_NUM_THREADS=$(BLAS_THREADS) \
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/sanitize.cfg -n $(JOBS) --dist loadfile \
	    --no-loadscope-reorder $(PYTEST_ARGS); \
	status=$$?; \
	echo "Test suite wall time: $$(( $$(date +%s) - start )) s"; \
	exit $$status

setup: $(VENV)/.installed graphviz

# The test set-up installs the optional groups in EXTRAS that are missing, in one pip
# call, and records each group installed (.installed-extra-NAME): after
# `make test EXTRAS=test,parity`, a plain `make test` installs nothing again.
comma := ,
EXTRA_NAMES := $(subst $(comma), ,$(EXTRAS))
setup-test: graphviz | $(BIN)/python
	@stale=; for extra in $(EXTRA_NAMES); do \
	    [ "$(VENV)/.installed-extra-$$extra" -nt pyproject.toml ] || stale=1; \
	done; \
	if [ -n "$$stale" ]; then \
	    echo "$(BIN)/python -m pip install --no-compile --progress-bar off -e '.[$(EXTRAS)]'" && \
	    $(BIN)/python -m pip install --no-compile --progress-bar off -e '.[$(EXTRAS)]' && \
	    for extra in $(EXTRA_NAMES); do touch "$(VENV)/.installed-extra-$$extra"; done && \
	    touch $(VENV)/.installed; \
	fi

$(BIN)/python:
	@bash tools/make_venv.sh "$(PYTHON)" "$(VENV)"

# --no-compile: Python compiles each module when it is first imported instead of pip
# compiling every file up front (PyTorch alone has thousands): the install takes half
# the time (measured: 56 s instead of 106 s for .[test,parity]).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --no-compile --progress-bar off -e .
	@touch $@

graphviz:
	@bash tools/ensure_graphviz.sh

# --- for course authors -------------------------------------------------
# Re-execute every notebook top to bottom in a fresh kernel and store the
# outputs, then rewrite the generated navigation cells.
# Every notebook is stored exactly as JupyterLab saves it (tools/jupyterlab_format.py),
# so opening and saving one without an edit changes nothing; tests check it.
# NOTEBOOKS=notebooks/03_log_loss.ipynb re-runs only the notebooks named.
NOTEBOOKS ?= notebooks/[0-9]*.ipynb
notebooks: setup
	$(BIN)/python tools/run_notebooks.py $(NOTEBOOKS)
	$(BIN)/python tools/add_navigation.py
	$(BIN)/python tools/jupyterlab_format.py $(NOTEBOOKS)

navigation: setup
	$(BIN)/python tools/add_navigation.py

doctor: setup
	$(BIN)/python -m nblib.doctor

# --- editions: everything is written under build/ (git-ignored) ------------------
# Slides: a reveal.js deck per notebook, offline (needs npm once, for reveal.js and
# MathJax: tools/vendor_js.py).  Open build/slides/01_neuron.slides.html; S: speaker notes.
slides: setup
	$(BIN)/python tools/build_slides.py

# Student edition: the notebooks with every exercise solution replaced by a stub.
student: setup
	$(BIN)/python tools/student_edition.py build/student

# HTML site: every notebook as a page with its outputs, an index with the learning
# objectives, previous/next links; offline like the slides.  Open build/html/index.html.
# `make html` publishes the student edition (no solutions, no presenter's notes);
# `make html-instructor` writes the instructors' site, with both, to build/html-instructor/.
html: setup
	$(BIN)/python tools/build_html.py

html-instructor: setup
	$(BIN)/python tools/build_html.py --instructor

editions: slides student html html-instructor

# --- grading a class (README, "Grade a class") ---------------------------------------
# make grade SUBMISSIONS=folder: every student-edition notebook in the folder (alice.ipynb,
# or bob/01_neuron.ipynb), each in a fresh kernel of its own, GRADE_JOBS at once (default:
# one per core); writes build/grades/gradebook.csv and build/grades/report.html.
# GRADE_ARGS passes more, e.g. GRADE_ARGS="--time-limit 600 --memory-limit 8192".
GRADE_JOBS ?=
GRADE_ARGS ?=
.PHONY: grade
grade: setup
	@[ -n "$(SUBMISSIONS)" ] || { echo "make grade SUBMISSIONS=folder: say which folder holds \
	the students' notebooks"; exit 2; }
	OPENBLAS_NUM_THREADS=$(BLAS_THREADS) OMP_NUM_THREADS=$(BLAS_THREADS) \
	MKL_NUM_THREADS=$(BLAS_THREADS) \
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --out build/grades \
	    $(if $(GRADE_JOBS),--jobs $(GRADE_JOBS)) $(GRADE_ARGS)

# --- the repository address ---------------------------------------------------------
# One setting, pyproject.toml's [project.urls] Repository, written into README.md's Binder
# badge and nbgitpuller links and deploy/zero-to-jupyterhub/config.yaml by
# tools/course_links.py (standard library only: needs no environment).  Set it with
#   make links REPOSITORY=https://github.com/you/nn-from-scratch
# `make links` alone rewrites them from the current setting.
.PHONY: links
links:
	$(PYTHON) tools/course_links.py $(if $(REPOSITORY),--repository "$(REPOSITORY)")

# --- the spreadsheet companion ------------------------------------------------------
# Notebooks 01 and 03 as live formulas: build/spreadsheets/01_neuron.xlsx and
# 03_logistic_regression.xlsx, written by tools/spreadsheets.py with openpyxl (in the `test`
# extra, with the `formulas` engine its tests recalculate them with).  Students download
# the copies in notebooks/spreadsheets/, which tests/test_spreadsheets.py checks against
# the tool; after changing it: .venv/bin/python tools/spreadsheets.py notebooks/spreadsheets
.PHONY: spreadsheets
spreadsheets: setup-test
	$(BIN)/python tools/spreadsheets.py build/spreadsheets

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache nblib.egg-info
