#!/usr/bin/env bash
# Benchmark of issue #11: PostgreSQL with 100,000 firms and 10,000 open blockages. Times the first
# page of the triage queue, then starts the release server and runs 50 concurrent coordinator
# clients over HTTP for 60 s (45% queue pages, 45% blockages with their timeline, 5% hand-ons at
# the version read, 5% comments). The first run seeds a fresh database (network, analysis,
# blockages); later runs reuse it, so the figures of two runs compare the same data.
# Usage: bench/blockages.sh [RUNS] [CLIENTS] [SECONDS]   (needs psql and a PostgreSQL at $PGURL)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-2}"
CLIENTS="${2:-50}"
SECONDS_="${3:-60}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
DB=linchpin_bench_blockages

cargo build --release --locked -p linchpin
BIN=${CARGO_TARGET_DIR:-target}/release/linchpin
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export LINCHPIN_LOG=warn
for run in $(seq 1 "$RUNS"); do
  echo "== run $run (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$BIN" bench blockages --database-url "$PGURL/$DB" --clients "$CLIENTS" --seconds "$SECONDS_"
done
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB"
