#!/bin/sh
# Quick start 2: install what is missing, build, and run the whole test
# suite twice: in an ASan+UBSan build (Lua's memory from malloc, so that
# AddressSanitizer sees every block), then in the normal build.  Ends with
# Check's summary.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/install-deps.sh" || exit 1
cd "$top"
[ -x configure ] || ./bootstrap >/dev/null 2>&1 || exit 1
status=0
run_suite() { # dir, configure options
    dir=$1
    shift
    mkdir -p "$dir"
    (cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@" >configure.out 2>&1 || { cat configure.out; false; }; } && make -s -j"$(nproc)" >/dev/null &&
        make -s check >/dev/null 2>&1)
    rc=$?
    log="$dir/tests/regie-tests.log"
    if [ $rc -ne 0 ]; then
        status=1
        [ -f "$log" ] && grep -E ":[EF]:" "$log" | head -50
    fi
    echo "test build in $dir:"
    if [ -f "$log" ]; then
        grep -E "^[0-9]+%: Checks:" "$log" | tail -1
    else
        echo "0%: Checks: 0, Failures: 0, Errors: 1 (the suite did not build)"
    fi
}
ASAN_OPTIONS=detect_leaks=1 run_suite build-asan --enable-sanitizers --without-mimalloc
run_suite build
exit $status
