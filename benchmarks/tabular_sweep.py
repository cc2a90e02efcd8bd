"""Notebook 02's tabular Q-learning over seeds, run from the notebook's own cells.

    python benchmarks/tabular_sweep.py --seeds 101-120

Executes the cells of notebooks/02_online_dqn.py that define `discretize`, `TabularConfig` and
`train_tabular` (so this script cannot drift from the lesson), trains one table per seed and prints
the greedy mean over 100 episodes on the final-evaluation seeds. Saves the raw numbers to
benchmarks/results/tabular_seeds<range>.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jupytext
import numpy as np

import cartpole_utils as cu

ROOT = Path(__file__).resolve().parent.parent


def lesson_namespace() -> dict:
    namespace: dict = {}
    for cell in jupytext.read(ROOT / "notebooks" / "02_online_dqn.py").cells:
        if cell.cell_type == "code" and "export" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)  # the imports
        elif cell.cell_type == "code" and any(f"def {name}(" in cell.source
                                              for name in ("discretize", "train_tabular")):
            exec(cell.source, namespace)
    return namespace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101-120")
    args = parser.parse_args()
    low, high = (int(x) for x in args.seeds.split("-"))
    lesson = lesson_namespace()
    discretize = lesson["discretize"]
    records = []
    for seed in range(low, high + 1):
        config = lesson["TabularConfig"](seed=seed)
        start = time.perf_counter()
        table = lesson["train_tabular"](config)
        seconds = time.perf_counter() - start
        returns = cu.evaluate(lambda obs, t=table, c=config: t[discretize(obs, c.bins)].argmax(axis=-1),
                              n_episodes=100, seed=cu.FINAL_EVAL_SEED)
        records.append({"seed": seed, "final_mean": float(returns.mean()), "seconds": seconds})
        print(f"seed {seed}: greedy mean {returns.mean():6.1f} over 100 episodes ({seconds:.1f} s)")
    means = np.array([r["final_mean"] for r in records])
    quartiles = np.percentile(means, [25, 75])
    print(f"median {np.median(means):.1f}, IQR [{quartiles[0]:.1f}, {quartiles[1]:.1f}], "
          f"min {means.min():.1f}; "
          f"500 on {(means == 500).sum()}/{len(means)}; > 110 on {(means > 110).sum()}/{len(means)}")
    path = ROOT / "benchmarks" / "results" / f"tabular_seeds{args.seeds}.json"
    path.write_text(json.dumps(records, indent=0))
    print(f"raw results: {path}")


if __name__ == "__main__":
    main()
