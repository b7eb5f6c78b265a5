#!/bin/sh
# Quick start 1: install what is missing, build, and run the tender
# evaluation demo on the bundled example data: the ranking is made, the run
# waits for the interview results, and is then resumed with them.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/install-deps.sh"
sh "$top/tools/build.sh"
cd "$top"
ex=examples/tender
rm -rf out/tender
mkdir -p out
set +e
build/regie run tender-evaluation \
    --set tender=$ex/tender.ini --set criteria=$ex/criteria.csv --set bids=$ex/bids.csv \
    --set ko=$ex/ko.csv --set scores=$ex/scores.csv --out out/tender 2>out/tender-run.log
rc=$?
set -e
cat out/tender-run.log
if [ $rc -ne 3 ]; then
    echo "regie: the demo run ended with status $rc (expected 3: waiting for interviews)" >&2
    exit 1
fi
echo
echo "Ranking before the interviews (out/tender/ranking.csv):"
cat out/tender/ranking.csv
run=$(sed -n 's/^regie: run \([^ ]*\) recorded in .*/\1/p' out/tender-run.log | tail -1)
echo
echo "Resuming run $run with the interview results:"
build/regie resume "$run" --set interviews=$ex/interviews.csv
echo
echo "Final ranking (out/tender/ranking.csv):"
cat out/tender/ranking.csv
echo
echo "Report: out/tender/report.html   Letters: out/tender/letters/   Audit trail: build/regie log $run"
