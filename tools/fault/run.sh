#!/usr/bin/env bash
# Fault test: the data directory fills up, then becomes read-only, while documents are being
# ingested. Each ingestion must fail with a clear error and the running server must keep
# answering from the previous index, with the same results.
#
#   sudo tools/fault/run.sh          # needs root: it mounts a small tmpfs as the data directory
#
# Without the admin API the writer is `hubsearch ingest` (a second process on the same index;
# the server is started with ingest_on_start = false, so it never holds the writer). With the
# admin API (when the server answers POST /api/v1/admin/reingest), the server's own job is used.
# Loopback only; the mount and every process it starts are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(id -u)" -eq 0 ] || { echo "needs root (mounts a tmpfs)" >&2; exit 2; }
PORT=${PORT:-18081}
BINARY=${BIN:-target/release/hubsearch}
CORPUS=${CORPUS:-../shared/corpus/real}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus/real
if [ -z "${BIN:-}" ]; then cargo build --release --quiet; fi

work=$(mktemp -d /tmp/hubsearch-fault.XXXXXX)
data=$work/data
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  mountpoint -q "$data" && umount "$data"
  rm -rf "$work"
}
trap cleanup EXIT

library=$work/library
cp -r library "$library"
mkdir -p "$data"
mount -t tmpfs -o size=64m hubsearch-fault "$data"

"$BINARY" ingest --library "$library" --data "$data" >"$work/first.txt" 2>&1
used_kb=$(df -k --output=used "$data" | tail -1)
echo "first ingestion: ok, index uses ${used_kb} kB"

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
HUBSEARCH_ADMIN_TOKEN=$token HUBSEARCH_INGEST_ON_START=false HUBSEARCH_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn \
  "$BINARY" serve --library "$library" --data "$data" --listen "127.0.0.1:$PORT" 2>"$work/server.log" &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 300); do curl -sf -o /dev/null "$base/readyz" && break; sleep 0.1; done

probe() { curl -s -o "$work/probe.json" -w '%{http_code}' "$base/api/v1/search?q=telemonitoring&per_page=100"; }
fingerprint() { sed 's/"took_ms":[0-9]*//' "$work/probe.json" | md5sum | cut -c1-12; }
[ "$(probe)" = 200 ] || { echo "server does not answer"; exit 1; }
reference=$(fingerprint)
total=$(sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$work/probe.json")
echo "server answers: $total hits for 'telemonitoring' (answer $reference)"

# More documents to ingest: the real PDFs and web pages if the shared corpus is there, else
# copies of the sample library.
mkdir -p "$library/more"
if [ -d "$CORPUS" ]; then cp "$CORPUS"/pdf/*.pdf "$CORPUS"/html/*.html "$library/more/"
else for i in 1 2 3 4; do mkdir -p "$library/more/$i"; cp -r library/* "$library/more/$i/"; done; fi

admin_code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/admin/reingest" || echo 000)
ingest() {
  if [ "$admin_code" != 404 ] && [ "$admin_code" != 000 ] && [ "$admin_code" != 405 ]; then
    # Admin API: start a full job and wait for its end; print its state and error.
    local body job state
    body=$(curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d '{"full": true}' "$base/api/v1/admin/reingest")
    job=$(echo "$body" | sed -n 's/.*"job_id" *: *"\{0,1\}\([^",}]*\).*/\1/p')
    for _ in $(seq 1 600); do
      body=$(curl -s -H "Authorization: Bearer $token" "$base/api/v1/admin/jobs/$job")
      state=$(echo "$body" | sed -n 's/.*"state" *: *"\([a-z_]*\)".*/\1/p')
      case "$state" in running|queued|pending|"") sleep 0.5 ;; *) break ;; esac
    done
    echo "$body"
    [ "$state" = succeeded ] || [ "$state" = done ] || [ "$state" = completed ]
  else
    "$BINARY" ingest --full --library "$library" --data "$data" 2>&1
  fi
}

check_serving() {
  local code; code=$(probe)
  if [ "$code" != 200 ] || [ "$(fingerprint)" != "$reference" ]; then
    echo "FAIL: the server no longer answers as before (HTTP $code)"; cat "$work/probe.json"; exit 1
  fi
}

run_fault() {
  local name=$1
  # Searches keep coming while the ingestion fails.
  ( while :; do c=$(probe); [ "$c" = 200 ] || echo "$c" >>"$work/bad-$name"; sleep 0.05; done ) &
  local prober=$!
  local started=$SECONDS
  if ingest >"$work/$name.txt" 2>&1; then
    kill "$prober"; echo "FAIL ($name): the ingestion succeeded"; cat "$work/$name.txt"; exit 1
  fi
  kill "$prober" 2>/dev/null; wait "$prober" 2>/dev/null || true
  echo "--- $name: the ingestion failed after $((SECONDS - started)) s with:"
  grep -iE 'error|space|read-only|denied|failed' "$work/$name.txt" | tail -3
  [ -s "$work/bad-$name" ] && { echo "FAIL ($name): searches failed during the ingestion: $(sort | uniq -c <"$work/bad-$name")"; exit 1; }
  check_serving
  echo "    the server kept answering, with the same results"
}

# 1. The disk fills: the tmpfs is shrunk to what the index uses plus 512 kB.
mount -o remount,size=$((used_kb + 512))k "$data"
run_fault disk-full
# 2. The data directory becomes read-only.
mount -o remount,size=64m,ro "$data"
run_fault read-only

# 3. Space comes back: the next ingestion lands and the server still answers.
mount -o remount,rw "$data"
if [ "$admin_code" = 404 ] || [ "$admin_code" = 000 ] || [ "$admin_code" = 405 ]; then
  "$BINARY" ingest --library "$library" --data "$data" >"$work/recovered.txt" 2>&1 || { echo "FAIL: no recovery"; cat "$work/recovered.txt"; exit 1; }
else
  ingest >"$work/recovered.txt" 2>&1 || { echo "FAIL: no recovery"; cat "$work/recovered.txt"; exit 1; }
fi
echo "--- recovery: $(grep -iE 'added|documents' "$work/recovered.txt" | head -1)"
[ "$(probe)" = 200 ] || { echo "FAIL: server down after recovery"; exit 1; }
echo "PASS: both faults gave a clear error and the previous index kept serving"
