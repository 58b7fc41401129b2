"""`grader serve` under load: N gradings from C concurrent clients on loopback, then SIGTERM.

A bounded loop (each client takes the next of N jobs until none is left), on 127.0.0.1 only.
The jobs mix what students send: code uploads, YAML answers, entries typed one by one, a
derivation, an unreadable answer. Prints how many were answered and how, the server's peak
memory (its own process, and with its grading workers and their sandboxes), the time per
grading as a ratio to the import baseline, the live preview's round trip, and what was left
after SIGTERM. Usage: python benchmarks/serve_load.py [N] [--clients C] [--jobs J]
"""
import argparse
import json
import os
import re
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from _timing import BASELINE, wall

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from web_server import running_server  # noqa: E402

DENSE = ROOT / "examples" / "dense-3-to-2"
SEED = ROOT / "examples" / "conv2d-3x3-k2x1"


def jobs() -> list[tuple[str, str, dict, tuple | None]]:
    """(label, exercise, form fields, (file name, bytes) to upload or None), cycled through."""
    entries = {f"entry:{line.split(':', 1)[0]}": line.split(":", 1)[1].strip()
               for line in (DENSE / "correct.yaml").read_text().splitlines() if line and not line.startswith("#")}
    return [
        ("code upload", "dense-3-to-2", {}, ("correct.py", (DENSE / "correct.py").read_bytes())),
        ("wrong YAML", "dense-3-to-2", {"answer": (DENSE / "wrong-b-upstream-summed.yaml").read_text(),
                                        "filename": "answers.yaml"}, None),
        ("typed entries", "dense-3-to-2", entries, None),
        ("derivation", "dense-3-to-2", {}, ("wrong-x-one-output.md", (DENSE / "wrong-x-one-output.md").read_bytes())),
        ("unreadable", "dense-3-to-2", {"entry:W[1,1]": "dy[1]*(x[1]", "entry:b[1]": "dy[1"}, None),
        ("seed code", "conv2d-3x3-k2x1", {}, ("correct.py", (SEED / "correct.py").read_bytes())),
    ]


def multipart(fields: dict, upload: tuple | None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if upload:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="submission"; filename="{upload[0]}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + upload[1] + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def token(url: str, exercise: str) -> str:
    page = urllib.request.urlopen(f"{url}exercise/{exercise}", timeout=60).read().decode()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2, help="the server's gradings at once")
    args = parser.parse_args()
    kinds = jobs()
    with running_server("dense-3-to-2", "conv2d-3x3-k2x1", "--jobs", str(args.jobs)) as server:
        url, pid = server.url, server.proc.pid
        tokens = {ex: token(url, ex) for ex in ("dense-3-to-2", "conv2d-3x3-k2x1")}
        peak = {"server": rss_kb(pid), "all": 0}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak["server"] = max(peak["server"], rss_kb(pid))
                peak["all"] = max(peak["all"], rss_kb(pid) + sum(rss_kb(p) for p in descendants(pid)))
                time.sleep(0.05)

        counter = iter(range(args.n))
        lock = threading.Lock()
        results: list[tuple[str, int, float, float | None]] = []

        def client() -> None:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                label, exercise, fields, upload = kinds[i % len(kinds)]
                body, kind = multipart({"csrf": tokens[exercise], **fields}, upload)
                request = urllib.request.Request(f"{url}grade/{exercise}?format=json", body, {"Content-Type": kind})
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=300) as response:
                        status, report = response.status, json.load(response)
                except urllib.error.HTTPError as err:
                    status, report = err.code, {}
                with lock:
                    results.append((label, status, time.perf_counter() - started, report.get("score")))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - started

        previews = []
        for text in ["dy[1]*x[1]", r"\frac{\partial C}{\partial y_1} w_{1,3} + \frac{\partial C}{\partial y_2} w_{2,3}",
                     "dy[1]*(x[1]", "dy[2]*x[3] + dy[1]*w[1,2]"] * 25:
            query = urllib.parse.urlencode({"text": text})
            t0 = time.perf_counter()
            urllib.request.urlopen(f"{url}preview/dense-3-to-2?{query}", timeout=30).read()
            previews.append(time.perf_counter() - t0)
        done.set()
        sampler.join()
        tree = descendants(pid)
        stop = server.stop(signal.SIGTERM)
    time.sleep(0.2)
    left = [p for p in tree | {pid} if os.path.exists(f"/proc/{p}") and rss_kb(p)]
    baseline = wall(BASELINE, runs=3)

    answered = [r for r in results if r[1] == 200]
    print(f"{len(results)} of {args.n} gradings answered ({len(answered)} with a report; statuses "
          f"{dict(sorted((s, sum(1 for r in results if r[1] == s)) for s in {r[1] for r in results}))}) "
          f"from {args.clients} clients on loopback, {args.jobs} gradings at once, in {took:.1f} s "
          f"({args.n / took:.1f} gradings/s)")
    for label in dict.fromkeys(r[0] for r in results):
        mine = [r for r in results if r[0] == label]
        print(f"  {label}: {len(mine)}, scores {sorted({r[3] for r in mine}, key=str)}, "
              f"median {statistics.median(r[2] for r in mine) * 1000:.0f} ms per request (queueing included)")
    per = took / max(1, len(results)) * args.jobs
    print(f"time per grading (wall x parallel gradings / count): {per * 1000:.0f} ms = {per / baseline:.2f}x the "
          f"import baseline ({baseline * 1000:.0f} ms for `{' '.join(BASELINE[1:])}`), measured in this run")
    print(f"peak memory: server process {peak['server'] / 1024:.0f} MB; with its workers and sandboxes "
          f"{peak['all'] / 1024:.0f} MB")
    previews.sort()
    print(f"live preview round trip over loopback ({len(previews)} requests): median "
          f"{statistics.median(previews) * 1000:.1f} ms, 95th percentile {previews[int(0.95 * len(previews))] * 1000:.1f} ms, "
          f"max {previews[-1] * 1000:.1f} ms")
    print(f"SIGTERM: server ended in {stop:.2f} s; processes left of the server's tree "
          f"({len(tree) + 1} before): {len(left)}")


if __name__ == "__main__":
    main()
