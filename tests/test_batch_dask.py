"""`grader batch --scheduler`: the same class on a real Dask cluster gives the same gradebook."""
import shutil

import pytest

from batch_class import EXERCISE, TIMEOUT, make_class
from grader.batch import BatchOptions, grade_class
from grader.gradebook import Gradebook

distributed = pytest.importorskip("distributed", reason="the cluster extra (Dask distributed) is not installed")

# Enough of the class to cover code, answers, a crash and a problem row, at a cluster's start-up cost.
KEEP = ("alice.py", "dave.yaml", "exiter.py", "twins")


def test_dask_cluster_gives_the_same_gradebook_as_the_local_pool(tmp_path):
    klass = make_class(tmp_path)
    for entry in klass.iterdir():
        if entry.name not in KEEP:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    local = grade_class(EXERCISE, klass, BatchOptions(db=tmp_path / "local.sqlite", jobs=2, timeout=TIMEOUT))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=True) as cluster:
        remote = grade_class(EXERCISE, klass, BatchOptions(db=tmp_path / "dask.sqlite", timeout=TIMEOUT,
                                                           scheduler=cluster.scheduler_address))
    assert remote.graded == local.graded == len(KEEP) and not remote.lost
    with Gradebook(tmp_path / "local.sqlite") as a, Gradebook(tmp_path / "dask.sqlite") as b:
        assert a.canonical() == b.canonical()
        workers = {row["worker"] for row in b.latest_rows() if row["status"] != "error"}
    assert len(workers) == 2, "both Dask workers should have graded"
