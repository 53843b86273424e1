# Matrix Calculus for Machine Learning: every target sets up what it needs on a fresh machine.
#   make book    build the offline website      make test   everything CI checks
#   make lab     Jupyter Lab, explorer live     make serve  serve the built site on 127.0.0.1
#   make refresh re-execute notebooks in place  make bench  benchmarks + statistics pages
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTML := _build/html
PORT ?= 8000
# make book SOLUTIONS=hidden: the site for a course, without solutions (_ext/solutions.py).
SOLUTIONS ?= shown
# make book PDF=yes: the site with the whole book as one PDF beside it, linked from the intro page
# (make pdf builds the PDF alone; both need TeX Live: make texlive).
PDF ?= no
PDF_NAME := $(shell sed -n 's/^ *targetname: *\(.*\)\.tex *$$/\1.pdf/p' _config.yml)
PDF_FILE := _build/latex/$(PDF_NAME)
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)

.PHONY: install prereqs lock colab-check vendor book site site-nosolutions pdf pdf-test texlive chromium test lint unit nbval browser lab serve refresh bench clean

install: $(STAMP)

# What the machine lacks (Python >= 3.11 with venv, Node.js, npm), in one line, before any install.
prereqs:
	@bash scripts/check_prereqs.sh $$(test -x $(BIN)/python && echo $(BIN)/python || echo $(PYTHON))

# requirements.lock (hash-pinned, from requirements.txt by make lock), PyTorch's CPU build, mclib -e.
$(STAMP): requirements.lock requirements.txt pyproject.toml scripts/install_stack.sh | prereqs
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	bash scripts/install_stack.sh $(BIN)/python
	touch $@

# After a change to requirements.txt: re-resolve and re-hash the whole stack (uv, from PyPI).
lock: install
	bash scripts/lock.sh $(BIN)/python

vendor:
	bash scripts/vendor_js.sh

# A clean, forced build: Sphinx skips unchanged notebooks otherwise.
site: install vendor
	rm -rf _build
	MCML_SOLUTIONS=$(SOLUTIONS) MCML_PDF=$(if $(filter yes,$(PDF)),$(PDF_NAME)) \
	  $(BIN)/jupyter-book build . -W -n --keep-going --all
	node scripts/mathjax/prerender.mjs $(HTML)

# The course edition (make book SOLUTIONS=hidden) beside the reader's, for tests/test_solutions_hidden.py.
site-nosolutions: install vendor
	rm -rf _build/nosolutions
	MCML_SOLUTIONS=hidden $(BIN)/jupyter-book build . --path-output _build/nosolutions -W -n --keep-going --all
	node scripts/mathjax/prerender.mjs _build/nosolutions/_build/html

book: site
	@if [ "$(PDF)" = yes ]; then $(MAKE) --no-print-directory pdf; fi
	@echo "The book is at $(abspath $(HTML))/index.html (make serve to browse it on http://127.0.0.1:$(PORT))"

# The whole book as one PDF (Jupyter Book's LaTeX builder, xelatex; _ext/pdf_book.py, _latex/), in
# _build/latex and, when there is a site, beside its pages (linked when built by make book PDF=yes).
# SOLUTIONS=hidden leaves the solutions out, as for the site. About 2 min on the 2-core machine.
pdf: install texlive
	rm -rf _build/latex
	MCML_SOLUTIONS=$(SOLUTIONS) MCML_PDF= $(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going --all
	if [ -d $(HTML) ]; then cp $(PDF_FILE) $(HTML)/$(PDF_NAME); fi
	@echo "The PDF ($$(pdfinfo $(PDF_FILE) | sed -n 's/^Pages: *//p') pages) is at $(abspath $(PDF_FILE))"

# Builds the PDF, then checks it (tests/test_pdf.py): every chapter, no raw TeX, no '??', every glyph.
pdf-test: pdf
	MCML_SOLUTIONS=$(SOLUTIONS) $(BIN)/pytest tests/test_pdf.py -m pdf -q -p no:cacheprovider

# Debian's TeX Live, fonts and poppler-utils for make pdf (scripts/texlive.sh: apt-get when root).
texlive:
	@bash scripts/texlive.sh

# Debian's chromium drives the browser tests (never `playwright install`).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else echo "chromium is missing: run 'sudo apt-get install -y chromium'"; \
	    if [ "$${CI:-}" = true ]; then exit 1; fi; fi; \
	fi

# Besides ruff: the workflows (GitHub's schema, zizmor's offline audits), the package metadata
# (pyroma, at least 8/10) and CITATION.cff (cffconvert, in a venv of its own: it needs jsonschema 3,
# which the book's stack cannot take).
CFFCONVERT := $(VENV)/cffconvert/bin/cffconvert
$(CFFCONVERT):
	$(BIN)/python -m venv $(VENV)/cffconvert
	$(VENV)/cffconvert/bin/python -m pip install --quiet cffconvert==2.0.0

lint: install $(CFFCONVERT)
	$(BIN)/ruff check .
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --quiet .github/workflows
	$(BIN)/pyroma --min 8 --quiet .
	$(CFFCONVERT) --validate -i CITATION.cff

# The chapters as Colab runs them (scripts/colab_check.py): a venv with Colab-like versions, mclib
# installed by the chapters' own install cell. Several minutes: not part of make test.
colab-check: install
	$(BIN)/python scripts/colab_check.py $(NB)

unit: install
	$(BIN)/pytest tests -m "not site and not pdf" -n 2 -q

# Twice: with OpenBLAS's default threads and with one thread (another reduction order), so that
# a stored output that depends on rounding fails here rather than on a reader's machine.
NBVAL_RUN := $(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with nbval.cfg \
	  -n 2 --dist loadfile -p no:cacheprovider -q
nbval: install
	$(NBVAL_RUN) $(NOTEBOOKS)
	OPENBLAS_NUM_THREADS=1 $(NBVAL_RUN) $(NOTEBOOKS)

browser: install chromium
	$(BIN)/pytest tests -m site -n 2 -q

test: install vendor chromium lint unit nbval site site-nosolutions browser pdf-test
	@echo "make test: all checks passed"

lab: install
	$(BIN)/jupyter lab --notebook-dir=book $(LAB_ARGS) $$([ "$$(id -u)" = 0 ] && echo --allow-root)

serve:
	@test -f $(HTML)/index.html || { echo "no site yet: run make book"; exit 1; }
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory $(HTML) $(PORT)

refresh: install
	$(BIN)/python scripts/refresh_notebooks.py $(NB)

# All benchmarks, or some: make bench BENCH="site notebooks". bench_site measures the built site,
# so the site is built first; the two pages that show the results are re-executed at the end.
bench: site chromium
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/run.py $(BENCH)
	$(BIN)/python scripts/refresh_notebooks.py book/execution-stats.ipynb book/benchmarks.ipynb
	@echo "results: benchmarks/results/*.json; make book shows them on the website"

clean:
	rm -rf _build test-artifacts .pytest_cache
