#!/usr/bin/env bash
# Fuzzes the live GraphQL schema with Schemathesis (pinned, from PyPI) for a bounded number of
# cases, as an admin, against a demo network: zero INTERNAL errors, zero errors without a code,
# zero 5xx (bench/fuzz/linchpin_checks.py). Used by .ci/run; runs on its own too:
#   bench/fuzz/run.sh [path/to/linchpin]
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
VENV="${LINCHPIN_FUZZ_VENV:-/var/tmp/linchpin-fuzz-venv}"
BIN="${1:-${CARGO_TARGET_DIR:-target}/debug/linchpin}"
EXAMPLES="${LINCHPIN_FUZZ_EXAMPLES:-30}"

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export LINCHPIN_DATABASE_URL="sqlite://$work/fuzz.db?mode=rwc"
export LINCHPIN_LOG=warn
token="$("$BIN" account create --role admin --name fuzzer | tail -1)"
"$BIN" serve --bind 127.0.0.1:0 --demo --analysis-debounce-secs 0 \
  --rate-limit-burst 100000 --rate-limit-per-second 100000 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
addr=""
for _ in $(seq 1 120); do
  addr="$(sed -n 's#^Linchpin is listening on http://##p' "$work/stdout")"
  [ -n "$addr" ] && break
  sleep 0.5
done
[ -n "$addr" ] || { echo "the server did not start"; cat "$work/stderr"; exit 1; }

PYTHONPATH=bench/fuzz SCHEMATHESIS_HOOKS=linchpin_checks timeout 600 "$VENV/bin/st" run schema/schema.graphql \
  --url "http://$addr/graphql" -H "Authorization: Bearer $token" \
  --checks no_internal_error --max-examples "$EXAMPLES" --seed 20261129 --no-color

if grep -q "internal error" "$work/stderr"; then
  echo "the server logged internal errors while fuzzed:"; grep "internal error" "$work/stderr" | head -20; exit 1
fi
echo "fuzzing: no INTERNAL error, no 5xx"
