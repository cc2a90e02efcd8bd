"""Copy the evaluation curves of the committed held-out sweeps into the package.

    python tools/ship_sweeps.py

Notebooks 07 and 10 draw the 20-seed truth from these files, so Colab (which installs the package,
not the repository) shows the same figures. Each file keeps, per seed, what the protocol's table
needs (the run record), plus, where the sweep saved diagnostics, the predicted Q(s0) and the
discounted return collected at each evaluation (notebook 05 compares them over seeds): 9-20 kB per
agent.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SHIPPED = ROOT / "cartpole_utils" / "data" / "sweeps"
SWEEPS = ["online", "replay", "target", "double", "soft", "dueling"]  # cu.SHIPPED_SWEEPS
KEEP = ("seed", "env_steps", "eval_steps", "eval_means", "eval_seconds_at", "train_seconds",
        "final_mean", "final_min")
KEEP_DIAGNOSTICS = ("q_start", "discounted_return")


def shipped_record(record: dict) -> dict:
    """What a notebook reads of one run: the record, and two of its diagnostics if saved."""
    kept = {k: record[k] for k in KEEP}
    if "diagnostics" in record:
        kept["diagnostics"] = {k: [round(v, 3) for v in record["diagnostics"][k]] for k in KEEP_DIAGNOSTICS}
    return kept


def main() -> None:
    SHIPPED.mkdir(parents=True, exist_ok=True)
    for agent in SWEEPS:
        source = RESULTS / f"{agent}_seeds101-120_30000.json"
        if not source.exists():
            raise SystemExit(f"{source.relative_to(ROOT)} is missing: run benchmarks/benchmark.py {agent} "
                             "--seeds 101-120 --steps 30000 first.")
        sweep = json.loads(source.read_text())
        shipped = {"source": source.relative_to(ROOT).as_posix(), "agent": agent, "steps": sweep["steps"],
                   "machine": sweep["machine"],
                   "records": [shipped_record(r) for r in sweep["records"]]}
        out = SHIPPED / source.name
        out.write_text(json.dumps(shipped, separators=(",", ":")) + "\n")
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
