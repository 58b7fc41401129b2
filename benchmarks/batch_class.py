"""`grader batch` on a class of mixed submissions of the seed exercise (code and answers).

Prints the wall time, submissions per second, the pool's peak memory, and two ratios measured
in this run: against one `grader grade` process per file (timed on a sample and extrapolated,
as the output says) and against the import baseline. Usage: python benchmarks/batch_class.py [N] [--jobs J]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import BASELINE, wall

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "conv2d-3x3-k2x1"
SAMPLE = 50  # files graded one process each, to extrapolate from
WRONG_ANSWERS = "X[2,1]: dy[2,1]*(k[1] + k[2])\nK[1]: sum(dy[n,m]*x[n+1,m], (n, 1, 2), (m, 1, 3))\n"
TRANSPOSED = "import numpy as np\n\ndef grad_X(X, K, dY):\n    return np.zeros((3, 3))\n\ndef grad_K(X, K, dY):\n    return np.zeros((1, 2))\n"


def make_class(folder: Path, n: int) -> None:
    """n students, half code and half answers, right and wrong; every file distinct."""
    kinds = [("py", (EXAMPLES / "correct.py").read_text()), ("yaml", (EXAMPLES / "correct.yaml").read_text()),
             ("py", (EXAMPLES / "wrong-X-row2-merged-path.py").read_text()), ("yaml", WRONG_ANSWERS),
             ("py", TRANSPOSED), ("yaml", (EXAMPLES / "correct.yaml").read_text())]
    for i in range(n):
        suffix, text = kinds[i % len(kinds)]
        (folder / f"student{i:05d}.{suffix}").write_text(f"# student {i}\n{text}")


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def per_kind(folder: Path, tmp: Path) -> None:
    """CPU per submission of code and of answers, graded in this process after a warm-up."""
    from grader.batch.grade_class import BatchOptions, grade_class
    from grader.sandbox.runner import warm_sandboxes

    for suffix in ("py", "yaml"):
        half = tmp / suffix
        half.mkdir()
        for path in folder.glob(f"*.{suffix}"):
            os.link(path, half / path.name)
        grade_class("conv2d-3x3-k2x1", half, BatchOptions(db=tmp / f"warm-{suffix}.sqlite", jobs=0))
        before, start = _cpu(), time.perf_counter()
        grade_class("conv2d-3x3-k2x1", half, BatchOptions(db=tmp / f"{suffix}.sqlite", jobs=0))
        n = len(list(half.iterdir()))
        print(f".{suffix}: {(_cpu() - before) / n * 1000:.1f} ms of CPU per submission (writer, grading and "
              f"sandbox), {(time.perf_counter() - start) / n * 1000:.1f} ms of wall time, one at a time")
        if suffix == "py":  # as a batch worker runs them: each sandbox forked from a zygote
            with warm_sandboxes():
                before, start = _cpu(), time.perf_counter()
                grade_class("conv2d-3x3-k2x1", half, BatchOptions(db=tmp / "zygote.sqlite", jobs=0))
            print(f".py from a zygote: {(_cpu() - before) / n * 1000:.1f} ms of CPU per submission, "
                  f"{(time.perf_counter() - start) / n * 1000:.1f} ms of wall time, one at a time")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--dask", action="store_true", help="also grade the class on a LocalCluster of --jobs workers")
    parser.add_argument("--per-kind", action="store_true",
                        help="also grade each half in this process (--jobs 0) and print its CPU per submission")
    args = parser.parse_args()
    from grader.batch.grade_class import BatchOptions, grade_class

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        make_class(folder, args.n)
        start = time.perf_counter()
        cpu_before = _cpu()
        result = grade_class("conv2d-3x3-k2x1", folder, BatchOptions(db=Path(tmp) / "gb.sqlite", jobs=args.jobs))
        took = time.perf_counter() - start
        cpu = _cpu() - cpu_before  # the writer, its workers and their sandboxes, all reaped by now
        assert result.graded == args.n, result
        rerun = time.perf_counter()
        again = grade_class("conv2d-3x3-k2x1", folder, BatchOptions(db=Path(tmp) / "gb.sqlite", jobs=args.jobs))
        rerun = time.perf_counter() - rerun
        assert again.graded == 0 and again.unchanged == args.n, again

        if args.dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=args.jobs or os.cpu_count(), threads_per_worker=1, dashboard_address=None,
                              silence_logs=True) as cluster:
                dask_start = time.perf_counter()
                on_dask = grade_class("conv2d-3x3-k2x1", folder, BatchOptions(
                    db=Path(tmp) / "dask.sqlite", scheduler=cluster.scheduler_address))
                dask_took = time.perf_counter() - dask_start
            assert on_dask.graded == args.n, on_dask
            print(f"the same class on a Dask LocalCluster of {args.jobs or os.cpu_count()} workers: {dask_took:.1f} s, "
                  f"{args.n / dask_took:.1f} submissions/s ({took / dask_took:.2f}x the local pool's rate)")
        if args.per_kind:
            per_kind(folder, Path(tmp))
        files = sorted(folder.iterdir())
        sample = files[:: max(1, len(files) // SAMPLE)][:SAMPLE]
        one = time.perf_counter()
        for path in sample:
            subprocess.run([sys.executable, "-m", "grader", "grade", "conv2d-3x3-k2x1", str(path), "--format", "json"],
                           capture_output=True, check=False)
        per_file = (time.perf_counter() - one) / len(sample)
    base = wall(BASELINE, 5)
    workers = sum(result.peak_rss_kb.values()) / 1024
    writer = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    largest_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"batch of {args.n} mixed submissions (half code, half answers), {len(result.peak_rss_kb)} workers "
          f"on {os.cpu_count()} CPUs: {took:.1f} s, {args.n / took:.1f} submissions/s (target: under 20 s)")
    print(f"one `grader grade` process per file: {per_file:.3f} s each, measured on {len(sample)} files of the same "
          f"mix and extrapolated to {args.n}: {per_file * args.n:.1f} s; batch is {per_file * args.n / took:.1f}x faster")
    print(f"per submission: batch {took / args.n * 1000:.1f} ms = {took / args.n / base:.2f}x the import baseline "
          f"({base:.3f} s); one process per file {per_file / base:.2f}x")
    cores = os.cpu_count() or 1
    print(f"CPU used by the batch (writer, workers, sandboxes): {cpu:.1f} s, {cpu / args.n * 1000:.1f} ms per "
          f"submission; the machine's load average was {os.getloadavg()[0]:.1f}: on {cores} idle cores the "
          f"same work needs at least {cpu / cores:.1f} s")
    print(f"rerun with nothing changed: {rerun:.2f} s, graded 0")
    print(f"peak memory: workers {workers:.0f} MB together ({', '.join(f'{v / 1024:.0f}' for v in result.peak_rss_kb.values())} MB each), "
          f"writer {writer:.0f} MB, largest single child process {largest_child:.0f} MB")


if __name__ == "__main__":
    main()
