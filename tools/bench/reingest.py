#!/usr/bin/env python3
"""Re-ingestion benchmark (issue 8): incremental re-ingest of an unchanged library, and how soon
a file written to the library is searchable with the watcher.

Generates DOCS small text and HTML files (default 10,000) in a temporary directory from the
sample library's own text, ingests them once, then measures

  1. `hubsearch ingest` on the unchanged library (whole process: start, scan, compare, exit);
  2. an incremental job through the admin API of a running `hubsearch serve` (the job's own
     elapsed time, and the wall time from POST to done);
  3. the delay from writing a new file to the first search that finds it (watcher on).

Every figure is the median of TRIALS runs. Uses the release binary (built if missing). Bounded:
every wait has a timeout, and the temporary directory is removed at the end.

    python3 tools/bench/reingest.py [--docs 10000] [--trials 7]
"""

import argparse
import html
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / "hubsearch"
TOKEN = "bench-admin-token"


def sample_paragraphs():
    """Paragraphs of prose from the sample library's text and HTML files."""
    paragraphs = []
    for path in sorted((ROOT / "library").rglob("*")):
        if path.suffix.lower() not in (".txt", ".html", ".htm") or path.name.startswith("."):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix.lower() != ".txt":
            text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
            text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
        for block in re.split(r"\n\s*\n|\n", text):
            block = " ".join(block.split())
            if len(block) >= 80:
                paragraphs.append(block)
    if not paragraphs:
        sys.exit("no text found in library/")
    return paragraphs


def generate(library, count, paragraphs):
    for i in range(count):
        folder = library / f"batch-{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        body = [paragraphs[(i * 7 + k * 13) % len(paragraphs)] for k in range(3)]
        title = f"Generated note {i}: " + body[0][:60]
        if i % 2:
            text = f"{title}\n\n" + "\n\n".join(body) + "\n"
            (folder / f"note-{i:05d}.txt").write_text(text, encoding="utf-8")
        else:
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in body)
            text = (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
                    f"</head><body><h1>{html.escape(title)}</h1>{paras}</body></html>\n")
            (folder / f"page-{i:05d}.html").write_text(text, encoding="utf-8")


def timed(args, env):
    started = time.monotonic()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL, timeout=900)
    return time.monotonic() - started


def request(method, url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def wait_for(what, check, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(step)
    sys.exit(f"timed out waiting for {what}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=7)
    args = parser.parse_args()
    if not BINARY.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True, timeout=3600)

    tmp = Path(tempfile.mkdtemp(prefix="hubsearch-bench-"))
    server = None
    try:
        library, data = tmp / "library", tmp / "data"
        generate(library, args.docs, sample_paragraphs())
        env = dict(os.environ, HUBSEARCH_ADMIN_TOKEN=TOKEN, RUST_LOG="warn")
        common = ["--library", str(library), "--data", str(data)]
        first = timed([str(BINARY), "ingest", *common], env)
        print(f"initial ingest of {args.docs} documents: {first:.2f} s")

        cli = [timed([str(BINARY), "ingest", *common], env) for _ in range(args.trials)]
        print(f"`hubsearch ingest` of the unchanged library: median {statistics.median(cli):.3f} s "
              f"(min {min(cli):.3f}, max {max(cli):.3f}, {args.trials} runs)")

        server = subprocess.Popen([str(BINARY), "serve", *common, "--listen", "127.0.0.1:0"],
                                  env=dict(env, RUST_LOG="info"), stderr=subprocess.PIPE, text=True)
        address = None
        deadline = time.monotonic() + 60
        while address is None and time.monotonic() < deadline:
            line = server.stderr.readline()
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                address = match.group(1)
        if address is None:
            sys.exit("the server did not start")
        # Drain the log so that the server never blocks on it.
        import threading
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        wait_for("readiness", lambda: request("GET", f"{address}/readyz")[0] == 200, 300)

        job_secs, wall_secs = [], []
        for _ in range(args.trials):
            started = time.monotonic()
            status, answer = request("POST", f"{address}/api/v1/admin/reingest", {"full": False})
            assert status == 202, answer
            job_id = answer["job_id"]
            job = wait_for("the job", lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
                request("GET", f"{address}/api/v1/admin/jobs/{job_id}")[1]), 300, step=0.005)
            wall_secs.append(time.monotonic() - started)
            assert job["state"] == "done" and job["counts"]["unchanged"] == args.docs, job
            job_secs.append(job["elapsed_secs"])
        print(f"incremental job on the unchanged library (admin API): job median "
              f"{statistics.median(job_secs):.3f} s, POST-to-done median {statistics.median(wall_secs):.3f} s")

        latencies = []
        for trial in range(args.trials):
            word = f"zqxbench{trial}w{os.getpid()}"
            started = time.monotonic()
            (library / f"watched-{trial}.txt").write_text(f"Watched note about {word} and telehealth.\n")
            wait_for(f"{word} to be searchable",
                     lambda: request("GET", f"{address}/api/v1/search?q={word}")[1]["total"] == 1, 60, step=0.01)
            latencies.append(time.monotonic() - started)
            time.sleep(1.0)  # let the job end before the next trial
        print(f"file written -> searchable (watcher): median {statistics.median(latencies):.2f} s "
              f"(min {min(latencies):.2f}, max {max(latencies):.2f}, {args.trials} trials)")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
