# MyLittleKernel: `make demo` sets up and runs the main job; `make test` sets up and runs every check.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck pytest build run clean

setup:
	@./scripts/setup.sh

# The main job: build the kernel and boot it in QEMU (later: check refinement, prove).
demo: setup
	$(BIN)/mlk build
	$(BIN)/mlk run --deterministic --timeout 60

# The whole test suite: lint, strict type checking, then every test (QEMU boots included).
test: setup lint typecheck pytest

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

build: setup
	$(BIN)/mlk build

run: setup
	$(BIN)/mlk run --timeout 60

clean:
	rm -rf build .mypy_cache .ruff_cache .pytest_cache
