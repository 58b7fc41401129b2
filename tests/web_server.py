"""A real `grader serve` in a subprocess, for the tests that need a process (signals, a browser)
and for benchmarks/serve_load.py: started on a free loopback port, stopped with SIGTERM."""
import os
import re
import select
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

_ADDRESS = re.compile(r"on (http://127\.0\.0\.1:\d+/)")




class Server:
    def __init__(self, proc: subprocess.Popen, url: str):
        self.proc, self.url = proc, url

    def children(self) -> list[int]:
        """Pids whose parent is the server (its grading workers)."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        found.append(int(pid))
            except (OSError, ValueError, IndexError):
                pass
        return found

    def stop(self, sig: int = signal.SIGTERM, wait: float = 30.0) -> float:
        """Send `sig` and wait for the server to end; the seconds it took."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        self.proc.wait(wait)
        return time.monotonic() - started


@contextmanager
def running_server(*args: str, env: dict | None = None, start_wait: float = 120.0):
    """`grader serve --port 0 ARGS` until the block ends (then SIGTERM, SIGKILL if it must)."""
    proc = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    try:
        url = _wait_for_address(proc, start_wait)
        yield Server(proc, url)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            stream.close()


def _wait_for_address(proc: subprocess.Popen, limit: float) -> str:
    deadline = time.monotonic() + limit
    seen = ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            seen += line
            found = _ADDRESS.search(line)
            if found:
                _wait_until_answering(found.group(1), deadline)
                return found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"grader serve ended (exit {proc.returncode}): {seen}{proc.stderr.read()}")
    raise RuntimeError(f"grader serve did not start: {seen}")


def _wait_until_answering(url: str, deadline: float) -> None:
    import urllib.request

    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
