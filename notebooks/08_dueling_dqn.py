# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/08_dueling_dqn.ipynb)
#
# # 08 · Dueling DQN (bonus)

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
# **What changes since notebook 06.** Everything about *learning* stays: replay, Double DQN targets,
# soft target updates. What changes is the *network*. A plain Q-network learns each action's value
# separately, although the two values of a state share most of their size: how safe the state is.
# A **dueling** network (Wang et al., 2016) learns how good the state is, $V(s)$, and, separately,
# how much better or worse each action is than average, $A(s, a)$.
#
# **What you will learn**
# - the value/advantage decomposition $Q(s, a) = V(s) + A(s, a)$, and why it needs a constraint;
# - the mean-subtracted aggregation that makes $V$ and $A$ identifiable;
# - that changing the architecture leaves the rest of the agent untouched.

# %% tags=["export"]
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

import cartpole_utils as cu

# %%
cu.set_threads(1)  # tiny networks run fastest on one CPU thread (see cu.set_threads)


# %% [markdown]
# ## Value and advantage
#
# For a policy $\pi$, the advantage $A(s, a) = Q(s, a) - V(s)$ says how much action $a$ gains over
# the state's value $V(s)$ (for the greedy policy, $V(s) = \max_a Q(s, a)$ and the best advantage
# is 0). Writing $Q = V + A$ with two free heads is ambiguous: adding a constant to $V$ and subtracting it from every $A$ gives the same $Q$. Wang et
# al. (2016) pin it down by subtracting the mean advantage:
#
# $$Q_\theta(s, a) = V_\theta(s) + \Big(A_\theta(s, a) - \frac{1}{|\mathcal{A}|}\sum_{a'} A_\theta(s, a')\Big).$$
#
# Now the advantages average to zero in every state, so the value head learns the *mean* of the
# Q-values, not their maximum: with two actions, $V$ sits halfway between them. The greedy action is
# unchanged by the subtraction (it shifts all actions equally).

# %% [markdown]
# **The exercises** come before the code they ask for, as in notebook 02: write, run the check under
# it, then open the collapsed reference that follows (run it either way: the rest of the notebook uses it).
# Reference solutions: [`solutions/08_dueling_dqn.py`](https://github.com/dqn-course/cartpole-dqn/blob/main/solutions/08_dueling_dqn.py) (opens on GitHub, also from Colab).

# %% [markdown]
# **Exercise 1: the aggregation.** $Q(s, a) = V(s) + A(s, a) - \frac{1}{|\mathcal A|}\sum_{a'} A(s, a')$
# for `value` of shape (B, 1) and `advantages` of shape (B, n_actions).

# %% tags=["exercise"]
def my_dueling_aggregation(value, advantages):
    """Q-values of shape (B, n_actions)."""
    raise NotImplementedError("Exercise 1: subtract the mean of the advantages over actions")


# %%
cu.exercises.check_dueling_aggregation(my_dueling_aggregation)

# %% [markdown]
# **Exercise 2: back from Q.** With the mean subtracted, $V$ and $A$ are determined by $Q$. Given
# Q-values of shape (B, n_actions), return $V$ of shape (B,) and $A$ of shape (B, n_actions).

# %% tags=["exercise"]
def my_value_and_advantages(q_values):
    """The pair (V, A) that the aggregation above turns into q_values."""
    raise NotImplementedError("Exercise 2: V is an average of Q over actions; A is what is left")


# %%
cu.exercises.check_value_and_advantages(my_value_and_advantages)

# %% tags=["export"] cellView="form" jupyter={"source_hidden": true}
# @title Reference: DuelingQNetwork (double-click to read)
class DuelingQNetwork(nn.Module):
    """A shared body, then a value head V(s) and an advantage head A(s, a). Taught in notebook 08."""

    def __init__(self, hidden_size: int = 128, obs_dim: int = 4, n_actions: int = 2) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden_size), nn.ReLU(),
                                  nn.Linear(hidden_size, hidden_size), nn.ReLU())
        self.value = nn.Linear(hidden_size, 1)  # V(s): (B, 1)
        self.advantage = nn.Linear(hidden_size, n_actions)  # A(s, a): (B, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Q-values (B, n_actions) = V + (A - mean_a A)."""
        features = self.body(obs)
        advantage = self.advantage(features)
        return self.value(features) + advantage - advantage.mean(dim=1, keepdim=True)


# %%
cu.seed_everything(0)
dueling = DuelingQNetwork()
states = torch.randn(5, 4)
q = dueling(states)
features = dueling.body(states)
print("Q-values (untrained):\n", q.detach().numpy().round(3))
print("mean over actions of Q:", q.mean(dim=1).detach().numpy().round(3))
print("V(s):                  ", dueling.value(features).squeeze(1).detach().numpy().round(3))

# %%
assert q.shape == (5, 2), "A dueling network must output one Q-value per action, like QNetwork."
assert torch.allclose(q.mean(dim=1), dueling.value(features).squeeze(1), atol=1e-6), (
    "With the mean-subtracted aggregation, the mean of Q over actions equals V(s).")

# %% [markdown]
# ## Training: notebook 06's agent with a dueling network
#
# The config and loop are those of notebook 06, Double DQN with a soft target; the one changed line
# builds `DuelingQNetwork` instead of `cu.QNetwork`.

# %% tags=["export"]
@dataclass(frozen=True)
class DuelingConfig(cu.SoftConfig):
    """Hyperparameters of notebook 08's agent: notebook 06's SoftConfig, field for field.

    Same settings, same budget: the network is the only difference between the two agents.
    """


# %% tags=["export"]
def train_dueling(config: DuelingConfig, **monitor_options: Any) -> cu.TrainResult:
    """Double DQN with soft target updates and a dueling Q-network. Taught in notebook 08."""
    cu.seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = cu.make_env(seed=config.seed)
    q_net, target_net = DuelingQNetwork(config.hidden_size), DuelingQNetwork(config.hidden_size)
    cu.hard_update(target_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    q_params, target_params = list(q_net.parameters()), list(target_net.parameters())
    replay_buffer = cu.ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = cu.Monitor(q_net, config, name="Dueling Double DQN", **monitor_options)
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
            td_target = cu.double_dqn_td_target(q_net, target_net, batch, config.gamma)
            loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
        if global_step % config.target_update_interval == 0:
            cu.soft_update(target_params, q_params, config.tau)
    return monitor.result()


# %%
config = DuelingConfig()
result = train_dueling(config, live=True)
print(result.report())

# %%
assert result.solved_at_step is not None, (
    f"The dueling agent never reached a greedy mean of 475 in {config.total_steps:,} steps (best "
    f"evaluation {max(result.eval_means):.0f}). An unlucky seed or CPU can cause this: rerun with "
    "DuelingConfig(seed=2). If it fails again, check the aggregation in DuelingQNetwork.forward.")


# %% [markdown]
# ## This run against 20 seeds
#
# One run is one seed. The bands are the committed sweeps of this agent and of the one before it
# (notebook 06) over the 20 held-out seeds 101-120, at the same budget on one machine; the black
# line is the run above. The table gives the protocol's numbers over those seeds.

# %%
sweeps = {"08 dueling (20 seeds)": cu.load_sweep("dueling"),
          "06 soft target (20 seeds)": cu.load_sweep("soft")}
cu.plot_run_over_sweeps(result, sweeps)
print(cu.format_table({name: cu.summarize(records) for name, records in sweeps.items()}))
print(cu.where_run_falls(result, sweeps["08 dueling (20 seeds)"]))

# %% [markdown]
# ## What the two heads learned
#
# Along one greedy episode, the value head tracks how safe the state is, while the advantage of
# pushing right over pushing left changes sign as the pole leans one way or the other. The value can
# be checked against a hard limit: with a reward of 1 per step, no discounted return exceeds
# $\sum_k \gamma^k = 1/(1-\gamma)$, 200 for $\gamma = 0.995$; values above it are overestimates,
# which Double DQN reduces but does not remove (notebook 05). It is also the scale to read the value
# head on: a truncated episode is not a terminal state, so an agent that balances should value every
# state of this episode close to 200. Well below it, its values have not finished growing (values
# reach that far only through many bootstrapped updates); above it, they overshoot (notebook 06).

# %%
import matplotlib.pyplot as plt

episode = cu.record_episode(cu.make_env(render_mode="rgb_array"), result.q_net, seed=42, max_steps=200)
with torch.no_grad():
    feats = result.q_net.body(torch.as_tensor(episode.observations, dtype=torch.float32))
    values = result.q_net.value(feats).squeeze(1).numpy()
    adv = result.q_net.advantage(feats).numpy()
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
axes[0].plot(values)
axes[0].set(xlabel="step", ylabel="V(s)", title="value head")
axes[1].plot(adv[:, 1] - adv[:, 0], label="A(s, right) - A(s, left)")
axes[1].plot(episode.observations[:, 2] * 100, alpha=0.6, label="pole angle × 100 (rad)")
axes[1].axhline(0, color="k", lw=0.8)
axes[1].set(xlabel="step", title="advantage head")
axes[1].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)  # off the data
fig.tight_layout()
corr = np.corrcoef(adv[:-1, 1] - adv[:-1, 0], episode.observations[:-1, 2] + episode.observations[:-1, 3])[0, 1]
print(f"correlation of A(s, right) - A(s, left) with angle + angular velocity: {corr:+.2f}")
ceiling = 1 / (1 - config.gamma)  # the discounted return of an episode that never ends
print(f"value head along the episode: {values.min():.0f} to {values.max():.0f}; no discounted return "
      f"exceeds 1/(1-γ) = {ceiling:.0f}, so {np.mean(values > ceiling):.0%} of these values overestimate")

# %% [markdown]
# ## Compared with notebook 06, same seed and budget

# %%
import dataclasses

soft_result = cu.train_soft(cu.SoftConfig(**dataclasses.asdict(config)), progress=False)
for run in (soft_result, result):
    solved = f"{run.solved_at_step:,}" if run.solved_at_step else "never"
    print(f"{run.name:>26}: first reached 475 at {solved} steps, stays solved {run.stability:.0%},\n"
          f"{'':>26}  final greedy mean {run.final_mean:.1f}")

# %% [markdown]
# One seed each: a hint, not a verdict. Notebook 07 lists the dueling agent next to the others over
# several seeds. Wang et al. (2016) found the largest gains on Atari games with many actions, where
# most actions are irrelevant in most states. There the value head pays: each update moves Q of one
# action only, but V, which all the actions share, learns from every update. CartPole has two
# actions, so each update already reaches one of only two Q-values, and V has little to add: expect
# little difference here. (States where the two Q-values are close and large, as in an upright,
# slow pole, are the very case the value head is for; they are not why the gain is small.)

# %% [markdown]
# ## Save, reload, and watch

# %%
import os

os.makedirs("checkpoints", exist_ok=True)
path = cu.save_checkpoint("checkpoints/08_dueling_dqn.pt", result.q_net, config)
reloaded = DuelingQNetwork(config.hidden_size)
cu.load_checkpoint(path, reloaded)
assert np.array_equal(cu.evaluate(reloaded, 5, seed=7), cu.evaluate(result.q_net, 5, seed=7)), (
    "The reloaded network should act exactly like the trained one.")
cu.show_gif(cu.record_episode(cu.make_env(render_mode="rgb_array"), reloaded, seed=42))

# %% [markdown]
# ## What we measured

# %%
print(result.report())

# %% [markdown]
# ## More to try
# 1. Replace the mean by the max in the aggregation ($A - \max_{a'} A$). What does $V$ mean then?
# 2. Remove the subtraction entirely. Train again: does it still learn? Print $V$ and $A$ and see
#    how they drift against each other.
# 3. Give CartPole a third, useless action (for example by wrapping the environment so that action 2
#    repeats action 0). Does the dueling network now have an edge?

