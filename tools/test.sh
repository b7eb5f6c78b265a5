#!/bin/sh
# Quick start 2: install what is missing, build, and run the whole test
# suite twice: in an ASan+UBSan build (Lua's memory from malloc, so that
# AddressSanitizer sees every block), then in the normal build; then the
# install check (make check-install: install into a temporary prefix and run
# every shipped workflow with the installed regie).  Ends with Check's
# summaries.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/install-deps.sh" --test || exit 1
cd "$top"
[ -x configure ] || ./bootstrap >/dev/null 2>&1 || exit 1
status=0
summaries=
run_suite() { # dir, configure options
    dir=$1
    shift
    mkdir -p "$dir"
    # configured before Check was installed (the quick start's first
    # command): configure again
    if [ -f "$dir/Makefile" ] && grep -q '^have_check = no' "$dir/Makefile"; then
        rm -f "$dir/Makefile"
    fi
    (cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@" >configure.out 2>&1 || { cat configure.out; false; }; } && make -s -j"$(nproc)" >/dev/null &&
        make -s check >/dev/null 2>&1)
    rc=$?
    log="$dir/tests/regie-tests.log"
    if [ $rc -ne 0 ]; then
        status=1
        [ -f "$log" ] && grep -E ":[EF]:" "$log" | head -50
    fi
    if [ -f "$log" ]; then
        line=$(grep -E "^[0-9]+%: Checks:" "$log" | tail -1)
    else
        line="0%: Checks: 0, Failures: 0, Errors: 1 (the suite did not build)"
    fi
    summaries="$summaries${summaries:+
}test build in $dir:
$line"
}
ASAN_OPTIONS=detect_leaks=1 run_suite build-asan --enable-sanitizers --without-mimalloc
run_suite build
# The installed tree, after the suites (its lines come before their summaries)
if [ -f build/Makefile ]; then
    (cd build && make -s -j"$(nproc)" check-install) || status=1
else
    echo "installcheck: not run (build/ was not configured)"
    status=1
fi
printf '%s\n' "$summaries"
exit $status
