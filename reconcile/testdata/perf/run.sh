#!/usr/bin/env bash
# The reconciliation benchmark, end to end, side by side with pandas:
#
#   reconcile/testdata/perf/run.sh [N] [RUNS]      (defaults: 1000000 payments and lines, 3 runs)
#
# It generates the data once (reconciletest.WritePerfData: payments.csv in the offline payments format,
# statement.csv as an English bank export), builds cmd e2e (payments CSV + statement CSV -> JSON
# report, as `orkesta reconcile` does it, without syncing the report to the disk) and the CLI, runs
# each RUNS times under GNU time (the previous run's report removed first, outside the timing:
# overwriting it would also time the kernel freeing its page cache), then runs the pandas baseline
# (pandas_match.py) the same way when Debian's python3-pandas is installed (apt-get install
# python3-pandas; CI does not install it). It prints wall time and peak RSS of every run and their
# medians. Data lives in $PERF_DIR (default /tmp/orkesta-perf-N).
#
# PAUSE=SECONDS waits that long before each run. On the project's virtual machines the hypervisor
# takes back, within a few seconds, the memory a process gave back (free page reporting), and the
# next process pays again for every page it touches first: runs back to back reuse warm memory and
# come out faster than a single run of the command does. PAUSE=5 measures that single run.
set -euo pipefail
cd "$(dirname "$0")/../../.."
N=${1:-1000000}
RUNS=${2:-3}
PAUSE=${PAUSE:-0}
DIR=${PERF_DIR:-/tmp/orkesta-perf-$N}
mkdir -p "$DIR"
if [ ! -s "$DIR/statement.csv" ]; then
  echo "generating $N payments and statement lines into $DIR"
  go run ./reconcile/testdata/perf/gen -n "$N" -dir "$DIR"
fi
go build -o "$DIR/e2e" ./reconcile/testdata/perf/e2e
go build -o "$DIR/orkesta" ./cmd/orkesta

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # name, command...
  local name=$1; shift
  local walls=() rss=()
  for i in $(seq "$RUNS"); do
    local out
    rm -f "$DIR/report.json" "$DIR/cli-report.json" # every run writes a new report
    sleep "$PAUSE"
    out=$( { command time -f '%e %M' "$@" 2>&1 >/dev/null; } | tail -1)
    walls+=("${out% *}"); rss+=("${out#* }")
    echo "  $name run $i: ${out% *} s wall, $(( ${out#* } / 1024 )) MB peak RSS"
  done
  local w m
  w=$(printf '%s\n' "${walls[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  printf '%-10s median %6s s wall  %5d MB peak RSS\n' "$name" "$w" $((m / 1024)) | tee -a "$DIR/summary.txt"
}
: > "$DIR/summary.txt"
echo "N=$N, $(nproc) cores, $(go version | cut -d' ' -f3), pause before each run ${PAUSE}s"
"$DIR/e2e" -dir "$DIR" >/dev/null  # warm the page cache
measure orkesta "$DIR/e2e" -dir "$DIR"
# The command itself: the same work, and the report synced to the disk and renamed into place.
measure cli "$DIR/orkesta" reconcile --payments "$DIR/payments.csv" --statement "$DIR/statement.csv" \
  --out "$DIR/cli-report.json"
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  /usr/bin/python3 reconcile/testdata/perf/pandas_match.py "$DIR"
  measure pandas /usr/bin/python3 reconcile/testdata/perf/pandas_match.py "$DIR"
else
  echo "pandas: not installed (apt-get install python3-pandas), skipped"
fi
