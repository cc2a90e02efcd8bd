"""Copy the evaluation curves of the committed held-out sweeps into the package.

    python tools/ship_sweeps.py

Notebooks 07 and 10 draw the 20-seed truth from these files, so Colab (which installs the package,
not the repository) shows the same figures. Each file keeps, per seed, what the protocol's table
needs (the run record without the diagnostics), about 9 kB per agent.
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
                   "records": [{k: r[k] for k in KEEP} for r in sweep["records"]]}
        out = SHIPPED / source.name
        out.write_text(json.dumps(shipped, separators=(",", ":")) + "\n")
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
