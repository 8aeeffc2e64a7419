#!/usr/bin/env bash
# The pytest half of `make test` (`make unit` + `make integration`) on every other
# supported CPython found on this machine, each in its own venv (.venv-3.X, with the
# `test` extra only). The default interpreter is left out: `make test` runs it, with
# lint and type checks too. A supported version that is not installed is reported and
# skipped, not a failure.
#
#   scripts/test-pythons.sh          say which versions are missing, then run the others
#   scripts/test-pythons.sh --plan   only say what would run and what is missing
#   scripts/test-pythons.sh --list   the supported interpreters found, "3.X path" a line
#
# Environment: SUPPORTED (the versions, from PYTHONS in the Makefile: `make test-pythons`,
# `make pythons`), PY (the default interpreter, default python3), PYENV_ROOT (~/.pyenv).
set -uo pipefail
cd "$(dirname "$0")/.."

supported=${SUPPORTED:?"set by the Makefile: make test-pythons (or make pythons)"}
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
make=${MAKE:-make}
mode=${1:-all}
case $mode in
all | --plan | --list) ;;
*)
    echo "usage: $0 [--plan | --list]" >&2
    exit 2
    ;;
esac

# "3.X" for a runnable CPython, nothing otherwise.
version_of() {
    "$1" -c 'import sys
if sys.implementation.name == "cpython":
    print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# The first runnable CPython 3.X: python3.X on PATH (a pyenv shim of a version that is
# not selected fails to run and is passed over), then pyenv's builds, newest first.
find_python() {
    local want=$1 candidate
    local candidates=()
    if candidate=$(command -v "python$want" 2>/dev/null); then
        candidates+=("$candidate")
    fi
    while IFS= read -r candidate; do
        candidates+=("$candidate/bin/python3")
    done < <(printf '%s\n' "$pyenv_root/versions/$want".* | grep -E "/$want\.[0-9]+$" | sort -rV)
    for candidate in "${candidates[@]}"; do
        if [ -x "$candidate" ] && [ "$(version_of "$candidate")" = "$want" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

default_py=${PY:-python3}
default=$(version_of "$default_py")
found=()   # "3.X path", other than the default
missing=() # "3.X"
for version in $supported; do
    if [ "$version" = "$default" ]; then
        continue
    fi
    if path=$(find_python "$version"); then
        found+=("$version $path")
    else
        missing+=("$version")
    fi
done

if [ "$mode" = --list ]; then
    if [ -n "$default" ]; then
        echo "$default $default_py"
    fi
    for entry in "${found[@]}"; do
        echo "$entry"
    done
    exit 0
fi

if [ "$mode" = --plan ]; then
    if [ -n "$default" ]; then
        echo "Python $default: $default_py, the default interpreter: make test"
    fi
    for entry in "${found[@]}"; do
        echo "Python ${entry%% *}: ${entry#* }: make unit integration in .venv-${entry%% *}"
    done
fi
for version in "${missing[@]}"; do
    echo "Python $version: not found (no runnable python$version on PATH" \
        "or in $pyenv_root/versions/$version.*): skipped"
done
if [ "$mode" = --plan ]; then
    exit 0
fi

passed=()
failed=()
for entry in "${found[@]}"; do
    version=${entry%% *}
    path=${entry#* }
    echo "== Python $version ($path): make unit integration in .venv-$version"
    if "$make" --no-print-directory -k unit integration \
        PY="$path" VENV=".venv-$version" EXTRAS=test; then
        passed+=("$version")
    else
        failed+=("$version")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "test-pythons: failed on Python ${failed[*]}; passed on: ${passed[*]:-none}" >&2
    exit 1
fi
