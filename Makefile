PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test train-ner bench bench-crawl bench-extract sample-site clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with test tools

run: install  ## crawl the bundled sample site into data/incidents.duckdb
	$(PY) -m pipeline run

test: install  ## run the whole test suite
	$(PY) -m pytest -q

train-ner: install  ## train the NorNE NER model into data/models/ (not part of make test)
	$(PY) -m pipeline train-ner --train-on-dev --members 5 --jobs 2

bench: install  ## processing benchmark (BENCH_SIZES="1000 5000"): bare vs process_full vs process; writes bench/results.json
	$(PY) -m bench.process_bench

bench-crawl: install  ## crawl benchmark: 20 local hosts x 100 articles; writes bench/crawl-results.json
	$(PY) -m bench.crawl_bench

bench-extract: install  ## extraction speed over 1,000 articles vs the NER model alone; writes bench/extract-results.json
	$(PY) -m bench.extract_bench

sample-site: install  ## re-render data/sample-site/ from data/sample-articles/
	$(PY) -m pipeline build-sample-site

clean:
	rm -rf $(VENV) data/incidents.duckdb data/incidents.duckdb.wal
