"""Seed sweep: train one agent over a list of seeds in parallel and print the protocol's table.

    python benchmarks/benchmark.py soft --seeds 101-120             # notebook 06's agent, its budget
    python benchmarks/benchmark.py double --seeds 1-20 --set learning_rate=1e-3 total_steps=30000
    python benchmarks/benchmark.py mymodule:train_fn:MyConfig --seeds 1-5   # any importable agent

Agents: online (02), replay (03), target (04), double (05), soft (06), dueling (08), or
``module:train_function:ConfigClass`` for an agent of your own (``module`` must be importable, e.g.
on ``PYTHONPATH``). Each run uses the code the notebooks teach (cartpole_utils' generated
components), one torch thread, and the course's evaluation protocol: greedy evaluation every 1,000
steps on 10 episodes, "solved" at the first mean >= 475, final greedy mean over 100 episodes. Times
are training seconds, evaluation excluded. The raw per-seed results go to a JSON file under
``benchmarks/results/`` (or ``--out``); ``--summarize FILE`` prints a saved sweep's table again.

Runs are spread with joblib: local processes by default (``--jobs``). A Dask or Ray cluster runs the
same sweep with ``--backend dask --scheduler tcp://HOST:8786 --jobs 64`` or, with ``RAY_ADDRESS`` set,
``--backend ray --jobs 64`` (see the README); no code changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cartpole_utils as cu  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
AGENTS = {
    "online": ("train_online", "OnlineConfig"),
    "replay": ("train_replay", "ReplayConfig"),
    "target": ("train_target", "TargetConfig"),
    "double": ("train_double", "DoubleConfig"),
    "soft": ("train_soft", "SoftConfig"),
    "dueling": ("train_dueling", "DuelingConfig"),
}


def resolve(agent: str) -> tuple[Any, type]:
    """The training function and config class of a course agent or of ``module:function:Config``."""
    if agent in AGENTS:
        train_name, config_name = AGENTS[agent]
        return getattr(cu, train_name), getattr(cu, config_name)
    parts = agent.split(":")
    if len(parts) != 3:
        raise SystemExit(f"Unknown agent {agent!r}: use one of {sorted(AGENTS)} "
                         "or module:train_fn:ConfigClass.")
    module = importlib.import_module(parts[0])
    return getattr(module, parts[1]), getattr(module, parts[2])


def parse_seeds(text: str) -> list[int]:
    """'1-20' or '1,5,9' or '101-105,200' -> a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high) + 1)) if high else [int(low)]
    return seeds


def field_comments(config_cls: type) -> dict[str, str]:
    """Each dataclass field's trailing comment in its source (``total_steps: int = ...  # budget``),
    also for fields a config inherits from the one it derives from."""
    import inspect
    import re

    comments: dict[str, str] = {}
    for cls in reversed(config_cls.__mro__):  # a subclass's comment wins over its parent's
        if not dataclasses.is_dataclass(cls):
            continue
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        found = re.findall(r"^\s+(\w+)\s*:[^#\n]*#\s*(.+)$", source, re.M)
        comments.update({name: comment.strip() for name, comment in found})
    return comments


def describe_fields(config_cls: type) -> str:
    """One line a field: name, type, default and comment (what ``--help`` lists)."""
    comments = field_comments(config_cls)
    return "\n".join(
        f"  {f.name:<24} {type(f.default).__name__:<6} = {f.default!r:<10} {comments.get(f.name, '')}"
        for f in dataclasses.fields(config_cls)
    )


def _typed(config_cls: type, key: str, value: str, default: Any) -> Any:
    """``value`` as the type of the field's default, or a SystemExit that names the field."""
    kind = type(default)
    article = "an" if kind.__name__[0] in "aeiou" else "a"
    wrong = SystemExit(f"{config_cls.__name__}.{key} takes {article} {kind.__name__}: {value!r} is not one "
                       f"(e.g. {key}={default!r}).")
    if kind is bool:
        words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        if value.strip().lower() not in words:
            raise wrong
        return words[value.strip().lower()]
    if kind is int:
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            raise wrong from None
        if not number.is_integer():
            raise wrong
        return int(number)  # 3e4 and 30_000 are whole numbers too
    if kind is float:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            raise wrong from None
    if kind is str:
        return value
    raise SystemExit(f"{config_cls.__name__}.{key} ({kind.__name__}) cannot be set from the command line.")


def parse_overrides(pairs: list[str], config_cls: type) -> dict[str, Any]:
    """``["tau=0.05", "train_freq=4"]`` -> overrides of the config dataclass's fields, each of the
    field's own type: ``learning_starts=1.7`` and ``tau=fast`` are refused with the
    field's name; booleans take true/false (or 1/0, yes/no)."""
    fields = {f.name: f for f in dataclasses.fields(config_cls)}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set takes name=value pairs, got {pair!r}.")
        if key not in fields:
            raise SystemExit(f"{config_cls.__name__} has no field {key!r}; its fields:\n"
                             f"{describe_fields(config_cls)}")
        out[key] = _typed(config_cls, key, value, fields[key].default)
    return out


def run_one(agent: str, config: Any, diagnostics: bool = False, keep_best: bool = False) -> dict[str, Any]:
    """Train one seed (in a worker process) and return its run record.

    With ``diagnostics``, the record also holds the monitor's diagnostics at each evaluation
    (predicted Q at the start states, TD loss, ...). With ``keep_best``, the run also keeps the
    weights of its best periodic evaluation (``cu.KeepBest``), and the record holds their final
    evaluation (``best_final_mean``, ``best_final_min``) and step (``best_eval_step``).
    """
    cu.set_threads(1)
    train, _ = resolve(agent)
    result = train(config, progress=False, callbacks=[cu.KeepBest()] if keep_best else [])
    record = cu.run_record(result)
    if keep_best:
        best = np.asarray(result.best_final_returns, dtype=float)
        record |= {"best_eval_step": result.best_eval_step, "best_final_mean": float(best.mean()),
                   "best_final_min": float(best.min())}
    if diagnostics:
        record["diagnostics"] = {key: [float(v) for v in values]
                                 for key, values in result.diagnostics.items()}
    return record


def value_lines(records: list[dict[str, Any]], gamma: float) -> list[str]:
    """Predicted Q(s0) against the most any policy can earn, 1/(1-gamma), over the seeds."""
    if not all("diagnostics" in r for r in records):
        return []
    ceiling = 1 / (1 - gamma)
    values = cu.values_over_seeds(records)
    peak, last, collected = values["peak"], values["last"], values["collected"]
    q = cu.quartiles
    return [f"predicted Q(s0), max over evaluations: median {q(peak)[1]:.0f} "
            f"[{q(peak)[0]:.0f}, {q(peak)[2]:.0f}]; "
            f"above 1/(1-gamma) = {ceiling:.0f} on {sum(v > ceiling for v in peak)}/{len(peak)}",
            f"at the last evaluation: predicted median {q(last)[1]:.0f} "
            f"[{q(last)[0]:.0f}, {q(last)[2]:.0f}], "
            f"discounted return collected median {q(collected)[1]:.0f}"]


def machine() -> dict[str, str]:
    import torch

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "python": platform.python_version()}


def per_seed_lines(records: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'seed':>5} {'first reached 475':>18} {'train s':>8} {'stays':>6} {'best':>6} "
             f"{'final mean':>11} {'final min':>10} {'train s total':>14}"]
    for r in records:
        s = cu.summarize([r])
        step, secs = s["steps_to_solve"][1], s["seconds_to_solve"][1]
        stays = s["stays_solved"]
        lines.append(
            f"{r['seed']:>5} {'never' if step != step else f'{step:,.0f}':>18} "
            f"{'-' if secs != secs else f'{secs:.1f}':>8} {'-' if stays != stays else f'{stays:.0%}':>6} "
            f"{max(r['eval_means']):>6.0f} {r['final_mean']:>11.1f} {r['final_min']:>10.0f} "
            f"{r['train_seconds']:>14.1f}")
    return lines


def report(payload: dict[str, Any]) -> str:
    records = payload["records"]
    summary = cu.summarize(records)
    name = payload["agent"] + (f" ({payload['tag']})" if payload.get("tag") else "")
    lines = [f"agent: {name}  seeds: {payload['seeds'][0]}..{payload['seeds'][-1]} ({len(records)})  "
             f"budget: {payload['steps']:,} env steps  overrides: {payload['overrides'] or 'none'}", ""]
    lines += per_seed_lines(records) + ["", cu.format_table({name: summary})]
    best = [max(r["eval_means"]) for r in records]
    check = cu.ONLINE_CHECK_RETURN
    lines.append(f"best evaluation >= {check} (2x random play): {sum(b >= check for b in best)}/{len(best)}")
    if "config" in payload and "gamma" in payload["config"]:
        lines += value_lines(records, payload["config"]["gamma"])
    if all("best_final_mean" in r for r in records):
        kept = [r["best_final_mean"] for r in records]
        q1, median, q3 = cu.quartiles(kept)
        lines.append(f"kept best weights (cu.KeepBest), same final episodes: final = 500 on "
                     f"{sum(k == 500 for k in kept)}/{len(kept)}, final mean median {median:.0f} "
                     f"[{q1:.0f}, {q3:.0f}]")
    if "wall_seconds" in payload:
        lines.append(f"wall time: {payload['wall_seconds']:.0f} s, jobs: {payload['jobs']}, "
                     f"backend: {payload['backend']}, machine: {payload['machine']}")
    return "\n".join(lines)


def main() -> int:
    fields = "\n\n".join(f"{name} ({getattr(cu, config).__name__}), --set NAME=VALUE for any of:\n"
                           f"{describe_fields(getattr(cu, config))}" for name, (_, config) in AGENTS.items())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=fields,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("agent", nargs="?", help=f"one of {sorted(AGENTS)} or module:train_fn:ConfigClass")
    parser.add_argument("--seeds", default="101-120", help="e.g. 1-20 (tuning) or 101-120 (reporting)")
    parser.add_argument("--steps", type=int, help="budget in env steps (default: the config's own)")
    parser.add_argument("--set", nargs="*", action="extend", default=[],
                        help="config overrides, e.g. --set tau=0.01 gamma=0.99 (a repeated --set adds)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="parallel runs")
    parser.add_argument("--backend", default="loky", help="joblib backend: loky (local), dask, ray, ...")
    parser.add_argument("--scheduler", help="with --backend dask: the scheduler's address (tcp://host:8786)")
    parser.add_argument("--tag", default="", help="a name for this setting in the output file")
    parser.add_argument("--out", help="JSON file for the raw results (default: under benchmarks/results/)")
    parser.add_argument("--summarize", metavar="FILE", help="print the table of a saved sweep and exit")
    parser.add_argument("--diagnostics", action="store_true",
                        help="also save the monitor's diagnostics per evaluation (predicted Q(s0), ...)")
    parser.add_argument("--keep-best", action="store_true",
                        help="also keep each run's best evaluated weights (cu.KeepBest) and evaluate them")
    args = parser.parse_args()
    if args.summarize:
        print(report(json.loads(Path(args.summarize).read_text())))
        return 0
    if not args.agent:
        parser.error("name an agent, or --summarize FILE")
    _, config_cls = resolve(args.agent)
    overrides = parse_overrides(args.set, config_cls)
    if args.steps:
        overrides["total_steps"] = args.steps
    seeds = parse_seeds(args.seeds)
    configs = [config_cls(**{**overrides, "seed": seed}) for seed in seeds]
    if args.backend == "ray":  # pragma: no cover - needs Ray; ray.init() reads RAY_ADDRESS
        from ray.util.joblib import register_ray

        register_ray()
    elif args.backend == "dask":  # run by tests/test_cluster.py (in a subprocess)
        from distributed import Client

        Client(args.scheduler)  # None starts a local cluster; an address joins a running one
    from joblib import Parallel, delayed, parallel_config

    started = time.perf_counter()
    with parallel_config(backend=args.backend, n_jobs=args.jobs):
        records = list(Parallel()(delayed(run_one)(args.agent, config, args.diagnostics, args.keep_best)
                                  for config in configs))
    payload = {
        "agent": args.agent, "tag": args.tag, "seeds": seeds, "steps": configs[0].total_steps,
        "overrides": {k: v for k, v in overrides.items() if k != "total_steps"},
        "config": dataclasses.asdict(configs[0]) | {"seed": None},
        "jobs": args.jobs, "backend": args.backend, "machine": machine(),
        "wall_seconds": time.perf_counter() - started, "records": records,
    }
    print(report(payload))
    agent_name = args.agent.split(":")[-1] if ":" in args.agent else args.agent
    out = Path(args.out) if args.out else RESULTS / (
        f"{agent_name}{'_' + args.tag if args.tag else ''}"
        f"_seeds{seeds[0]}-{seeds[-1]}_{payload['steps']}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"raw results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
