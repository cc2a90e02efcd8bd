"""The distributed path for real: a two-seed sweep on a local Dask cluster equals the local run.

A scheduler and two single-threaded worker processes start on 127.0.0.1, and
``benchmarks/benchmark.py --backend dask --scheduler tcp://...`` sends the runs to them, as a
teacher's cluster would receive them. ``make test`` installs Dask (``requirements-cluster.txt``);
elsewhere the test is skipped, except on CI, where a missing Dask is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SWEEP = ["online", "--seeds", "1-2", "--steps", "2000", "--jobs", "2"]


def sweep(tmp_path: Path, name: str, *backend: str) -> list[dict]:
    """Run the two-seed sweep with the given backend options; its run records."""
    out = tmp_path / f"{name}.json"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "benchmark.py"), *SWEEP, *backend,
                           "--out", str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())["records"]


def test_a_sweep_on_a_local_dask_cluster_equals_the_local_run(tmp_path: Path) -> None:
    if os.environ.get("CI"):
        import distributed  # noqa: F401  (on CI, Dask must be there: requirements-cluster.txt)
    distributed = pytest.importorskip("distributed", reason="pip install -r requirements-cluster.txt")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        on_cluster = sweep(tmp_path, "dask", "--backend", "dask", "--scheduler", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            workers = client.scheduler_info()["workers"]
        ran = sum(prefix.state_counts.get("memory", 0)  # tasks that finished with a result
                  for name, prefix in cluster.scheduler.task_prefixes.items() if "run_one" in name)
    local = sweep(tmp_path, "loky", "--backend", "loky")
    assert len(workers) == 2 and ran == 2, f"the cluster's 2 workers should have run both seeds, ran {ran}"
    same = ("seed", "eval_steps", "eval_means", "final_mean", "final_min")
    assert [{k: r[k] for k in same} for r in on_cluster] == [{k: r[k] for k in same} for r in local], (
        "The same seeds on a Dask cluster should train and evaluate exactly as in local processes.")
