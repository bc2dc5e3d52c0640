# gauss_flows: the book and its library.
#   make book     set up .venv from requirements.txt, execute every notebook once, build _build/html
#   make test     set up .venv, run the library tests, build the book (executing the notebooks
#                 under nbmake) and test the built site in headless Chromium
#   make test-lab the live explorers in a real JupyterLab, in headless Chromium (opt-in)
#   make lab      open the notebooks in JupyterLab (live explorers); prints the URL to open
#   make notebook-filter   install the git filter that keeps stored notebooks output-free
#                 (done by the set-up inside a git checkout)
#   make student  write the student edition (solutions removed) to _build/student/ and a zip
#   make bench    run the benchmarks and write benchmarks/RESULTS.md
#   make grade SUBMISSIONS=path/to/folder
#                 grade a class: run every handed-in notebook under the folder (one subfolder
#                 per student, or files named <student>__<notebook>.ipynb) in its own kernel,
#                 scratch directory and time limit (GRADE_TIME_LIMIT s, default 300), no network;
#                 writes _build/grades/ (grades.csv, summary.csv/html, feedback/<student>.html)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Jupyter Book always writes into <path-output>/_build, so the build folder is _build.
BUILD := _build
SRC := $(BUILD)/src
HTML := $(BUILD)/html
WORKERS ?= 2
# JAX's persistent compilation cache, shared by every process a target starts (test workers,
# notebook kernels, the student edition's runs, graded hand-ins): a program compiled once is
# read back the next time instead of compiled again. Measured on 0·01 (2 cores): 27 s with an
# empty cache (no slower than without one), 20 s with a warm one. Small programs are the
# notebooks' usual case, hence no minimum compile time or size. `make clean` empties it.
export JAX_COMPILATION_CACHE_DIR ?= $(abspath $(BUILD))/jax-cache
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS ?= 0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES ?= 0

.PHONY: all venv book test test-lib test-site test-lab lab student bench grade clean notebook-filter

all: book

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(MAKE) --no-print-directory notebook-filter
	touch $(STAMP)

venv: $(STAMP)

# Notebooks are stored without outputs: nbstripout, as git's clean filter for *.ipynb
# (.gitattributes), strips outputs, execution counts and what a run adds to the metadata
# from what git stores and compares, so running a lesson leaves `git status` clean. The cell
# ids stay (--keep-id), the kernelspec stays the one every notebook is stored with (the
# venv's ipykernel "python3"), language_info keeps only its name. Outside a git checkout
# (a downloaded archive) there is nothing to install.
NBSTRIPOUT_KEYS := metadata.language_info.codemirror_mode metadata.language_info.file_extension \
  metadata.language_info.mimetype metadata.language_info.nbconvert_exporter \
  metadata.language_info.pygments_lexer metadata.language_info.version \
  cell.metadata.jp-MarkdownHeadingCollapsed cell.metadata.trusted
notebook-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  $(PY) -m nbstripout --install --attributes .gitattributes; \
	  git config filter.nbstripout.clean '"$(abspath $(PY))" -m nbstripout --keep-id'; \
	  git config diff.ipynb.textconv '"$(abspath $(PY))" -m nbstripout --keep-id -t'; \
	  git config filter.nbstripout.extrakeys "$(NBSTRIPOUT_KEYS)"; \
	  echo "nbstripout: git stores notebooks without outputs (filter installed)"; \
	else echo "nbstripout: not a git checkout, no filter to install"; fi

# The benchmarks' peer (FlowJAX) goes into the same venv for `make bench` and for the test that
# runs the benchmark on a tiny setting; gauss_flows itself never depends on it.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) benchmarks/requirements.txt
	$(PY) -m pip install --quiet -r benchmarks/requirements.txt
	touch $(BENCH_STAMP)

# --dist loadgroup is meant to keep a module marked xdist_group (test_grading.py) in one worker, so that its
# module-scoped fixtures run once; with pytest 9 and pytest-xdist 3.8 it does not group (measured: both workers
# graded the class). It does no harm, and groups again once xdist follows pytest 9's node ids. Meanwhile each
# expensive fixture (the benchmarks' tiny run, each graded class) is used by ONE test, so it runs once.
test-lib: $(STAMP) $(BENCH_STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup --durations=25 -m "not site" tests

# The book: stage the sources in _build/src, execute each notebook ONCE there (nbmake; a
# cell error fails the build; explorers render their static, precomputed form), then build
# the site with execution off and every Sphinx warning, broken reference or missing
# citation as an error, then make the site's notebook downloads the student edition.
book: $(STAMP)
	@command -v npm >/dev/null || (apt-get update && apt-get install -y npm)
	@start=$$(date +%s); \
	$(PY) -m gauss_flows.course.site.stage --root . --out $(SRC) --cache $(BUILD)/vendor; \
	if compgen -G "$(SRC)/notebooks/*/*.ipynb" >/dev/null; then \
	  echo "== executing the notebooks (nbmake, $(WORKERS) workers) =="; \
	  (cd $(SRC) && GAUSS_FLOWS_STATIC=1 JAX_PLATFORMS=cpu PYDEVD_DISABLE_FILE_VALIDATION=1 \
	    $(abspath $(PY)) -m pytest -p gauss_flows.course.site.nbmake_collect --nbmake --nbmake-timeout=600 --overwrite -n $(WORKERS) \
	    --durations=0 -q notebooks); \
	else echo "== no notebooks to execute =="; fi; \
	executed=$$(date +%s); \
	rm -rf $(HTML); \
	$(VENV)/bin/jupyter-book build $(SRC) --path-output . --builder html -W -n --keep-going; \
	$(PY) -m gauss_flows.course.site.postbuild --root . --html $(HTML); \
	end=$$(date +%s); \
	echo "book: staged and executed the notebooks in $$((executed - start)) s, built the site in $$((end - executed)) s, total $$((end - start)) s -> $(HTML)/index.html"

# Browser tests of the built site (and the student edition executed): run `make book` first.
test-site: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	$(PY) -m pytest -n $(WORKERS) --durations=15 -m site tests/site tests/test_student.py

# The live explorers in a real JupyterLab (three notebooks run with Run All, every kind of
# control moved): opt-in, run it on a quiet machine (see tests/site/test_jupyterlab.py).
test-lab: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	GAUSS_FLOWS_LAB_TEST=1 $(PY) -m pytest -m site tests/site/test_jupyterlab.py

test: test-lib
	$(MAKE) book
	$(MAKE) test-site

student: $(STAMP)
	$(PY) -m gauss_flows.course.site.student --notebooks notebooks --out $(BUILD)/student --zip $(BUILD)/student.zip

SUBMISSIONS ?=
GRADE_TIME_LIMIT ?= 300
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/folder (one subfolder per student, or files named <student>__<notebook>.ipynb)" >&2; exit 2; }
	$(PY) -m gauss_flows.course.grading "$(SUBMISSIONS)" --notebooks notebooks --root . --out $(BUILD)/grades \
	  --time-limit $(GRADE_TIME_LIMIT) --workers $(WORKERS)

# JupyterLab on this machine only; as root (Docker, CI machines) it needs --allow-root.
# It prints the URL (with its token) to open; LAB_ARGS adds options (e.g. --port=8899).
LAB_ARGS ?=
lab: $(STAMP)
	@echo "Starting JupyterLab on http://localhost (the URL with its token follows; open it in a browser)."
	cd notebooks && $(abspath $(VENV))/bin/jupyter lab --ip=127.0.0.1 --no-browser \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(BUILD)
