# gr-semjscc: `make demo` and `make test` set everything up first (idempotent).
VENV   ?= .venv
PY     := $(VENV)/bin/python
GRC_BLOCKS := $(CURDIR)/$(VENV)/share/gnuradio/grc/blocks

.PHONY: setup demo test bench grc train-models clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) -m semjscc demo --out out/demo

test: setup
	$(PY) -m pytest -q tests

bench: setup
	bash bench/run_all.sh

# GNU Radio Companion inside the venv, so flowgraphs it runs see torch and semjscc.
grc: setup
	GRC_BLOCKS_PATH=$(GRC_BLOCKS) $(PY) /usr/bin/gnuradio-companion gr-semjscc/*.grc

train-models: setup
	bash scripts/train_models.sh all

clean:
	rm -rf build out .pytest_cache
