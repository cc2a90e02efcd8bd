# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/06_soft_updates.ipynb)
#
# # 06 · Soft target updates

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
# **What changes since notebook 05.** The target network jumped: frozen for $C$ steps, then replaced
# all at once, so the targets jump too. A **soft update** (Polyak averaging; Lillicrap et al., 2016)
# moves the target network a small step $\tau$ towards the Q-network at every step instead.
# The same averaging, run more slowly, also gives the network the agent *deploys*: a running average
# of the Q-network's recent weights, whose greedy policy is steadier than the Q-network's own.
# The agent is Double DQN from notebook 05 with this one idea, Polyak averaging, and one small rule
# that serves the same end (a steadier greedy policy): no gradient steps while the agent balances.
# It is the course's final agent.
#
# **What you will learn**
# - Polyak averaging of weights, and how $\tau$ sets the target network's memory;
# - that a hard copy is the special case $\tau = 1$ applied every $C$ steps;
# - why the course evaluates and deploys an average of the weights, and what that bought on 20 seeds;
# - why the final agent pauses its gradient steps while its training episodes reach the time limit;
# - a small $\tau$ sweep, and how to read its trade-offs without over-claiming.

# %% tags=["export"]
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import cartpole_utils as cu

# %%
cu.set_threads(1)  # tiny networks run fastest on one CPU thread (see cu.set_threads)


# %% [markdown]
# ## Polyak averaging
#
# | | target network update |
# |---|---|
# | hard (04, 05) | $\theta' \leftarrow \theta$ every $C$ steps |
# | soft (06) | $\theta' \leftarrow \tau\,\theta + (1 - \tau)\,\theta'$ every `target_update_interval` steps |
#
# With $\tau = 1$ the soft update *is* the hard copy. With a small $\tau$, after $n$ updates the
# target still carries a weight $(1-\tau)^n$ of its old self: it follows the Q-network with a
# half-life of $\ln 2 / -\ln(1-\tau)$ updates, about $0.69/\tau$ (34 updates for $\tau = 0.02$).
#
# The update runs at every environment step, so it has to be cheap. `lerp_` ("linear interpolation")
# computes $\theta' + \tau(\theta - \theta')$ in place, one parameter tensor at a time. PyTorch's own
# optimizers use a private helper that does a whole list in one call; it gives the same numbers
# and saves a few microseconds per update, not worth code you should not copy. The parameter lists
# are built once, before training: walking `parameters()` of both modules at every step cost about
# as much as the arithmetic itself.

# %% tags=["export"]
def soft_update(target_params: list[torch.Tensor], q_params: list[torch.Tensor], tau: float) -> None:
    """Polyak update theta' <- tau * theta + (1 - tau) * theta', in place. Taught in notebook 06.

    Takes the two networks' parameter lists, built once: `list(net.parameters())`.
    """
    with torch.no_grad():
        for target_param, q_param in zip(target_params, q_params):
            target_param.lerp_(q_param, tau)  # θ' ← θ' + τ (θ - θ') = τ θ + (1 - τ) θ'


# %%
q_net, target_net = cu.QNetwork(), cu.QNetwork()
q_params, target_params = list(q_net.parameters()), list(target_net.parameters())
before = [p.clone() for p in target_params]
soft_update(target_params, q_params, tau=0.25)
expected = [0.25 * p + 0.75 * b for p, b in zip(q_net.parameters(), before)]
print("largest deviation from tau*theta + (1-tau)*theta':",
      max((t - e).abs().max().item() for t, e in zip(target_net.parameters(), expected)))

# %%
assert all(torch.allclose(t, e) for t, e in zip(target_net.parameters(), expected)), (
    "soft_update must compute tau * theta + (1 - tau) * theta' for every parameter.")
soft_update(target_params, q_params, tau=1.0)
assert all(torch.equal(t, p) for t, p in zip(target_net.parameters(), q_net.parameters())), (
    "With tau = 1 a soft update is the hard copy of notebook 04.")

# %% [markdown]
# ## How $\tau$ shapes the target's memory
#
# Suppose the Q-network's weights jump at step 0 and then stay put. The plot shows the fraction of
# that jump the target network has absorbed after $t$ steps, for a soft update every step and for
# a hard copy every $C$ steps. Drag the sliders (the static figure shows the settings of this notebook).

# %%
def plot_tracking(tau: float = 0.02, hard_interval: int = 100, steps: int = 500):
    """Fraction of a jump in theta that theta' has absorbed after t steps, soft vs hard."""
    import matplotlib.pyplot as plt

    t = np.arange(steps + 1)
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.plot(t, 1 - (1 - tau) ** t, label=f"soft, τ = {tau:g} every step")
    ax.step(t, (t >= hard_interval).astype(float), where="post", label=f"hard copy every {hard_interval} steps")
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax.set(xlabel="steps after the jump", ylabel="fraction absorbed by θ'", ylim=(-0.02, 1.05))
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


cu.explorer(plot_tracking, static_values=[{"tau": 0.02, "hard_interval": 100}],
            tau=(0.001, 0.2, 0.001), hard_interval=(10, 1_000, 10))

# %% [markdown]
# ## A second average: the network the agent deploys
#
# Once the agent balances, the Q-values of its two actions differ by little (most single pushes do
# not decide the episode), so every gradient step can flip the greedy action in some states. The
# weights after the last gradient step are one noisy point of a jittering sequence, and the greedy
# policy of that one point may let the cart drift off the track. An average over the last few hundred
# gradient steps cancels much of the jitter: averaging the iterates of stochastic gradient descent
# is Polyak and Juditsky's (1992) classic remedy, and Nikishin et al. (2018) measured it stabilizing
# deep RL agents. So the final agent keeps a third network $\bar\theta$ and, after each gradient step,
#
# $$\bar\theta \leftarrow \bar\tau\,\theta + (1 - \bar\tau)\,\bar\theta, \qquad \bar\tau = 0.01,$$
#
# the same `soft_update` with its own rate (`avg_tau`): a half-life of about 69 gradient steps,
# about 280 environment steps. The Q-network $\theta$ still acts (with $\varepsilon$-greedy exploration)
# and learns; $\bar\theta$ learns nothing and takes part in no target. It is what the evaluations
# measure, what the GIF plays and what the checkpoint stores: the agent at the end of the budget.
#
# Seed sweeps of this agent on seeds 1-20 at 20,000 steps (`benchmarks/tuning_agent.py`, raw results
# in `benchmarks/results/tuning/`, on a 2-core Intel Xeon), evaluating $\theta$ against evaluating
# $\bar\theta$ (both before the pause of the next section):
#
# | evaluated network | first reached 475 within 75% of the budget | median steps | evaluations after the first solve that stayed solved | final greedy mean = 500 |
# |---|---|---|---|---|
# | Q-network $\theta$ | 20/20 | 10,000 | 75.0% of 200 | 15/20 |
# | average, $\bar\tau = 0.01$ | 20/20 | 10,000 | 81.7% of 218 | 18/20 |
# | average, $\bar\tau = 0.005$ | 20/20 | 10,000 | 85.5% of 200 | 17/20 |
# | average, $\bar\tau = 0.003$ | 18/20 | 11,000 | 89.5% of 181 | 17/20 |
#
# Every average stayed solved more often and ended at 500 on more seeds than the Q-network itself.
# Slower averages stayed solved more often, but
# the slowest lagged behind the learning (two seeds first reached 475 only late in the budget);
# $\bar\tau = 0.01$ ended at 500 on the most seeds and is the course's setting. Differences of a few
# percent or one seed are within seed-to-seed noise on 20 seeds. No average removes the long
# collapses in which the Q-network itself forgets for thousands of steps: it can only smooth what it
# averages.

# %% [markdown]
# ## Pausing the gradient steps while the agent balances
#
# Averaging smooths the jitter of the gradient steps; the agent has one more reason to jitter. Once a
# training episode runs the full 500 steps, every transition it adds comes from a pole that stays up,
# each with a target close to $1/(1-\gamma)$, and the failures the network learned from become a
# shrinking part of the batches. Gradient steps on such batches have little left to teach and keep
# nudging the small differences between the two actions' values, until a greedy action somewhere
# flips and the cart drifts away. So the final agent changes its *update-to-data ratio* with what it
# sees: one gradient step every `train_freq` steps while its episodes still fail, none while the
# last finished training episode reached the time limit (`pause_when_balancing`). Exploration goes on
# ($\varepsilon = 0.1$), so a weakness shows up as a training episode that falls; from that fall on,
# the agent learns again, with the failure in its buffer. Nothing here looks at an evaluation: the
# rule reads the training episodes only, and the network at the end of the budget is still what is
# measured. While paused, $\bar\theta$ and $\theta'$ keep moving towards the (now still) $\theta$.
#
# Seed sweeps on seeds 1-20 at 20,000 steps (`benchmarks/tuning_agent.py`, `solving_skip=2`, with the
# average $\bar\tau = 0.01$; raw results in `benchmarks/results/tuning/`), on a 2-core AMD EPYC:
#
# | gradient steps | first reached 475 within 75% of the budget | median steps | evaluations after the first solve that stayed solved | final greedy mean = 500 | training s per 1,000 steps |
# |---|---|---|---|---|---|
# | every 4 steps, always | 20/20 | 9,500 | 75.8% of 223 | 14/20 | 0.33 |
# | every 4 steps, paused while balancing | 20/20 | 9,000 | 80.3% of 228 | 19/20 | 0.21 |
#
# The pause ended at 500 on five more seeds, stayed solved a little more often (within the noise of
# 20 seeds), and trained a third faster, since a balancing agent skips its gradient steps. It does not
# remove the dips that come *before* the Q-values have grown to their final size (the first ten
# thousand steps or so): an early evaluation can reach 475 and the next one fall back.

# %% [markdown]
# ## Training Double DQN with soft updates
#
# Two settings replace $C$: `tau`, and `target_update_interval` (how often the soft update runs,
# here every step); a third, `avg_tau`, sets the deployed average, and `pause_when_balancing` the
# pause. The loop is notebook 05's with the last line changed, one line added after the gradient step,
# the gradient step skipped while `balancing`, and the monitor told to evaluate $\bar\theta$
# (`deployed_net=avg_net`; it still reads the gradient norms from $\theta$).
#
# Everything else is notebook 05's agent, with the same settings (notebook 03 explains $\gamma = 0.995$
# and `end_e = 0.1`), so the difference in how the two learn is Polyak averaging (of the target
# network and of the deployed network) and the pause while balancing (the two previous sections).
# Only the budget differs: 20,000 steps here, 30,000 in notebook 05, because each budget leaves its
# agent the margin its check needs (on the sweeps of seeds 101-120, 06's agent first reached 475
# within 15,000 steps on 19 of 20 seeds; 05's did so within 15,000 on 15 of 20, within 22,500 on 20
# of 20). With
# $\gamma = 0.995$, the Q-values of an agent that balances to the time limit approach
# $1/(1-\gamma) = 200$, the discounted return of an episode that never ends (bootstrapping
# continues past the 500-step cut, because a truncated episode is not a terminal state).

# %% tags=["export"]
@dataclass(frozen=True)
class SoftConfig:
    """Hyperparameters of Double DQN with soft target updates (notebook 06): the course's final agent."""

    seed: int = 1  # seeds Python, NumPy, torch, the environment and exploration
    total_steps: int = 20_000  # training budget in environment steps
    learning_rate: float = 4e-3  # Adam step size (see notebook 03)
    gamma: float = 0.995  # discount factor: a horizon of about 200 steps (see notebook 03)
    hidden_size: int = 128  # units in each of the two hidden layers
    buffer_size: int = 50_000  # transitions kept in the replay buffer
    batch_size: int = 256  # transitions per gradient step (see notebook 03)
    learning_starts: int = 1_000  # steps of experience collected before the first update
    train_freq: int = 4  # environment steps between gradient steps (see notebook 03)
    tau: float = 0.02  # Polyak step: theta' <- tau theta + (1 - tau) theta'
    target_update_interval: int = 1  # environment steps between soft updates
    avg_tau: float = 0.01  # Polyak step of the deployed average theta_bar, after each gradient step
    pause_when_balancing: bool = True  # no gradient step while the last training episode reached the limit
    start_e: float = 1.0  # initial exploration rate
    end_e: float = 0.1  # final exploration rate (see notebook 03)
    exploration_steps: int = 5_000  # steps over which epsilon decays linearly


# %% tags=["export"]
def train_soft(config: SoftConfig, **monitor_options: Any) -> cu.TrainResult:
    """Double DQN with a soft target and a Polyak-averaged deployed network. Taught in notebook 06."""
    cu.seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = cu.make_env(seed=config.seed)
    q_net, target_net, avg_net = (cu.QNetwork(config.hidden_size) for _ in range(3))
    cu.hard_update(target_net, q_net)
    cu.hard_update(avg_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    q_params, target_params, avg_params = (list(net.parameters()) for net in (q_net, target_net, avg_net))
    replay_buffer = cu.ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = cu.Monitor(q_net, config, name=f"Double DQN, soft τ={config.tau:g}",
                         deployed_net=avg_net, **monitor_options)  # evaluates and returns θ̄
    obs, _ = env.reset(seed=config.seed)
    balancing = False  # did the last finished training episode run to the time limit?
    for global_step in monitor.steps():
        epsilon = cu.linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = cu.epsilon_greedy(q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)
        if terminated or truncated:
            balancing = truncated and not terminated  # 500 steps without a fall
        obs = env.reset()[0] if terminated or truncated else next_obs
        if global_step > config.learning_starts and global_step % config.train_freq == 0:
            if not (config.pause_when_balancing and balancing):  # learn again after the next fall
                batch = replay_buffer.sample(config.batch_size)
                td_target = cu.double_dqn_td_target(q_net, target_net, batch, config.gamma)
                loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
                monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
            soft_update(avg_params, q_params, config.avg_tau)  # θ̄ ← τ̄ θ + (1 - τ̄) θ̄
        if global_step % config.target_update_interval == 0:
            soft_update(target_params, q_params, config.tau)  # θ' ← τ θ + (1 - τ) θ'
    return monitor.result()


# %%
config = SoftConfig()
result = train_soft(config, live=True)
print(result.report())

# %%
assert result.solved_at_step is not None, (
    f"Double DQN with soft updates should reach a greedy mean of 475 within {config.total_steps:,} "
    f"steps; its best evaluation was {max(result.eval_means):.0f}. Check soft_update's direction: "
    "the target moves towards the Q-network, not the other way.")

# %% [markdown]
# ## A $\tau$ sweep
#
# Same seed and budget, three target updates: the hard copy of notebooks 04-05 ($\tau = 1$ every 100
# steps) and soft updates every step with $\tau = 0.1$ and this notebook's $\tau = 0.02$ (item 2 of
# "More to try" adds a smaller one). One seed per setting keeps this notebook short, so treat
# differences as hints: notebook 07 runs this agent and notebook 05's over ten seeds each, and the
# seed sweep `benchmarks/benchmark.py soft --set tau=0.1` runs any setting over twenty.

# %%
import dataclasses

# Two worker processes (one torch thread each) run the two other settings side by side. Workers can
# only run importable code, so they get the graduated copies cu.SoftConfig and cu.train_soft.
base = cu.SoftConfig(**dataclasses.asdict(config))
sweep = {
    "hard copy (τ=1 every 100)": dataclasses.replace(base, tau=1.0, target_update_interval=100),
    "soft τ=0.1": dataclasses.replace(base, tau=0.1),
}
sweep_results = dict(zip(sweep, cu.run_seeds(cu.train_soft, list(sweep.values()), jobs=2)))
sweep_results[f"soft τ={config.tau:g}"] = result
for name, run in sweep_results.items():
    solved = (f"first reached 475 at {run.solved_at_step:>6,} steps" if run.solved_at_step
              else "never reached 475" + " " * 16)
    stays = "  -" if np.isnan(run.stability) else f"{run.stability:4.0%}"
    print(f"{name:>26}: {solved}, stays solved {stays}, final greedy mean {run.final_mean:5.1f}")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 3.8))
for name, run in sweep_results.items():
    ax.plot(run.eval_steps, run.eval_means, "o-", ms=3, lw=1.2, label=name)
ax.axhline(cu.SOLVED_THRESHOLD, color="k", ls="--", lw=1)
ax.set(xlabel="environment steps", ylabel="greedy return (10 episodes)", ylim=(0, 520),
       title=f"τ sweep, seed {config.seed}")
ax.legend(fontsize=8, loc="lower right");

# %% [markdown]
# **The trade-off.** A large $\tau$ lets the target follow the Q-network quickly: what the network
# learns reaches the targets sooner, but the targets move more, as in notebook 03. A small $\tau$ gives
# steady targets but slows the spread of what the network learns through bootstrapping. The hard copy
# holds the target still for $C$ steps and then jumps. The table and the curves above show where each
# setting landed on this seed, both how early it first solved and how well it stayed solved.

# %% [markdown]
# ## Save, reload, and watch
#
# `result.q_net` is the average $\bar\theta$: the network saved, reloaded and played here.

# %%
import os

os.makedirs("checkpoints", exist_ok=True)
path = cu.save_checkpoint("checkpoints/06_soft_updates.pt", result.q_net, config)
reloaded = cu.QNetwork(config.hidden_size)
cu.load_checkpoint(path, reloaded)
assert np.array_equal(cu.evaluate(reloaded, 5, seed=7), cu.evaluate(result.q_net, 5, seed=7)), (
    "The reloaded network should act exactly like the trained one.")
cu.show_gif(cu.record_episode(cu.make_env(render_mode="rgb_array"), reloaded, seed=42))

# %% [markdown]
# ## What we measured

# %%
print(result.report())

# %% [markdown]
# ## Exercises
#
# Write the code in each exercise cell, then run the check cell under it: it calls your code on small
# hand-made cases with known answers and says what is wrong and where to look. An exercise you have not
# written yet prints "not attempted" and stops nothing. Reference solutions are in
# [`solutions/06_soft_updates.py`](https://github.com/dqn-course/cartpole-dqn/blob/main/solutions/06_soft_updates.py) (opens on GitHub, also from Colab); try first.

# %% [markdown]
# **Exercise 1: the soft update.** $\theta' \leftarrow \tau\,\theta + (1 - \tau)\,\theta'$ for each pair
# of parameters, in place (the lists are `list(target_net.parameters())` and
# `list(q_net.parameters())`; the check calls your function under `torch.no_grad()`).

# %% tags=["exercise"]
def my_soft_update(target_params, q_params, tau):
    """Move every target parameter a fraction tau of the way to the online one."""
    raise NotImplementedError("Exercise 1: a loop over zip(target_params, q_params) with in-place ops")


# %%
cu.exercises.check_soft_update(my_soft_update)

# %% [markdown]
# **Exercise 2: how slow is a soft target?** After a change of the online network, each soft update
# closes a fraction τ of the gap that is left. After how many steps $n$ is half of the gap closed?

# %% tags=["exercise"]
def my_half_life(tau):
    """Steps for a soft target to close half of a gap (a float)."""
    raise NotImplementedError("Exercise 2: the gap left after n steps is (1 - tau)^n")


# %%
cu.exercises.check_soft_half_life(my_half_life)

# %% [markdown]
# ### More to try
# 1. Set `tau=1.0` and `target_update_interval=1`. Which earlier agent is this, and why?
# 2. With `tau=0.02` every step, how many steps does the target need to absorb 99% of a change?
#    Add `tau=0.005` to the sweep: what does a target that slow do to learning within the budget?
# 3. Set `gamma=0.99` in `SoftConfig` and retrain. Watch where the greedy episodes end, and how long
#    the training episodes last once epsilon is small.
# 4. Rerun the sweep with `seed=2`. Which conclusions survive?
#
# **Next:** notebook 07 runs every agent of the course over several seeds and compares them.
