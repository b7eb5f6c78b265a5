#!/bin/sh
# Quick start 1: install what is missing, build, and run the tender
# evaluation demo on the bundled example data.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/install-deps.sh"
sh "$top/tools/build.sh"
cd "$top"
ex=examples/tender
if [ -f etc/workflows/tender-evaluation.ini ]; then
    build/regie run tender-evaluation \
        --set tender=$ex/tender.ini --set criteria=$ex/criteria.csv --set bids=$ex/bids.csv \
        --set ko=$ex/ko.csv --set scores=$ex/scores.csv --out out/tender
    echo
    echo "Ranking (out/tender/ranking.csv):"
    cat out/tender/ranking.csv
    echo "Report: out/tender/report.html   Letters: out/tender/letters/"
else
    build/regie run demo --set costs=examples/demo/costs.csv --out out/demo
    cat out/demo/totals.csv out/demo/report.md
fi
