#!/usr/bin/env bash
# Benchmark of issue #12: Linchpin's GraphQL reads beside PostGraphile 4 serving the same tables,
# in one run, on `gen-network --firms 100000 --seed 42` imported into a fresh PostgreSQL database;
# then Linchpin on SQLite (the embedded default) with the same data and the same reads.
#
# Usage: bench/api.sh [SECONDS] [CONNECTIONS]
# Needs: psql and a PostgreSQL at $PGURL, wrk (Debian: apt-get install wrk), Node.js and npm
# (PostGraphile is pinned in bench/postgraphile/package.json and installed there). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-30}"
CONNS="${2:-32}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
DB=linchpin_bench_api
FIRMS=100000
SEED=42
OUT=bench/out/net-$FIRMS-$SEED
WORK=$(mktemp -d)
LP_PORT=18181
PG_PORT=15055
SQ_PORT=18182

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 1; }
cargo build --release --locked -p linchpin
BIN=${CARGO_TARGET_DIR:-target}/release/linchpin
(cd bench/postgraphile && npm ci --no-audit --no-fund --silent)
[ -f "$OUT/links.csv" ] || "$BIN" gen-network --firms "$FIRMS" --seed "$SEED" --out "$OUT"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.2; done; echo "nothing on port $1"; exit 1; }

serve() { # serve DATABASE_URL PORT -> a Linchpin server with limits raised for the load
  LINCHPIN_LOG=warn "$BIN" serve --database-url "$1" --bind "127.0.0.1:$2" --analysis-debounce-secs 0 \
    --rate-limit-burst 100000 --rate-limit-per-second 100000 >"$WORK/serve-$2.log" 2>&1 &
  PIDS+=($!)
  wait_port "$2"
}

echo "== data: $FIRMS firms, seed $SEED, into PostgreSQL ($DB) and SQLite"
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
LINCHPIN_LOG=warn "$BIN" import --database-url "$PGURL/$DB" --firms "$OUT/firms.csv" --links "$OUT/links.csv" >/dev/null
# Settle the fresh tables before measuring, as a database in service is: without this, autovacuum
# works through the 900,000 new rows during the first loads, on the same two cores, and the
# first reads of each page also write its hint bits (both servers read the same tables).
psql "$PGURL/$DB" -qc "VACUUM (ANALYZE)" -c "CHECKPOINT"
SQLITE="sqlite://$WORK/bench.db?mode=rwc"
LINCHPIN_LOG=warn "$BIN" import --database-url "$SQLITE" --firms "$OUT/firms.csv" --links "$OUT/links.csv" >/dev/null
PG_TOKEN=$(LINCHPIN_LOG=warn "$BIN" account create --database-url "$PGURL/$DB" --role ADMIN --name bench-api | tail -1)
SQ_TOKEN=$(LINCHPIN_LOG=warn "$BIN" account create --database-url "$SQLITE" --role ADMIN --name bench-api | tail -1)

serve "$PGURL/$DB" $LP_PORT
serve "$SQLITE" $SQ_PORT
bench/postgraphile/node_modules/.bin/postgraphile -c "$PGURL/$DB" --schema public --host 127.0.0.1 --port $PG_PORT \
  --disable-graphiql --disable-query-log --append-plugins postgraphile-plugin-connection-filter >"$WORK/postgraphile.log" 2>&1 &
PIDS+=($!)
wait_port $PG_PORT

LP_SIMPLE='{ firms(first: 20) { nodes { uscc name regionCode employees } } }'
LP_NESTED='{ firms(first: 20, filter: {regionPrefix: "3301"}) { nodes { uscc name suppliers(first: 5) { nodes { product supplier { uscc name } } } } } }'
PG_SIMPLE='{ allFirms(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { uscc name regionCode employees } } }'
PG_NESTED='{ allFirms(first: 20, orderBy: PRIMARY_KEY_ASC, filter: {regionCode: {startsWith: "3301"}}) { nodes { uscc name supplyLinksByCustomerId(first: 5, orderBy: PRIMARY_KEY_ASC) { nodes { product firmBySupplierId { uscc name } } } } } }'

body() { python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$1"; }

check() { # check URL TOKEN QUERY: one request must answer data without errors
  local out
  out=$(curl -sf -H 'content-type: application/json' ${2:+-H "Authorization: Bearer $2"} "$1" -d "$(body "$3")")
  python3 -c 'import json,sys; v=json.loads(sys.argv[1]); assert "errors" not in v, v; assert v["data"], v' "$out" \
    || { echo "no data from $1 for $3: $out"; exit 1; }
}

median_ms() { # median_ms URL TOKEN QUERY: one request at a time, 21 times
  local b; b=$(body "$3")
  for _ in $(seq 1 21); do
    curl -s -o /dev/null -w '%{time_total}\n' -H 'content-type: application/json' ${2:+-H "Authorization: Bearer $2"} "$1" -d "$b"
  done | sort -n | sed -n 11p | awk '{printf "%.1f", $1 * 1000}'
}

cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("TOKEN")
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
wrk.body = os.getenv("BODY")
LUA

load() { # load URL TOKEN QUERY -> "req/s p99_ms non2xx"
  local r
  r=$(TOKEN="$2" BODY="$(body "$3")" wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$WORK/post.lua" "$1")
  local rps p99 bad
  rps=$(echo "$r" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$r" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
  bad=$(echo "$r" | awk '/Non-2xx/ {print $5}')
  echo "${rps:-0} ${p99:-?} ${bad:-0}"
}

LP="http://127.0.0.1:$LP_PORT/graphql"
SQ="http://127.0.0.1:$SQ_PORT/graphql"
PG="http://127.0.0.1:$PG_PORT/graphql"
for args in "$LP|$PG_TOKEN|$LP_SIMPLE" "$LP|$PG_TOKEN|$LP_NESTED" "$SQ|$SQ_TOKEN|$LP_NESTED" "$PG||$PG_SIMPLE" "$PG||$PG_NESTED"; do
  IFS='|' read -r u t q <<<"$args"
  check "$u" "$t" "$q"
done

echo "== one request at a time (median of 21), nested query"
echo "Linchpin/PostgreSQL $(median_ms "$LP" "$PG_TOKEN" "$LP_NESTED") ms, Linchpin/SQLite $(median_ms "$SQ" "$SQ_TOKEN" "$LP_NESTED") ms, PostGraphile $(median_ms "$PG" "" "$PG_NESTED") ms"

echo "== wrk -t2 -c$CONNS -d${SECS}s, same machine (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '| query | Linchpin (PostgreSQL) | PostGraphile | ratio | Linchpin (SQLite) |\n|---|---|---|---|---|\n'
for kind in simple nested; do
  if [ $kind = simple ]; then lq=$LP_SIMPLE; pq=$PG_SIMPLE; else lq=$LP_NESTED; pq=$PG_NESTED; fi
  read -r lrps lp99 lbad <<<"$(load "$LP" "$PG_TOKEN" "$lq")"
  read -r prps pp99 pbad <<<"$(load "$PG" "" "$pq")"
  read -r srps sp99 sbad <<<"$(load "$SQ" "$SQ_TOKEN" "$lq")"
  ratio=$(awk -v a="$lrps" -v b="$prps" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }')
  printf '| %s | %s req/s, p99 %s ms (%s non-2xx) | %s req/s, p99 %s ms (%s non-2xx) | %s | %s req/s, p99 %s ms (%s non-2xx) |\n' \
    "$kind" "$lrps" "$lp99" "$lbad" "$prps" "$pp99" "$pbad" "$ratio" "$srps" "$sp99" "$sbad"
done
