#!/bin/sh
# make installcheck: run every shipped workflow with the installed regie, as
# a user would (from a directory of their own, on copies of the example
# data, with nothing but the built-in defaults), and compare every file it
# writes with the same run of the uninstalled regie in the build tree, byte
# for byte.  A script, workflow or plugin left out of the install makes the
# installed run fail or differ.  Then the example test of a plugin against
# the mock host (doc/examples/csv_write_test.c) is built with the installed
# headers, pkg-config files and libregie-mock only, and run: a file of the
# mock host left out of the install makes it fail.  So is the skeleton
# that `regie plugin new` writes, which is then installed and run.
#
# usage: installcheck.sh INSTALLED_REGIE BUILD_REGIE SRCDIR [PKGCONFIGDIR]
# (without PKGCONFIGDIR the mock host is not tried: two builds compared)
# (environment: CC, PKG_CONFIG)
# Prints "installcheck: N workflow runs ..." and exits 0 when all agree.
set -u
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 INSTALLED_REGIE BUILD_REGIE SRCDIR [PKGCONFIGDIR]" >&2
    exit 64
fi
inst=$1
built=$2
src=$3
pcdir=${4:-}
if [ ! -x "$inst" ]; then
    echo "installcheck: $inst does not exist: run make install first" >&2
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/regie-installcheck.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
# the defaults of each binary, not the caller's settings
unset REGIE_CONFIG REGIE_PLUGIN_PATH REGIE_SCRIPT_PATH REGIE_WORKFLOW_PATH REGIE_DB \
    XDG_DATA_HOME SOURCE_DATE_EPOCH
HOME=$work/home
export HOME
mkdir -p "$HOME"

status=0
runs=0
fail() {
    echo "installcheck: FAIL: $*" >&2
    status=1
}

# run SIDE WANT DIR ARGS...: regie of SIDE (inst or built) in DIR/SIDE, with
# its own store; the exit status must be WANT.  stderr goes to DIR/SIDE.log.
run() {
    side=$1
    want=$2
    dir=$3
    shift 3
    case $side in
    inst) bin=$inst ;;
    *) bin=$built ;;
    esac
    (cd "$work/$dir/$side" && REGIE_DB="$work/$dir/$side.db" "$bin" "$@" \
        >>"$work/$dir/$side.out" 2>>"$work/$dir/$side.log")
    rc=$?
    runs=$((runs + 1))
    if [ $rc -ne "$want" ]; then
        fail "$dir: $side regie $*: exit $rc, expected $want; its messages:"
        sed 's/^/    /' "$work/$dir/$side.log" >&2
        return 1
    fi
    return 0
}

# stage DIR EXAMPLE: a copy of examples/EXAMPLE for each side
stage() {
    for side in inst built; do
        mkdir -p "$work/$1/$side"
        cp "$src/examples/$2"/* "$work/$1/$side/" || fail "cannot copy examples/$2"
    done
}

# run-summary.txt, with the run's duration and id taken out
summary() {
    sed -e 's/^seconds: .*/seconds: -/' -e 's/[0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{4,\}/RUN/g' "$1"
}

# same DIR OUT [LABEL]: DIR/inst/OUT and DIR/built/OUT hold the same files
# with the same bytes (the engine's own run state, .regie/, aside, and
# run-summary.txt compared without its duration and run id)
same() {
    a=$work/$1/inst/$2
    b=$work/$1/built/$2
    label=${3:-$1}
    if [ ! -d "$b" ] || [ -z "$(ls "$b")" ]; then
        fail "$label: the build tree's run wrote nothing in $2"
        return
    fi
    # (the tender report names its own run and the head of its audit log:
    # the lines that do differ from run to run)
    if ! diff -r -x .regie -x run-summary.txt -I 'id="run-id"' -I 'id="audit-head"' \
        -I 'Dit proces-verbaal hoort bij de run' "$a" "$b" >"$work/diff" 2>&1; then
        fail "$label: the installed regie's outputs differ from the build tree's:"
        head -40 "$work/diff" >&2
        return
    fi
    if ! summary "$a/run-summary.txt" >"$work/sum-inst" ||
        ! summary "$b/run-summary.txt" >"$work/sum-built" ||
        ! diff "$work/sum-inst" "$work/sum-built" >"$work/diff" 2>&1; then
        fail "$label: the installed regie's run-summary.txt differs from the build tree's:"
        head -40 "$work/diff" >&2
        return
    fi
    n=$(cd "$b" && find . -path ./.regie -prune -o -type f -print | wc -l)
    echo "installcheck: $label: $n output files identical"
}

run_id() { # the run id a run or resume printed in DIR/SIDE.log
    sed -n 's/^regie: run \([^ ]*\) recorded in .*/\1/p' "$work/$1/$2.log" | tail -1
}

check_demo() {
    stage demo demo
    for side in inst built; do
        run $side 0 demo run demo --set costs=costs.csv --out out
    done
    same demo out
}

check_tender() {
    stage tender tender
    args="--set tender=tender.ini --set criteria=criteria.csv --set bids=bids.csv \
--set ko=ko.csv --set scores=scores.csv"
    for side in inst built; do
        # shellcheck disable=SC2086
        run $side 3 tender run tender-evaluation $args --out out &&
            cp -R "$work/tender/$side/out" "$work/tender/$side/out-waiting"
    done
    same tender out-waiting "tender-evaluation (waiting for the interviews)"
    for side in inst built; do
        id=$(run_id tender $side)
        if [ -z "$id" ]; then
            fail "tender: the $side run printed no run id"
            continue
        fi
        run $side 0 tender resume "$id" --set interviews=interviews.csv
    done
    same tender out "tender-evaluation (resumed with the interviews)"
    # the interviews given at the start: the run does not wait
    for side in inst built; do
        # shellcheck disable=SC2086
        run $side 0 tender run tender-evaluation $args --set interviews=interviews.csv \
            --out out-direct
    done
    same tender out-direct "tender-evaluation (with the interviews from the start)"
}

check_stakeholders() {
    stage stakeholders stakeholders
    for side in inst built; do
        run $side 0 stakeholders run stakeholder-analysis --set analysis=analysis.ini \
            --set stakeholders=stakeholders.csv --set channels=channels.csv --out out &&
            run $side 0 stakeholders run stakeholder-analysis --set analysis=analysis.ini \
                --set stakeholders=stakeholders.csv --set previous=out/classification.csv \
                --out out-compared
    done
    same stakeholders out stakeholder-analysis
    same stakeholders out-compared "stakeholder-analysis (compared with the first run)"
}

check_sla() {
    stage sla sla
    # out-may (26 May) is not compared with the June run before it in the
    # side's store (not an earlier report date: no trend.csv); out-trend is
    # compared with out-may (its period.csv names 26 May, before 1 June)
    for side in inst built; do
        run $side 0 sla run service-levels --set sla=sla.ini --set requests=requests.csv \
            --set ratings=ratings.csv --set faq=faq.csv --out out &&
            run $side 0 sla run service-levels --set sla=sla.ini --set requests=requests.csv \
                --set ratings=ratings.csv --set report_date=2026-05-26 --out out-may &&
            run $side 0 sla run service-levels --set sla=sla.ini --set requests=requests.csv \
                --set ratings=ratings.csv --set previous=out-may/summary.csv --out out-trend
    done
    same sla out service-levels
    same sla out-may "service-levels (report date given on the command line)"
    same sla out-trend "service-levels (compared with the run of 26 May)"
}

check_regional() {
    stage regional regional
    for side in inst built; do
        run $side 0 regional run regional-monitor --set monitor=monitor.ini --set milestones=milestones.csv \
            --set updates=updates.csv --set deployments=deployments.csv --out out &&
            run $side 0 regional run regional-monitor --set monitor=monitor.ini \
                --set milestones=milestones.csv --set updates=updates.csv --set deployments=deployments.csv \
                --out out-again
    done
    same regional out regional-monitor
    same regional out-again "regional-monitor (a re-run of 2026-Q2: not compared with the earlier run)"
}

# E1 of the domain reference (examples/event/onderwijsdag): registrations,
# go/no-go at the deadline (passed: --today after the event), invitations,
# attendance, evaluation and meetings; the decision must be GO
check_event() {
    stage event event/onderwijsdag
    for side in inst built; do
        run $side 0 event run event-organisation --set event=event.ini \
            --set registrations=registrations.csv --set attendance=attendance.csv \
            --set evaluations=evaluations.csv --set meetings=meetings.csv \
            --today 2024-04-05 --out out
    done
    same event out event-organisation
    if [ "$(head -1 "$work/event/inst/out/decision.txt" 2>/dev/null)" != GO ]; then
        fail "event-organisation: the installed regie's decision.txt does not start with GO"
    fi
}

# The console's notifications (regie serve runs console-notify): a notices
# table of three kinds; the letters and the .eml files of the outbox
# (send = no) must be the same, the Date and Message-ID headers aside.
check_notify() {
    for side in inst built; do
        mkdir -p "$work/notify/$side"
        printf '%s\n' 'kind,run_id,workflow,step,what,due,link,user,email' \
            'waiting,R1,tender-evaluation,await_interviews,input interviews,,http://localhost:8080/task/R1/await_interviews,alice,alice@example.org' \
            'overdue,R2,later,until,,2020-06-01,http://localhost:8080/task/R2/until,olga,olga@example.org' \
            'failed,R3,boom,,,,http://localhost:8080/run/R3,bram,bram@example.org' \
            >"$work/notify/$side/notices.csv"
        run $side 0 notify run console-notify --set notices=notices.csv --out out
        for f in "$work/notify/$side/out/"*.eml; do
            sed -e '/^Date: /d' -e '/^Message-ID: /d' -e 's/=_regie_\(mixed\|alt\)_[0-9a-f]*/BOUNDARY/g' \
                "$f" >"$f.x" && mv "$f.x" "$f"
        done
    done
    if [ "$(ls "$work/notify/inst/out/"*.eml 2>/dev/null | wc -l)" -ne 3 ]; then
        fail "console-notify: the installed regie wrote $(ls "$work/notify/inst/out" | tr '\n' ' '), expected 3 .eml files"
    fi
    same notify out console-notify
}

# Every workflow shipped in etc/workflows/ must have its case here, and be
# listed by the installed regie.
listed=$(cd "$work" && "$inst" workflows 2>&1 | cut -f1 | tr '\n' ' ')
# and from where it is installed, not from the source tree
case $(cd "$work" && "$inst" workflows 2>&1 | cut -f2) in
*"$src/etc/workflows/"*) fail "$inst reads the workflows of the source tree $src (it runs as uninstalled)" ;;
esac
# Every workflow and Lua script of the source tree is installed (a file
# left out of Makefile.am's lists is named here, even when no run of the
# checks below reaches it).
wfdir=$(cd "$work" && "$inst" workflows 2>/dev/null | cut -f2 | sed -n '1s#/[^/]*$##p')
if [ -z "$wfdir" ]; then
    fail "the installed regie lists no workflows"
else
    for f in $(cd "$src" && ls etc/workflows/*.ini etc/house-style.ini && find scripts -type f -name '*.lua'); do
        case $f in
        etc/workflows/*) want=$wfdir/${f#etc/workflows/} ;;
        etc/*) want=$wfdir/../${f#etc/} ;;
        *) want=$wfdir/../$f ;;
        esac
        [ -f "$want" ] || fail "$f is not installed (no $want): add it to Makefile.am's lists"
    done
fi
# The plugin test of doc/plugin-testing.md, built as a plugin author
# builds it, from the installed files alone (PKG_CONFIG_LIBDIR: no other
# .pc file is found).
check_mock_host() {
    mkdir -p "$work/mock"
    pc="env PKG_CONFIG_LIBDIR=$pcdir ${PKG_CONFIG:-pkg-config}"
    if ! flags=$($pc --cflags --libs regie-mock 2>"$work/mock/log") ||
        ! libdir=$($pc --variable=libdir regie-mock 2>>"$work/mock/log"); then
        fail "no installed regie-mock.pc (or regie.pc) in $pcdir:"
        sed 's/^/    /' "$work/mock/log" >&2
        return
    fi
    # shellcheck disable=SC2086
    if ! ${CC:-cc} -o "$work/mock/csv_write_test" "$src/doc/examples/csv_write_test.c" \
        "$src/plugins/csv-write/csv_write.c" $flags >"$work/mock/log" 2>&1; then
        fail "doc/examples/csv_write_test.c does not build against the installed regie-mock:"
        sed 's/^/    /' "$work/mock/log" >&2
        return
    fi
    if ! (cd "$work/mock" && LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        ./csv_write_test) >"$work/mock/log" 2>&1; then
        fail "doc/examples/csv_write_test.c fails against the installed regie-mock:"
        sed 's/^/    /' "$work/mock/log" >&2
        return
    fi
    echo "installcheck: doc/examples/csv_write_test.c, built against the installed regie-mock, passes"
}

# The plugin skeleton of `regie plugin new`, written by the installed regie
# from its installed templates, then built, tested and installed as its
# README says, with the installed pkg-config files alone (PKG_CONFIG_LIBDIR:
# no other .pc file is found); the installed regie then finds it where
# `make install` put it (pkg-config --variable=plugindir regie) and runs a
# step of it.  It is uninstalled again at the end (make uninstall).
check_sdk() {
    d=$work/sdk
    mkdir -p "$d"
    if ! (cd "$d" && "$inst" plugin new sdkdemo) >"$d/log" 2>&1; then
        fail "regie plugin new sdkdemo fails:"
        sed 's/^/    /' "$d/log" >&2
        return
    fi
    for goal in all check install; do
        if ! (cd "$d/sdkdemo" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
            PKG_CONFIG_LIBDIR="$pcdir" make CC="${CC:-cc}" PKG_CONFIG="${PKG_CONFIG:-pkg-config}" \
            "$goal") >"$d/log" 2>&1; then
            fail "the skeleton of regie plugin new: make $goal fails against the installed regie:"
            sed 's/^/    /' "$d/log" >&2
            return
        fi
    done
    printf '%s\n' "[workflow]" "name = sdkdemo" "[input.costs]" "type = csv" \
        "[step.big]" "plugin = sdkdemo" "reads = costs" "data = costs" "column = amount" \
        "min = 100" "rows = big" "writes = big" \
        "[step.write]" "plugin = csv-write" "reads = big" "data = big" "file = big.csv" \
        >"$d/w.ini"
    printf 'item,amount\nhall,450.00\ncoffee,20.5\nlunch,835.125\n' >"$d/costs.csv"
    if ! (cd "$d" && REGIE_DB="$d/runs.db" "$inst" run w.ini --set costs=costs.csv --out out) \
        >"$d/log" 2>&1; then
        fail "a step of the skeleton's plugin, installed, fails in the installed regie:"
        sed 's/^/    /' "$d/log" >&2
    elif [ "$(tr -d '\r' <"$d/out/big.csv")" != "$(printf 'item,amount\nhall,450.00\nlunch,835.125')" ]; then
        fail "the skeleton's plugin wrote, in the installed regie:"
        sed 's/^/    /' "$d/out/big.csv" >&2
    else
        echo "installcheck: the skeleton of regie plugin new builds, passes its tests and runs installed"
    fi
    (cd "$d/sdkdemo" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL PKG_CONFIG_LIBDIR="$pcdir" \
        make PKG_CONFIG="${PKG_CONFIG:-pkg-config}" uninstall) >"$d/log" 2>&1 ||
        fail "the skeleton's make uninstall fails"
}

for wf in "$src"/etc/workflows/*.ini; do
    name=$(basename "$wf" .ini)
    case " $listed " in
    *" $name "*) ;;
    *) fail "the installed regie does not list workflow $name: $listed" ;;
    esac
    case $name in
    demo) check_demo ;;
    tender-evaluation) check_tender ;;
    stakeholder-analysis) check_stakeholders ;;
    service-levels) check_sla ;;
    regional-monitor) check_regional ;;
    event-organisation) check_event ;;
    console-notify) check_notify ;;
    *) fail "workflow $name is shipped but has no case in $0" ;;
    esac
done
[ -z "$pcdir" ] || check_mock_host
[ -z "$pcdir" ] || check_sdk
if [ $status -eq 0 ]; then
    echo "installcheck: $runs workflow runs, the installed regie and the build tree agree"
else
    echo "installcheck: FAILED ($runs workflow runs)"
fi
exit $status
