# MyLittleKernel: `make demo` sets up and runs the main job; `make test` sets up and runs every check.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck pytest refine prove build run clean

setup:
	@./scripts/setup.sh

# The main job: build the kernel, boot it in QEMU, check that its traces refine the spec, prove the spec.
demo: setup
	$(BIN)/mlk build
	printf 'typed into the console\n' | $(BIN)/mlk run --deterministic --timeout 60
	$(BIN)/mlk refine
	$(BIN)/mlk-prove

# The whole test suite: lint, strict type checking, every test (QEMU boots included), and the
# refinement gate on the built-in scenarios and the proof gate.
test: setup lint typecheck pytest refine prove

prove:
	$(BIN)/mlk-prove

refine:
	$(BIN)/mlk refine

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
