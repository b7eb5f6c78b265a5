#!/bin/sh
# Configure and build regie in the source tree (DIR=builddir for another tree,
# EXTRA= for more configure options).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] || ./bootstrap >/dev/null 2>&1
dir=${DIR:-build}
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
    # shellcheck disable=SC2086
    if ! "$top/configure" -q $EXTRA >configure.out 2>&1; then
        cat configure.out >&2
        exit 1
    fi
fi
make -s -j"$(nproc)" >/dev/null
