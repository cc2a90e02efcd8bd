"""The course's best agent against Stable-Baselines3's DQN, side by side, same protocol.

    pip install -e .[bench]        # adds stable-baselines3 (not needed by the notebooks)
    python benchmarks/peer_benchmark.py --seeds 101-120 --steps 50000

Both agents train on CartPole-v1 with one torch thread, on the same seeds, and are measured the
same way: greedy evaluation every 1,000 environment steps on 10 separately seeded episodes
(cartpole_utils.evaluate, the same seeds for both), "solved" at the first mean >= 475, training
seconds with evaluation excluded, final greedy mean over 100 episodes. SB3 uses the RL Zoo's
tuned hyperparameters for CartPole-v1 (rl-baselines3-zoo, hyperparams/dqn.yml).
Runs alternate between the two agents, seed by seed, so that drifts of the machine hit both. On
two cores, run two halves of the seeds side by side and summarize them together:

    python benchmarks/peer_benchmark.py --seeds 101-110 --out a.json &
    python benchmarks/peer_benchmark.py --seeds 111-120 --out b.json; wait
    python benchmarks/peer_benchmark.py --summarize a.json b.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import cartpole_utils as cu  # noqa: E402
from cartpole_utils.protocol import EVAL_SEED_OFFSET  # noqa: E402
from cartpole_utils.training import FINAL_EVAL_SEED, TrainResult  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import machine, parse_seeds  # noqa: E402

# RL Zoo, hyperparams/dqn.yml, CartPole-v1 (n_timesteps 5e4).
ZOO_CARTPOLE = dict(
    learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1_000, gamma=0.99,
    target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
    exploration_final_eps=0.04, policy_kwargs=dict(net_arch=[256, 256]),
)


def train_sb3(seed: int, steps: int) -> TrainResult:
    """SB3 DQN with the Zoo's settings, measured with the course's protocol."""
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    result = TrainResult(name="SB3 DQN (RL Zoo)", config={"seed": seed, **ZOO_CARTPOLE}, q_net=None)

    def policy(obs: np.ndarray) -> np.ndarray:
        return model.predict(obs, deterministic=True)[0]

    class ProtocolCallback(BaseCallback):
        def _on_training_start(self) -> None:
            self.clock = time.perf_counter()

        def _on_step(self) -> bool:
            step = self.num_timesteps
            if step % cu.EVAL_INTERVAL == 0:
                result.train_seconds += time.perf_counter() - self.clock
                result.eval_steps.append(step)
                returns = cu.evaluate(policy, cu.EVAL_EPISODES, seed=EVAL_SEED_OFFSET + step)
                result.eval_means.append(float(np.mean(returns)))
                result.eval_seconds_at.append(result.train_seconds)
                self.clock = time.perf_counter()
            return True

    model = DQN("MlpPolicy", cu.make_env(seed=seed), seed=seed, verbose=0, device="cpu", **ZOO_CARTPOLE)
    model.learn(total_timesteps=steps, callback=ProtocolCallback())
    result.final_returns = cu.evaluate(policy, cu.FINAL_EVAL_EPISODES, seed=FINAL_EVAL_SEED)
    return result


def train_course(agent: str, seed: int, steps: int) -> TrainResult:
    agents = {"soft": (cu.train_soft, cu.SoftConfig), "double": (cu.train_double, cu.DoubleConfig)}
    train, config = agents[agent]
    return train(config(seed=seed, total_steps=steps), progress=False)


def report(records: dict[str, list[dict]], agent: str, seeds: list[int], steps: int) -> str:
    """The protocol's table for both agents and the course / SB3 ratios, from per-seed run records."""
    summaries = {f"course ({agent})": cu.summarize(records["course"]),
                 "SB3 DQN (RL Zoo)": cu.summarize(records["sb3"])}
    course, sb3 = summaries.values()
    lines = [f"{len(seeds)} seeds ({seeds[0]}..{seeds[-1]}), {steps:,} env steps each, torch threads: 1",
             cu.format_table(summaries), "", "ratios course / SB3:"]
    for key, label in (("steps_to_solve", "median steps to solve"),
                       ("seconds_to_solve", "median train s to solve")):
        lines.append(f"  {label}: {course[key][1] / sb3[key][1]:.2f}")
    per_1k = course["seconds_per_1k_steps"] / sb3["seconds_per_1k_steps"]
    lines.append(f"  train s per 1k steps: {per_1k:.2f}")
    lines.append(f"  stays solved: {course['stays_solved'] / sb3['stays_solved']:.2f}")
    return "\n".join(lines)


def summarize_files(paths: list[str]) -> str:
    """One table over the seeds of several saved runs (e.g. two halves of a sweep run side by side)."""
    payloads = [json.loads(Path(p).read_text()) for p in paths]
    steps = {p["steps"] for p in payloads}
    agents = {p.get("agent", "soft") for p in payloads}
    if len(steps) != 1 or len(agents) != 1:
        raise SystemExit(f"These files differ in budget {sorted(steps)} or agent {sorted(agents)}; "
                         "summarize runs of one setting together.")
    records = {k: [r for p in payloads for r in p["records"][k]] for k in ("course", "sb3")}
    seeds = [s for p in payloads for s in p["seeds"]]
    machines = {json.dumps(p["machine"], sort_keys=True) for p in payloads}
    return report(records, agents.pop(), seeds, steps.pop()) + f"\nmachine: {'; '.join(sorted(machines))}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", default="soft", choices=["soft", "double"], help="the course's agent")
    parser.add_argument("--seeds", default="101-120", help="e.g. 101-120 or 101-105")
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--out", help="also write the raw per-seed results to this JSON file")
    parser.add_argument("--summarize", nargs="+", metavar="FILE",
                        help="print the table and ratios of saved runs (one or more --out files) and exit")
    args = parser.parse_args()
    if args.summarize:
        print(summarize_files(args.summarize))
        return 0
    cu.set_threads(1)
    runs: dict[str, list[TrainResult]] = {"course": [], "sb3": []}
    seeds = parse_seeds(args.seeds)
    for seed in seeds:
        runs["course"].append(train_course(args.agent, seed, args.steps))
        runs["sb3"].append(train_sb3(seed, args.steps))
        for key in runs:
            r = runs[key][-1]
            print(f"seed {seed} {r.name:>28}: solved at {r.solved_at_step}, "
                  f"{r.solved_at_seconds and round(r.solved_at_seconds, 1)} s, stays {r.stability:.0%}, "
                  f"final {r.final_mean:.1f}, train {r.train_seconds:.1f} s", flush=True)
    records = {k: [cu.run_record(r) for r in v] for k, v in runs.items()}
    print()
    print(report(records, args.agent, seeds, args.steps))
    if args.out:
        payload = {"agent": args.agent, "steps": args.steps, "seeds": seeds, "machine": machine(),
                   "records": records}
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(payload, indent=1) + "\n")
        print(f"raw results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
