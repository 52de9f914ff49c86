# Set-up and everyday commands. Each target creates or updates its virtualenv first:
# .venv-serve holds the serving dependencies only (no TensorFlow); .venv holds everything.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SERVE_VENV := .venv-serve
DATA ?= ../shared/data/aclImdb_v1_labeled.tar.gz
PRESET ?= default
VERSION ?= 2.5.0

.PHONY: help serve train measure references test bench lock protos clean
.DEFAULT_GOAL := help

## List the targets (this); each line is the first line of the `##` comment above a target.
help:
	@awk '/^## / { if (!doc) doc = substr($$0, 4); next } \
	     /^[a-z][a-z-]*:/ && doc { printf "  make %-12s %s\n", substr($$1, 1, index($$1, ":") - 1), doc } \
	     { doc = "" }' $(MAKEFILE_LIST)

# Stamp files record the installs, so an edit to pyproject.toml re-installs.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[serve,train,bench,dev,score,ray,otel]'
	touch $@

$(SERVE_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SERVE_VENV)/bin/python -m pip install --quiet -e '.[serve]'
	touch $@

## Serve the shipped model on http://127.0.0.1:8000 (settings: SENTIMENT_* variables, see README).
serve: $(SERVE_VENV)/.installed
	$(SERVE_VENV)/bin/python -m app

## Train the default preset on the IMDB archives into models/imdb-sentiment.
## (Its model card gives the minutes of each stage on 2 cores.)
train: $(VENV)/.dev-installed
	$(BIN)/python -m training train --preset $(PRESET) --data $(DATA) --version $(VERSION)

BUNDLE ?= models/imdb-sentiment
REFERENCES := build/reference
REFERENCE_COMMITS := 1.0.0:7be758b 2.2.0:1b429bc
## Measure long reviews, explanation faithfulness and out-of-domain text into BUNDLE's card.
## (Beside the 1.0.0 and 2.2.0 bundles, taken from git history.)
measure: $(VENV)/.dev-installed references
	$(BIN)/python -m training.long_text --bundle $(BUNDLE) --data $(DATA) --update-card
	$(BIN)/python -m training.faithfulness --bundle $(BUNDLE) --data $(DATA) --update-card
	$(BIN)/python -m training.out_of_domain --bundle $(BUNDLE) --data $(DATA) \
		$(foreach pair,$(REFERENCE_COMMITS),--compare $(REFERENCES)/$(firstword $(subst :, ,$(pair)))) \
		--update-card

## Earlier shipped bundles, unpacked from git history into build/reference/VERSION.
references:
	@for pair in $(REFERENCE_COMMITS); do \
		dir=$(REFERENCES)/$${pair%%:*}; \
		[ -f $$dir/manifest.json ] || { mkdir -p $$dir && \
			git archive $${pair##*:} models/imdb-sentiment | tar -x -C $$dir --strip-components=2; }; \
	done

## Lint, type-check, check the import layers and run every test (the command CI runs).
test: $(VENV)/.dev-installed
	$(BIN)/ruff check app training tests benchmarks
	$(BIN)/ruff format --check app training tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest; status=$$?; [ $$status -eq 5 ] && echo "pytest collected no tests" && exit 1; exit $$status

## Benchmark the service beside its yardsticks (needs wrk: apt-get install wrk); see README.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks

PROTO := app/api/open_inference/vendor/grpc_predict_v2.proto

## Regenerate the gRPC modules of the Open Inference Protocol from their .proto (grpcio-tools).
## Their messages go into a descriptor pool of their own, not protobuf's default one, so that
## a process may also import tritonclient.grpc, whose grpc_service.proto names them alike.
protos: $(VENV)/.dev-installed
	$(BIN)/python -m grpc_tools.protoc -I . --python_out=. --pyi_out=. --grpc_python_out=. $(PROTO)
	sed -i 's/_descriptor_pool.Default().AddSerializedFile/_descriptor_pool.DescriptorPool().AddSerializedFile/' \
		$(PROTO:.proto=_pb2.py)

## Re-pin the serving image's requirements, with hashes, after pyproject.toml changes
## (requirements/serve.lock; the tests fail while it is stale).
lock: $(VENV)/.dev-installed
	$(BIN)/python scripts/serve_lock.py

## Remove the virtualenvs and the tools' caches.
clean:
	rm -rf $(VENV) $(SERVE_VENV) .pytest_cache .mypy_cache .ruff_cache
