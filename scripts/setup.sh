#!/usr/bin/env bash
# Set up everything MyLittleKernel needs on a Debian machine, idempotently:
#   - Debian packages: qemu-system-arm (qemu-system-aarch64, to boot the kernel) and gdb-multiarch
#     (to debug it with `mlk run --gdb`), graphviz (the spec browser's state diagrams, `mlk docs`) and
#     chromium (the spec browser's headless-browser test), installed only when missing (needs root or
#     sudo);
#   - a virtual environment in .venv with the package (editable) and its test extras, reinstalled
#     only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v gdb-multiarch >/dev/null 2>&1 || missing+=(gdb-multiarch)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "setup: ${missing[*]} missing and neither root nor sudo is available to install them" >&2
        exit 1
    fi
    echo "setup: installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($python --version)"
    "$python" -m venv .venv
fi
stamp=.venv/.mlk-setup
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing mylittlekernel and its test extras into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    echo "$want" > "$stamp"
fi
