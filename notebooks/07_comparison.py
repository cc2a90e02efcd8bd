# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/07_comparison.ipynb)
#
# # 07 · The comparison

# %% tags=["colab-setup"]
# Setup. On Colab this installs the course's helper package (Colab already has torch, so
# nothing reinstalls it). Anywhere else it does nothing: `make course` installed everything.
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("cartpole_utils") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "cartpole-utils @ git+https://github.com/dqn-course/cartpole-dqn"], check=True)
    importlib.invalidate_caches()

# %% [markdown]
# Nothing new to implement: this notebook is the experiment. Every agent of notebooks 02-06 (and the
# bonus dueling agent of notebook 08) is trained again, from the very code those notebooks taught
# (`cu.train_online`, ..., `cu.train_soft`), on several seeds, and measured with the course's protocol.
#
# **What you will learn**
# - why one run per agent proves nothing, and how many seeds this comparison affords;
# - medians with a band (interquartile range, and a bootstrap confidence interval of the median);
# - the protocol's table: steps to solve, training seconds to solve, how many seeds solved, whether
#   they *stay* solved, and the final greedy mean;
# - to state a conclusion only where every seed agrees with it.

# %%
import dataclasses
import os

import matplotlib.pyplot as plt
import numpy as np

import cartpole_utils as cu

# %% [markdown]
# ## The experiment
#
# Each agent keeps the settings of its notebook; only the budget is shared so the curves line up.
# Runs go to two worker processes (one torch thread each), which is as many as a laptop's two cores
# can take without the timings becoming meaningless.

# %%
@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """The comparison's settings."""

    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)  # one run per agent and seed
    total_steps: int = 15_000  # budget of every run, in environment steps
    jobs: int = min(2, os.cpu_count() or 1)  # worker processes


experiment = ExperimentConfig()
agents = {
    "02 online DQN": (cu.train_online, cu.OnlineConfig),
    "03 replay": (cu.train_replay, cu.ReplayConfig),
    "04 target network": (cu.train_target, cu.TargetConfig),
    "05 Double DQN": (cu.train_double, cu.DoubleConfig),
    "06 Double DQN, soft": (cu.train_soft, cu.SoftConfig),
    "08 dueling (bonus)": (cu.train_dueling, cu.DuelingConfig),
}

# %%
runs = {}
for name, (train, config_class) in cu.progress_bar(agents.items(), desc="agents"):
    configs = [config_class(seed=s, total_steps=experiment.total_steps) for s in experiment.seeds]
    runs[name] = cu.run_seeds(train, configs, jobs=experiment.jobs)
    for run in runs[name]:
        run.name = name

# %% [markdown]
# ## Learning curves over seeds
#
# The line is the median over seeds of the greedy evaluation (10 episodes every 1,000 steps). Left,
# the band is the interquartile range: where the middle half of the seeds are. Right, a 95% bootstrap
# confidence interval of the median (resampling seeds): how sure we are of the line itself. With 5
# seeds both are wide; that is the honest picture.

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), sharey=True)
cu.plot_seed_curves(runs, band="iqr", ax=axes[0])
cu.plot_seed_curves(runs, band="bootstrap", ax=axes[1])
fig.tight_layout()

# %% [markdown]
# ## The protocol's table
#
# Steps and seconds to solve are medians over the seeds that solved, with the interquartile range in
# brackets. "Stays solved" pools every evaluation after each seed's first solve.

# %%
def quartiles(values: list[float], fmt: str = "{:,.0f}") -> str:
    """'median [q1, q3]' of the values, or '-' if there are none."""
    if not values:
        return "-"
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return f"{fmt.format(median)} [{fmt.format(q1)}, {fmt.format(q3)}]"


def agent_row(agent_runs: list[cu.TrainResult]) -> dict[str, object]:
    """The protocol's numbers for one agent over its seeds."""
    solved = [r for r in agent_runs if r.solved_at_step is not None]
    after = [m >= cu.SOLVED_THRESHOLD for r in solved
             for m in r.eval_means[r.eval_steps.index(r.solved_at_step) + 1:]]
    return {
        "seeds solved": f"{len(solved)}/{len(agent_runs)}",
        "steps to solve": quartiles([r.solved_at_step for r in solved]),
        "seconds to solve": quartiles([r.solved_at_seconds for r in solved], "{:.1f}"),
        "stays solved": f"{np.mean(after):.0%}" if after else "-",
        "final mean (100 ep.)": quartiles([r.final_mean for r in agent_runs], "{:.0f}"),
        "final = 500": f"{sum(r.final_mean >= 500 for r in agent_runs)}/{len(agent_runs)}",
    }


table = {name: agent_row(agent_runs) for name, agent_runs in runs.items()}
columns = list(next(iter(table.values())))
widths = {c: 2 + max(len(c), *(len(str(row[c])) for row in table.values())) for c in columns}
print(f"{'agent':<21}" + "".join(f"{c:>{widths[c]}}" for c in columns))
for name, row in table.items():
    print(f"{name:<21}" + "".join(f"{str(row[c]):>{widths[c]}}" for c in columns))

# %% [markdown]
# One difference besides the target update: notebooks 06 and 08 use $\gamma = 0.995$, the others 0.99
# (notebook 06 explains why). So the rows of 05 and 06 differ in two settings, not one.
#
# ## What the seeds agree on
#
# A conclusion is printed only if it holds for every seed, or for the medians with bands that do not
# overlap; everything else is listed as a disagreement.

# %%
def solved_count(name: str) -> int:
    """Seeds on which an agent reached a greedy mean of 475."""
    return sum(r.solved_at_step is not None for r in runs[name])


online = "02 online DQN"
replay_agents = [name for name in runs if name != online]
online_best = max(max(r.eval_means) for r in runs[online])
coin = np.random.default_rng(0)
random_mean = cu.evaluate(lambda obs: coin.integers(0, 2, size=len(obs)), 100).mean()
print(f"random policy: {random_mean:.1f}; online DQN's best evaluation over all seeds: {online_best:.0f}")
for name in replay_agents:
    print(f"{name}: solved on {solved_count(name)}/{len(experiment.seeds)} seeds "
          f"(online DQN: {solved_count(online)}/{len(experiment.seeds)})")

# %%
final_means = {name: np.array([r.final_mean for r in agent_runs]) for name, agent_runs in runs.items()}
for a in replay_agents:
    for b in replay_agents:
        if a < b:
            higher = int(np.sum(final_means[a] > final_means[b]))
            lower = int(np.sum(final_means[a] < final_means[b]))
            verdict = "seeds agree" if higher == 0 or lower == 0 else "seeds disagree"
            print(f"final mean, {a} vs {b}: higher on {higher}, lower on {lower}, "
                  f"tied on {len(experiment.seeds) - higher - lower} seeds -> {verdict}")

# %% [markdown]
# The checks below assert only what the course teaches and the seeds support: a replay buffer turns
# online DQN's brief peaks into an agent that gets much further (compare each agent's best evaluation,
# median over seeds), and the course's final agent (06) solves CartPole-v1 on most seeds, on more
# seeds than online DQN. Orderings *among* the replay agents change from seed to seed (the lines above
# say where), so they are not asserted.

# %%
def best_eval(name: str) -> float:
    """Median over seeds of an agent's best greedy evaluation."""
    return float(np.median([max(r.eval_means) for r in runs[name]]))


final_agent = "06 Double DQN, soft"
for name in replay_agents:
    print(f"{name}: best evaluation, median over seeds {best_eval(name):.0f} "
          f"(online DQN: {best_eval(online):.0f})")
    assert best_eval(name) > best_eval(online), (
        f"{name} should get further than online DQN; did a graduated component change? Run its notebook.")
assert solved_count(final_agent) >= len(experiment.seeds) - 1, (
    f"The final agent solved only {solved_count(final_agent)}/{len(experiment.seeds)} seeds within "
    f"{experiment.total_steps:,} steps; notebook 06 solves it. Run notebook 06 and the unit tests.")
assert solved_count(final_agent) > solved_count(online), (
    "The final agent should solve on more seeds than online DQN.")

# %% [markdown]
# ## The agents at play
#
# Pick an agent and a seed to watch its final network (needs a running kernel). Below the picker,
# one episode of each agent's seed-1 network, for readers of the saved notebook.

# %%
def show_agent(agent: str, seed: int) -> None:
    """Record and show one greedy episode of an agent's final network."""
    from IPython.display import display

    run = runs[agent][experiment.seeds.index(seed)]
    episode = cu.record_episode(cu.make_env(render_mode="rgb_array"), run.q_net, seed=100)
    display(cu.show_gif(episode, caption=f"{agent}, seed {seed}: {episode.length} steps", every=3))


import ipywidgets as widgets

widgets.interactive(show_agent, agent=list(runs), seed=list(experiment.seeds))

# %%
for name in runs:
    show_agent(name, experiment.seeds[0])

# %% [markdown]
# ## Exercises
# 1. Add seeds 6-10 (`ExperimentConfig(seeds=tuple(range(1, 11)))`). Which conclusions survive, and
#    how much narrower does the bootstrap band get?
# 2. Give every agent twice the budget. Does the online agent ever catch up?
# 3. The seconds to solve depend on the machine. Which column of the table would you quote to
#    compare with a paper, and which to compare with a colleague's laptop?
