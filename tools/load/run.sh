#!/usr/bin/env bash
# Load test: 256 connections of mixed searches for 60 s against `hubsearch serve` on loopback
# while a full re-ingestion runs. Passes when there is no 5xx answer and no failed connection;
# prints the server's resident memory before, during (peak) and after the load.
#
#   tools/load/run.sh                       # release build, sample library + real corpus if present
#   CONNECTIONS=64 DURATION=20s BIN=path/to/hubsearch tools/load/run.sh
#   LIBRARY=/path/to/library tools/load/run.sh
#
# Re-ingestion goes through the admin API (POST /api/v1/admin/reingest with a bearer token,
# repeated while the load lasts) when the server has it; otherwise the load starts at once
# against a server with an empty data directory, so it overlaps the start-up ingestion.
# Needs: wrk (apt-get install wrk), curl. Loopback only; every process it starts is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."

CONNECTIONS=${CONNECTIONS:-256}
THREADS=${THREADS:-4}
DURATION=${DURATION:-60s}
PORT=${PORT:-18080}
BINARY=${BIN:-target/release/hubsearch}
CORPUS=${CORPUS:-../shared/corpus/real}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus/real

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then cargo build --release --quiet; fi

work=$(mktemp -d /tmp/hubsearch-load.XXXXXX)
server=""
cleanup() {
  [ -f "$work/server.log" ] && mkdir -p target && cp "$work/server.log" target/load-server.log
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${LIBRARY:-}" ]; then
  library=$LIBRARY
else
  # The sample library, plus the real PDFs and web pages when the shared corpus is there, so
  # that an ingestion lasts long enough to overlap the load.
  library=$work/library
  cp -r library "$library"
  if [ -d "$CORPUS" ]; then
    mkdir -p "$library/real"
    cp "$CORPUS"/pdf/*.pdf "$CORPUS"/html/*.html "$library/real/" 2>/dev/null || true
  fi
fi
echo "library: $library ($(find "$library" -type f \( -name '*.pdf' -o -name '*.html' -o -name '*.htm' -o -name '*.txt' \) | wc -l) files)"

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
HUBSEARCH_ADMIN_TOKEN=$token HUBSEARCH_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=${RUST_LOG:-warn,lopdf=off} \
  "$BINARY" serve --library "$library" --data "$work/data" --listen "127.0.0.1:$PORT" 2>"$work/server.log" &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 300); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.1; done
curl -sf -o /dev/null "$base/healthz" || { echo "server did not start"; cat "$work/server.log"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
reingest() {
  curl -s -o "$work/job.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"full": true}' "$base/api/v1/admin/reingest" || echo 000
}

admin=no
code=$(reingest)
if [ "$code" = 202 ] || [ "$code" = 200 ]; then
  admin=yes
  # Wait for that first job so that "before" is measured on a complete index.
  job=$(sed -n 's/.*"job_id" *: *"\{0,1\}\([^",}]*\).*/\1/p' "$work/job.json")
  for _ in $(seq 1 600); do
    state=$(curl -s -H "Authorization: Bearer $token" "$base/api/v1/admin/jobs/$job" | sed -n 's/.*"state" *: *"\([a-z_]*\)".*/\1/p')
    case "$state" in running|queued|pending|"") sleep 0.5 ;; *) break ;; esac
  done
  echo "re-ingestion: through the admin API (first job $job ended: $state)"
else
  echo "re-ingestion: admin API not available (HTTP $code); the load overlaps the start-up ingestion"
fi
rss_before=$(rss)
docs_before=$(curl -s "$base/readyz")

# Resident memory once a second while the load runs.
( while kill -0 "$server" 2>/dev/null; do rss >>"$work/rss.txt" 2>/dev/null || true; sleep 1; done ) &
sampler=$!

if [ "$admin" = yes ]; then
  # Keep a full re-ingestion running for the whole load: start another as each one ends.
  ( end=$((SECONDS + ${DURATION%s})); n=0
    while [ $SECONDS -lt $end ]; do
      reingest >/dev/null; n=$((n + 1))
      sleep 1
    done; echo "$n" >"$work/reingests" ) &
  driver=$!
fi

wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 10s -s tools/load/mix.lua "$base" >"$work/wrk.txt" 2>&1 || true
[ "$admin" = yes ] && wait "$driver" || true
sleep 5
rss_after=$(rss)
kill "$sampler" 2>/dev/null || true; sampler=""
rss_peak=$(sort -n "$work/rss.txt" | tail -1)
# The memory curve at each quarter of the load: it should plateau once the ingestion is done.
n=$(wc -l <"$work/rss.txt")
rss_quarters=$(for q in 1 2 3 4; do sed -n "$(( (n * q + 3) / 4 ))p" "$work/rss.txt"; done | paste -sd/)
docs_after=$(curl -s "$base/readyz")

value() { sed -n "s/^$1=//p" "$work/wrk.txt"; }
echo "--- wrk ($CONNECTIONS connections, $THREADS threads, $DURATION)"
grep -E '^[a-z0-9_]+=' "$work/wrk.txt" || cat "$work/wrk.txt"
echo "--- server"
echo "readyz before: $docs_before"
echo "readyz after:  $docs_after"
[ -f "$work/reingests" ] && echo "re-ingestions requested during the load: $(cat "$work/reingests")"
echo "VmRSS kB: before=$rss_before quarters=$rss_quarters peak=$rss_peak after=$rss_after"
echo "server log lines at ERROR (the 503s of /readyz while ingesting count): $(grep -c ' ERROR ' "$work/server.log" || true)"

n5xx=$(value n5xx); connect=$(value errors_connect); timeouts=$(value errors_timeout)
if [ "${n5xx:-1}" != 0 ] || [ "${connect:-1}" != 0 ] || [ "${timeouts:-1}" != 0 ]; then
  echo "FAIL: 5xx=$n5xx failed connections=$connect timeouts=$timeouts"; tail -20 "$work/server.log"; exit 1
fi
echo "PASS: no 5xx, no failed connection, no timeout"
