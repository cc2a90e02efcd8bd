"""Train one of the course's agents over several seeds and print the protocol's table.

    python benchmarks/benchmark.py soft --seeds 10 --steps 50000
    python benchmarks/benchmark.py double --seeds 5 --set learning_rate=5e-4

Agents: online (02), replay (03), target (04), double (05), soft (06). Each run uses the code the
notebooks teach (cartpole_utils' generated components), torch on one thread, and the course's
evaluation protocol: greedy evaluation every 1,000 steps on 10 episodes, "solved" at the first
mean >= 475, final greedy mean over 100 episodes. Times are training seconds, evaluation excluded.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import cartpole_utils as cu  # noqa: E402

AGENTS = {
    "online": ("train_online", "OnlineConfig"),
    "replay": ("train_replay", "ReplayConfig"),
    "target": ("train_target", "TargetConfig"),
    "double": ("train_double", "DoubleConfig"),
    "soft": ("train_soft", "SoftConfig"),
}


def parse_overrides(pairs: list[str], config_cls: type) -> dict[str, Any]:
    fields = {f.name: f.type for f in dataclasses.fields(config_cls)}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in fields:
            raise SystemExit(f"{config_cls.__name__} has no field {key!r}; fields: {sorted(fields)}")
        out[key] = float(value) if "." in value or "e" in value.lower() else int(value)
    return out


def run_one(agent: str, seed: int, steps: int, overrides: dict[str, Any]) -> dict[str, Any]:
    cu.set_threads(1)
    train_name, config_name = AGENTS[agent]
    config = getattr(cu, config_name)(seed=seed, total_steps=steps, **overrides)
    result = getattr(cu, train_name)(config, progress=False)
    summary = result.summary()
    summary["final_min"] = float(np.min(result.final_returns))
    summary["best_eval"] = float(max(result.eval_means))
    summary["eval_means"] = result.eval_means
    return summary


def iqr(values: list[float]) -> str:
    if not values:
        return "-"
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:,.1f} [{q1:,.1f}, {q3:,.1f}]"


def table(agent: str, runs: list[dict[str, Any]], steps: int) -> str:
    solved = [r for r in runs if r["solved_at_step"] is not None]
    lines = [
        f"agent: {agent}  seeds: {len(runs)}  budget: {steps:,} env steps",
        f"{'seed':>4} {'solved at step':>15} {'train s to solve':>17} {'stays solved':>13} "
        f"{'best eval':>10} {'final mean':>11} {'final min':>10} {'train s total':>14}",
    ]
    for r in runs:
        step = f"{r['solved_at_step']:,}" if r["solved_at_step"] is not None else "never"
        secs = f"{r['solved_at_seconds']:.1f}" if r["solved_at_seconds"] is not None else "-"
        stab = "-" if np.isnan(r["stability"]) else f"{r['stability']:.0%}"
        lines.append(f"{r['seed']:>4} {step:>15} {secs:>17} {stab:>13} {r['best_eval']:>10.1f} "
                     f"{r['final_mean']:>11.1f} "
                     f"{r['final_min']:>10.0f} {r['train_seconds']:>14.1f}")
    # Seeds that never solve count as the budget (a lower bound) in the median of steps.
    steps_all = [r["solved_at_step"] if r["solved_at_step"] is not None else steps for r in runs]
    secs_solved = [r["solved_at_seconds"] for r in solved]
    stab = [r["stability"] for r in solved if not np.isnan(r["stability"])]
    after = [m >= cu.SOLVED_THRESHOLD for r in solved for m in r["eval_means"][r["solved_at_step"] // 1000:]]
    lines += [
        "",
        f"solved (greedy mean >= 475):        {len(solved)}/{len(runs)} seeds within {steps:,} steps",
        f"steps to solve, median [IQR]:       {iqr(steps_all)}  (unsolved seeds counted as {steps:,})",
        f"train seconds to solve, median [IQR]: {iqr(secs_solved)}  (solved seeds only)",
        f"evaluations still solved after the first solve: {np.mean(after):.1%} of {len(after)} "
        f"(per-seed median {np.median(stab) if stab else float('nan'):.0%})",
        f"final greedy mean (100 episodes) = 500: "
        f"{sum(r['final_mean'] >= 500 for r in runs)}/{len(runs)} seeds; "
        f"median {np.median([r['final_mean'] for r in runs]):.1f}",
        f"train seconds per 1,000 env steps, median: "
        f"{np.median([1000 * r['train_seconds'] / r['env_steps'] for r in runs]):.2f}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("agent", choices=sorted(AGENTS))
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N")
    parser.add_argument("--steps", type=int, default=50_000, help="budget in env steps")
    parser.add_argument("--jobs", type=int, default=1, help="parallel processes (timings are noisier)")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides, e.g. tau=0.01")
    parser.add_argument("--json", help="also write the per-seed results to this file")
    args = parser.parse_args()
    overrides = parse_overrides(args.set, getattr(cu, AGENTS[args.agent][1]))
    seeds = list(range(1, args.seeds + 1))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(run_one, [args.agent] * len(seeds), seeds, [args.steps] * len(seeds),
                             [overrides] * len(seeds)))
    print(table(args.agent, runs, args.steps))
    if overrides:
        print(f"overrides: {overrides}")
    print(f"wall time of the benchmark: {time.perf_counter() - started:.0f} s, jobs: {args.jobs}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(runs, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
