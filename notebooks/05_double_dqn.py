# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/05_double_dqn.ipynb)
#
# # 05 · Double DQN

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
# **What changes since notebook 04.** The target $\max_{a'} Q_{\theta'}(s', a')$ uses one network both
# to *choose* the best next action and to *score* it. Its estimates are noisy, and the max of noisy
# estimates is biased upwards: whichever action happens to be overestimated wins, so the target
# overestimates, and the error feeds on itself through bootstrapping (Thrun & Schwartz, 1993).
# **Double DQN** (van Hasselt, Guez & Silver, 2016) lets the online network choose and the target
# network score.
#
# **What you will learn**
# - why $\mathbb{E}[\max_a \hat{Q}(s, a)] \ge \max_a \mathbb{E}[\hat{Q}(s, a)]$ makes DQN overestimate;
# - the Double DQN target, a one-line change;
# - how to *measure* overestimation: predicted Q-values against the discounted returns the agent
#   actually obtains from the same states.

# %% tags=["export"]
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

import cartpole_utils as cu

# %%
cu.set_threads(1)  # tiny networks run fastest on one CPU thread (see cu.set_threads)


# %% [markdown]
# ## The max of noisy estimates
#
# Suppose both actions are truly worth 100, and the network's estimates carry independent noise of
# standard deviation 5. Is the max of the two estimates 100 on average? Exercise 1 asks for the bias
# of a max in general; the cell after it measures this case.

# %% [markdown]
# **The exercises** come before the code they ask for, as in notebook 02: write, run the check under
# it, then open the collapsed reference that follows (run it either way: the rest of the notebook uses it).
# Reference solutions: [`solutions/05_double_dqn.py`](https://github.com/dqn-course/cartpole-dqn/blob/main/solutions/05_double_dqn.py) (opens on GitHub, also from Colab).

# %% [markdown]
# **Exercise 1: the bias of a max.** Let every action have the same true value 0 and let the estimates
# carry independent noise of standard deviation `noise_std`. Estimate by sampling how far
# $\mathbb{E}[\max_a \hat Q(a)]$ lies above the true maximum 0, for `n_actions` actions.

# %% tags=["exercise"]
def my_max_bias(n_actions, noise_std, n_samples, rng):
    """Mean over n_samples of the max over n_actions noisy estimates of 0."""
    raise NotImplementedError("Exercise 1: rng.normal(0, noise_std, size=(n_samples, n_actions)), then?")


# %%
cu.exercises.check_max_bias(my_max_bias)

# %%
rng = np.random.default_rng(0)
estimates = 100 + 5 * rng.standard_normal((100_000, 2))
print(f"mean of one estimate:       {estimates[:, 0].mean():.2f}")
print(f"mean of the max of the two: {estimates.max(axis=1).mean():.2f}  (true max: 100)")
picked = estimates.argmax(axis=1)
independent = 100 + 5 * rng.standard_normal((100_000, 2))
print(f"choose with one estimate, score with another: "
      f"{independent[np.arange(len(picked)), picked].mean():.2f}")

# %% [markdown]
# Choosing with one set of estimates and scoring with an independent set removes the bias: that is
# the whole idea. In Double DQN the online network $Q_\theta$ chooses and the target network
# $Q_{\theta'}$ (not independent, but different) scores.
#
# | | TD target |
# |---|---|
# | DQN (04) | $y = r + \gamma\,(1 - \text{terminated})\,\max_{a'} Q_{\theta'}(s', a')$ |
# | Double DQN (05) | $y = r + \gamma\,(1 - \text{terminated})\,Q_{\theta'}\big(s', \arg\max_{a'} Q_{\theta}(s', a')\big)$ |

# %% [markdown]
# **Exercise 2: the Double DQN target.** $y = r + \gamma\,(1 - \text{terminated})\,
# Q_{\theta'}\big(s', \arg\max_{a'} Q_\theta(s', a')\big)$. The check uses two networks that disagree
# on $a'$ in every state, so each way of mixing up the roles gives another number.

# %% tags=["exercise"]
def my_double_td_target(q_net, target_net, batch, gamma):
    """Double DQN target of each transition; shape (B,)."""
    raise NotImplementedError("Exercise 2: one network picks a' (argmax), the other scores it (gather)")


# %%
cu.exercises.check_double_td_target(my_double_td_target)

# %% tags=["export"] cellView="form" jupyter={"source_hidden": true}
# @title Reference: double_dqn_td_target (double-click to read)
def double_dqn_td_target(q_net: nn.Module, target_net: nn.Module, batch: cu.Batch,
                         gamma: float) -> torch.Tensor:
    """Double DQN target y = r + gamma (1 - terminated) Q'(s', argmax_a' Q(s', a')), (B,). Notebook 05."""
    with torch.no_grad():
        next_actions = q_net(batch.next_obs).argmax(dim=1, keepdim=True)  # the online net chooses a'
        next_q = target_net(batch.next_obs).gather(1, next_actions).squeeze(1)  # the target net scores it
        return batch.rewards + gamma * (1.0 - batch.terminated) * next_q  # y = r + γ (1 - term) Q'(s', a')


# %% tags=["export"]
TargetFn = Callable[[nn.Module, nn.Module, cu.Batch, float], torch.Tensor]  # (q_net, target_net, batch, gamma)


def max_td_target(q_net: nn.Module, target_net: nn.Module, batch: cu.Batch, gamma: float) -> torch.Tensor:
    """DQN's target (notebook 04) with Double DQN's arguments: the target net both chooses and scores."""
    return cu.dqn_td_target(target_net, batch, gamma)


# %% [markdown]
# A check on a hand-made case: a target network that ranks the two actions the other way round from
# the online network, so they disagree on $a'$ in every state. Double DQN's target is then lower than
# DQN's wherever the episode goes on; with the same network choosing and scoring, the two are equal.

# %%
cu.seed_everything(0)
q_net, target_net = cu.QNetwork(), cu.QNetwork()
cu.hard_update(target_net, q_net)
with torch.no_grad():  # the target network ranks the two actions the other way round
    target_net.layers[-1].weight.copy_(target_net.layers[-1].weight.flip(0))
    target_net.layers[-1].bias.copy_(target_net.layers[-1].bias.flip(0))
batch = cu.ReplayBuffer(16, seed=0)
env = cu.make_env(seed=0)
obs, _ = env.reset(seed=0)
for _ in range(16):
    next_obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
    batch.add(obs, 0, reward, next_obs, terminated, truncated)
    obs = env.reset()[0] if terminated or truncated else next_obs
sample = batch.sample(16)
dqn_y = cu.dqn_td_target(target_net, sample, 0.99)
double_y = double_dqn_td_target(q_net, target_net, sample, 0.99)
disagree = q_net(sample.next_obs).argmax(dim=1) != target_net(sample.next_obs).argmax(dim=1)
print(f"transitions whose a' the two networks rank differently: {int(disagree.sum())} of {len(disagree)}")
print("targets, DQN:       ", dqn_y[:6].numpy().round(3))
print("targets, Double DQN:", double_y[:6].numpy().round(3))

# %%
assert torch.all(double_y <= dqn_y + 1e-6), "Q'(s', any action) can never exceed max_a' Q'(s', a')."
alive = disagree & (sample.terminated == 0)
assert torch.all(double_y[alive] < dqn_y[alive]), (
    "Where the online network picks the action the target network ranks lower, Double DQN's target is lower.")
assert torch.allclose(double_dqn_td_target(target_net, target_net, sample, 0.99), dqn_y), (
    "With the same network choosing and scoring, Double DQN's target must equal DQN's.")

# %% [markdown]
# ## Measuring overestimation
#
# After each evaluation we measure how good the network *thinks* its states are against how good
# they *turned out to be*. From 3 greedy episodes with the time limit lifted to 1,000 steps we take
# the first 100 states $s_t$ of each and compare
#
# $$\hat{Q}_t = \max_a Q_\theta(s_t, a) \qquad\text{with}\qquad G_t = \sum_{k \ge 0} \gamma^k r_{t+k+1},$$
#
# the discounted return actually collected from $s_t$ (with $\gamma = 0.995$, rewards 900 or more
# steps ahead weigh at most $0.995^{900} \approx 0.011$, so cutting episodes at 1,000 steps barely
# changes $G_t$ for $t < 100$). Their mean difference is the **overestimation**: positive when the network is
# optimistic.

# %% tags=["export"]
def overestimation_probe(gamma: float, n_episodes: int = 3, horizon: int = 1_000,
                         first_states: int = 100, seed: int = 3_000_000) -> Callable[..., dict[str, float]]:
    """Measured after each evaluation: mean predicted max_a Q(s_t, a) and mean discounted return G_t.

    Taught in notebook 05. States are the first `first_states` of each greedy episode, played with the
    time limit lifted to `horizon` steps so that G_t is (nearly) the infinite-horizon return.
    """
    def probe(q_net: nn.Module, global_step: int) -> dict[str, float]:
        predicted, actual = [], []
        for i in range(n_episodes):
            env = cu.make_env(max_episode_steps=horizon)
            obs, _ = env.reset(seed=seed + i)
            q_values, rewards, ended = [], [], False
            while not ended:
                with torch.inference_mode():
                    q = q_net(torch.as_tensor(obs))
                obs, reward, terminated, truncated, _ = env.step(int(q.argmax()))  # greedy
                q_values.append(q.max().item())
                rewards.append(reward)
                ended = terminated or truncated
            returns = np.zeros(len(rewards))
            running = 0.0
            for t in reversed(range(len(rewards))):  # G_t = r_{t+1} + γ G_{t+1}
                running = rewards[t] + gamma * running
                returns[t] = running
            predicted += q_values[:first_states]
            actual += returns[:first_states].tolist()
        return {"predicted_q": float(np.mean(predicted)), "actual_return": float(np.mean(actual))}

    return probe


# %% [markdown]
# ### Both targets, on the same networks and the same batches
#
# The probe compares a network's predictions with what its policy then collects. To see what the
# *target* does, compare the two targets where training uses them: on every batch the loop samples,
# from the same pair of networks. The class below is a `target_fn` for `train_double` (next section):
# it computes both targets, keeps their mean **gap** over the batch's non-terminal transitions,
#
# $$\text{gap} = \max_{a'} Q_{\theta'}(s', a') - Q_{\theta'}\big(s', \arg\max_{a'} Q_\theta(s', a')\big) \;\ge\; 0,$$
#
# and returns the one the agent trains on. The gap is zero where the two networks agree on $a'$; it is
# the amount by which DQN's max would have raised the target where they disagree, that is where the
# target network's maximum sits on an action the online network does not choose.

# %%
class BothTargets:
    """A target_fn that returns one target (`train_on`: "double" or "max") and records the gap of both."""

    def __init__(self, train_on: str) -> None:
        if train_on not in ("double", "max"):
            raise ValueError(f'train_on must be "double" (Double DQN) or "max" (DQN), got {train_on!r}.')
        self.train_on, self.gaps = train_on, []

    def __call__(self, q_net: nn.Module, target_net: nn.Module, batch: cu.Batch, gamma: float) -> torch.Tensor:
        y_max = max_td_target(q_net, target_net, batch, gamma)
        y_double = double_dqn_td_target(q_net, target_net, batch, gamma)
        alive = 1.0 - batch.terminated  # terminal transitions have no next state, so no gap
        self.gaps.append(float(((y_max - y_double) / gamma).sum() / alive.sum().clamp(min=1.0)))
        return y_double if self.train_on == "double" else y_max


# %% [markdown]
# ## Training Double DQN
#
# Everything else is notebook 04: replay buffer, target network with a hard copy every $C$ steps.
# The only change in the loop is the target, now an argument: `train_double` with `max_td_target`
# is notebook 04's agent, step for step (a test of the course checks it).

# %% tags=["export"]
@dataclass(frozen=True)
class DoubleConfig(cu.TargetConfig):
    """Hyperparameters of Double DQN (notebook 05): notebook 04's TargetConfig, field for field.

    Same settings, same budget: the target is the only difference between the two agents.
    """


# %% [markdown]
# **Check 3: your target in the loop.** The loop below (collapsed) changes one line of notebook 04's:
# the target. This check puts your `my_double_td_target` (exercise 2) into a small agent's loop and
# trains it on three tiny environments whose Q-values are known (notebook 09 builds them): it fails
# if a terminal step bootstraps, if the discount is off, or if the wrong network chooses $a'$.
# Nothing new to write.

# %%
cu.exercises.check_double_on_probes(my_double_td_target)  # exercise 2's function: fix it there

# %% tags=["export"] cellView="form" jupyter={"source_hidden": true}
# @title Reference: train_double, the loop with Double DQN's target (double-click to read)
def train_double(config: DoubleConfig, target_fn: TargetFn | None = None, name: str = "Double DQN",
                 **monitor_options: Any) -> cu.TrainResult:
    """Double DQN: the online net chooses a', the hard-copied target net scores it. Taught in notebook 05.

    ``target_fn(q_net, target_net, batch, gamma)`` replaces the target (default
    :func:`double_dqn_td_target`); with DQN's max target this is notebook 04's agent, step for step.
    ``name`` labels the run.
    """
    target_fn = target_fn or double_dqn_td_target
    cu.seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = cu.make_env(seed=config.seed)
    q_net, target_net = cu.QNetwork(config.hidden_size), cu.QNetwork(config.hidden_size)
    cu.hard_update(target_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    replay_buffer = cu.ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = cu.Monitor(q_net, config, name=name, **monitor_options)
    obs, _ = env.reset(seed=config.seed)
    for global_step in monitor.steps():
        epsilon = cu.linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = cu.epsilon_greedy(q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)
        obs = env.reset()[0] if terminated or truncated else next_obs
        if global_step > config.learning_starts and global_step % config.train_freq == 0:
            batch = replay_buffer.sample(config.batch_size)
            td_target = target_fn(q_net, target_net, batch, config.gamma)  # choose with θ, score with θ'
            loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
        if global_step % config.target_update_interval == 0:
            cu.hard_update(target_net, q_net)
    return monitor.result()


# %%
config = DoubleConfig()
probe = overestimation_probe(config.gamma)
double_targets = BothTargets(train_on="double")  # trains on Double DQN's target, measures DQN's too
result = train_double(config, double_targets, live=True, callbacks=[cu.Measure(probe)])
print(result.report())

# %%
assert result.solved_at_step is not None, (
    f"Double DQN never reached a greedy mean of 475 in {config.total_steps:,} steps (best evaluation "
    f"{max(result.eval_means):.0f}). An unlucky seed or CPU can cause this: rerun with "
    "DoubleConfig(seed=2). If it fails again, check double_dqn_td_target's argmax and gather.")


# %% [markdown]
# ## This run against 20 seeds
#
# One run is one seed. The bands are the committed sweeps of this agent and of the one before it
# (notebook 04) over the 20 held-out seeds 101-120, at the same budget on one machine; the black
# line is the run above. The table gives the protocol's numbers over those seeds.

# %%
sweeps = {"05 Double DQN (20 seeds)": cu.load_sweep("double"),
          "04 target network (20 seeds)": cu.load_sweep("target")}
cu.plot_run_over_sweeps(result, sweeps)
print(cu.format_table({name: cu.summarize(records) for name, records in sweeps.items()}))
print(cu.where_run_falls(result, sweeps["05 Double DQN (20 seeds)"]))

# %% [markdown]
# ## Overestimation, under control
#
# Now notebook 04's agent: the same settings, the same seed, the same loop, with DQN's max target.
# Both runs measure both targets on every batch, and the probe after every evaluation.

# %%
max_targets = BothTargets(train_on="max")  # trains on DQN's target: notebook 04's agent
dqn_result = train_double(config, max_targets, name="DQN (max target)", progress=False,
                          callbacks=[cu.Measure(probe)])
print(dqn_result.report())

# %%
import matplotlib.pyplot as plt


def update_steps(n_updates: int) -> np.ndarray:
    """The environment step of each gradient step (the loop's learning_starts and train_freq)."""
    first = config.learning_starts // config.train_freq + 1
    return config.train_freq * (first + np.arange(n_updates))


def smooth(values: list[float], width: int = 250) -> np.ndarray:
    """Moving average over `width` updates."""
    return np.convolve(values, np.ones(width) / width, mode="valid")


fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
for run, targets, color in ((dqn_result, max_targets, "C3"), (result, double_targets, "C0")):
    gaps = smooth(targets.gaps)
    axes[0].plot(update_steps(len(targets.gaps))[-len(gaps):], gaps, color=color, label=f"trained on: {run.name}")
axes[0].set(title="gap between the two targets, same batches", xlabel="environment steps",
            ylabel="max target - Double target")
for ax, run in zip(axes[1:], (dqn_result, result)):
    ax.plot(run.eval_steps, run.extra["predicted_q"], "o-", ms=3, label=r"predicted $\max_a Q(s_t, a)$")
    ax.plot(run.eval_steps, run.extra["actual_return"], "s-", ms=3, label=r"actual return $G_t$")
    ax.axhline(1 / (1 - config.gamma), color="k", ls=":", lw=1, label=r"$1/(1-\gamma)$")
    ax.set(title=f"probe: {run.name}", xlabel="environment steps", ylabel="value (discounted)")
for ax in axes:
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below, off the data
fig.tight_layout()

# %%
def bias(run: cu.TrainResult) -> np.ndarray:
    """Predicted minus actual value at each evaluation."""
    return np.array(run.extra["predicted_q"]) - np.array(run.extra["actual_return"])


ceiling = 1 / (1 - config.gamma)  # no discounted return of CartPole can exceed this
for run, targets in ((dqn_result, max_targets), (result, double_targets)):
    b, half = bias(run), len(bias(run)) // 2
    late_gap = np.mean(targets.gaps[len(targets.gaps) // 2:])
    impossible = sum(q > ceiling + 0.5 for q in run.extra["predicted_q"])
    print(f"{run.name}: mean gap in the second half of training {late_gap:.3f}\n"
          f"  predicted - actual: first half {b[:half].mean():+6.1f}, second half {b[half:].mean():+6.1f}\n"
          f"  evaluations predicting more than {ceiling:.0f}: {impossible}")

# %%
assert all(gap >= -1e-4 for gap in max_targets.gaps + double_targets.gaps), (
    "The max over a' can never be below the value of one chosen a': check max_td_target and "
    "double_dqn_td_target.")
assert np.all(np.isfinite(bias(result))) and np.all(np.isfinite(bias(dqn_result))), (
    "The overestimation probe must produce finite numbers at every evaluation.")

# %% [markdown]
# Read the left panel first: on the same batches, from the same two networks, DQN's max is above
# Double DQN's target by the gap drawn, in both runs; this is the only thing the target changes. The
# gap is small on one update (the mean gaps printed above, against values that approach 200), but
# every target is built on earlier ones, so it is added again and again through bootstrapping. The
# other two panels show what each run's network came to believe. Two effects mix there.
# **Underestimation from the start**: the networks begin near 0, and bootstrapping needs many updates
# to carry the value of balancing, up to $1/(1-\gamma) = 200$, back to the start of an episode.
# **Overestimation from the max**, the bias of the noisy-max experiment, pushes the other way once the
# values are large. A prediction above $1/(1-\gamma)$ is impossible for any policy; the last number of
# each line above counts the evaluations that predicted one. These two runs are one seed; the next
# section asks 20.
#
# ## Over 20 seeds
#
# The committed sweeps of notebooks 04 and 05 (held-out seeds 101-120, 30,000 steps) recorded at every
# evaluation the predicted $\max_a Q(s_0, a)$ at the evaluation episodes' first states and the
# discounted return those episodes then collected. That return stops at the 500-step time limit, so it
# is at most $(1-\gamma^{500})/(1-\gamma) \approx 184$, while a network that rightly values balancing on
# predicts up to 200: "predicted - collected" is about +16 for a perfect estimate after a full episode.

# %%
def value_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Over seeds: the highest predicted Q(s0) of each run, and its last prediction against the return."""
    v = cu.values_over_seeds(records)
    return {"peak": np.median(v["peak"]), "above": int(np.sum(v["peak"] > ceiling)), "seeds": len(records),
            "last_error": np.median(v["last"] - v["collected"]), "peaks": v["peak"]}


values = {name: value_summary(cu.load_sweep(agent)) for name, agent in
          (("04 DQN target", "target"), ("05 Double DQN", "double"))}
for name, v in values.items():
    print(f"{name}: highest predicted Q(s0) of each run, median {v['peak']:.0f}; above {ceiling:.0f} "
          f"on {v['above']}/{v['seeds']} seeds\n  at the last evaluation, predicted - collected: median "
          f"{v['last_error']:+.1f}")

# %%
fig, ax = plt.subplots(figsize=(7, 2.8))
for row, v in enumerate(values.values()):
    ax.plot(v["peaks"], np.full(len(v["peaks"]), row), "o", alpha=0.5, label="one seed" if row == 0 else None)
    ax.plot([v["peak"]], [row], "k|", ms=22, mew=2, label="median" if row == 0 else None)
ax.axvline(ceiling, color="k", ls=":", lw=1, label=r"$1/(1-\gamma)$: no policy can do better")
ax.set_yticks(range(len(values)), list(values))
ax.set(xlabel=r"highest predicted $\max_a Q(s_0, a)$ of each run", ylim=(-0.6, len(values) - 0.4))
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.4), ncol=3, frameon=False)  # off the data
fig.tight_layout()

# %%
double_v, dqn_v = values["05 Double DQN"], values["04 DQN target"]
low, high = cu.bootstrap_diff_ci(double_v["peaks"], dqn_v["peaks"])
reading = ("lower with Double DQN" if high < 0 else "higher with Double DQN" if low > 0
           else "a difference 20 seeds do not resolve")
print(f"median highest Q(s0), Double DQN minus DQN: {double_v['peak'] - dqn_v['peak']:+.1f}\n"
      f"95% bootstrap interval over seeds [{low:+.1f}, {high:+.1f}]: {reading}")

# %% [markdown]
# Over 20 seeds the picture is clearer than on one run. With Double DQN's target, the highest value
# each run predicted for the start state is lower (the interval above, from the committed sweeps),
# fewer runs ever predicted more than the $1/(1-\gamma)$ no policy can earn, and at the last
# evaluation the distance between what the network predicts and what its policy then collects is
# smaller. That is the effect van Hasselt et al. (2016) report on Atari, here at CartPole's scale.
# Whether it also makes the agent reach 475 sooner or stay there is the 20-seed table's question
# (above), and notebook 07's, with intervals; notebook 06 changes the target's other half, how it
# follows the online network.

# %% [markdown]
# ## Save, reload, and watch

# %%
import os

os.makedirs("checkpoints", exist_ok=True)
path = cu.save_checkpoint("checkpoints/05_double_dqn.pt", result.q_net, config)
reloaded = cu.QNetwork(config.hidden_size)
cu.load_checkpoint(path, reloaded)
assert np.array_equal(cu.evaluate(reloaded, 5, seed=7), cu.evaluate(result.q_net, 5, seed=7)), (
    "The reloaded network should act exactly like the trained one.")
cu.show_gif(cu.record_episode(cu.make_env(render_mode="rgb_array"), reloaded, seed=42))

# %% [markdown]
# ## What we measured

# %%
print(result.report())
print(dqn_result.report())

# %% [markdown]
# ## More to try
# 1. In the noisy-max experiment, use 10 actions instead of 2. How large does the bias of the max get?
# 2. Swap the roles: let the target network choose and the online network score. Is that still Double DQN?
# 3. Set `gamma=0.999`. What is $1/(1-\gamma)$ now, and how long must an episode be for $G_t$ to be close
#    to it? What does that mean for the 500-step limit?
#
# **Next:** notebook 06 replaces the periodic hard copy by a slow, continuous one.

