#!/usr/bin/env bash
# Benchmark: generate a network and time `linchpin import` into a fresh PostgreSQL database, then
# time the idempotent re-import of the same files.
# Usage: bench/import.sh [FIRMS] [SEED]   (needs psql and a PostgreSQL at $PGURL)
set -euo pipefail
cd "$(dirname "$0")/.."
FIRMS="${1:-100000}"
SEED="${2:-42}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
OUT=bench/out/net-$FIRMS-$SEED
DB=linchpin_bench_import

cargo build --release --locked -p linchpin
BIN=${CARGO_TARGET_DIR:-target}/release/linchpin
[ -f "$OUT/links.csv" ] || "$BIN" gen-network --firms "$FIRMS" --seed "$SEED" --out "$OUT"
wc -l "$OUT/firms.csv" "$OUT/links.csv"
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export LINCHPIN_DATABASE_URL="$PGURL/$DB" LINCHPIN_LOG=warn
echo "== fresh import"
/usr/bin/time -f "wall %e s, max RSS %M KiB" "$BIN" import --firms "$OUT/firms.csv" --links "$OUT/links.csv"
echo "== re-import of the same files (must change nothing)"
/usr/bin/time -f "wall %e s, max RSS %M KiB" "$BIN" import --firms "$OUT/firms.csv" --links "$OUT/links.csv"
