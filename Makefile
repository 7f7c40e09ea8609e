# gr-semjscc: `make demo` and `make test` set everything up first (idempotent).
VENV   ?= .venv
PY     := $(VENV)/bin/python
GRC_BLOCKS := $(CURDIR)/$(VENV)/share/gnuradio/grc/blocks

.PHONY: setup demo test test-slow bench grc flowgraphs train-models clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) -m semjscc demo --out out/demo

# The fast suite (about half a minute); `make test-slow` runs the rest (end-to-end flowgraphs, GRC compiles,
# the CMake install, shipped-model quality checks). CI runs both.
test: setup
	$(PY) -m pytest -q -m "not slow" tests

test-slow: setup
	$(PY) -m pytest -q -m slow tests

bench: setup
	bash bench/run_all.sh

# GNU Radio Companion inside the venv, so flowgraphs it runs see torch and semjscc.
grc: setup
	GRC_BLOCKS_PATH=$(GRC_BLOCKS) $(PY) /usr/bin/gnuradio-companion gr-semjscc/*.grc

# Regenerate the flowgraphs' Python from the .grc files (GRC's grcc, inside the venv).
flowgraphs: setup
	cd gr-semjscc && for f in *.grc; do GRC_BLOCKS_PATH=$(CURDIR)/grc $(CURDIR)/$(PY) /usr/bin/grcc $$f || exit 1; done

train-models: setup
	bash scripts/train_models.sh all

clean:
	rm -rf build out .pytest_cache
