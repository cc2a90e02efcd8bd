# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/03_experience_replay.ipynb)
#
# # 03 · Experience replay

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
# **What changes since notebook 02.** Online DQN learned from each transition once, in the order
# it happened, and forgot. Here every transition goes into a **replay buffer**, and each update
# learns from a random **batch** of past transitions (Lin, 1992; Mnih et al., 2015).
#
# **What you will learn**
# - a replay buffer: a fixed-size ring of transitions, sampled uniformly at random;
# - why random batches break the correlation between consecutive samples and reuse experience;
# - a batched update: one forward pass, `gather`, one loss for the whole batch — no Python loop;
# - `learning_starts` and `train_freq`, and how to read a learning curve that solves CartPole.
#
# The Q-network, $\varepsilon$-greedy, the TD target and the gradient step come from notebook 02
# through `cartpole_utils` (`cu.QNetwork`, ...): the code you read there is the code that runs here.

# %% tags=["export"]
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import cartpole_utils as cu

# %%
cu.set_threads(1)  # tiny networks run fastest on one CPU thread (see cu.set_threads)


# %% [markdown]
# ## The replay buffer
#
# The buffer keeps the last `capacity` transitions $(s, a, r, s', \text{terminated}, \text{truncated})$
# in NumPy arrays. When it is full, the newest transition overwrites the oldest (a ring). A batch is
# $B$ indices drawn uniformly from what is stored:
#
# $$\mathcal{B} = \{(s_i, a_i, r_i, s'_i, \text{terminated}_i)\}_{i \in I}, \qquad
# I \sim \text{Uniform}\{0, \dots, \text{size}-1\}^B .$$
#
# `truncated` is stored too, next to `terminated`. Which of the two the target needs is exercise 2.

# %% [markdown]
# **The exercises** come before the code they ask for, as in notebook 02: write, run the check under
# it, then open the collapsed reference that follows (run it either way: the rest of the notebook uses it).
# Reference solutions: [`solutions/03_experience_replay.py`](https://github.com/dqn-course/cartpole-dqn/blob/main/solutions/03_experience_replay.py) (opens on GitHub, also from Colab).

# %% [markdown]
# **Exercise 1: the ring buffer.** `cu.ReplayBuffer.__init__` makes the arrays (`obs`, `actions`,
# `rewards`, `next_obs`, `terminated`, `truncated`) and the counters `pos`, `size`, `capacity`. Write
# `add` (store at `pos`, then advance `pos`, back to 0 after the last slot) and `sample` (indices drawn
# uniformly among the `size` filled slots with `self.rng`, returned as a `cu.Batch`).

# %% tags=["exercise"]
class MyReplayBuffer(cu.ReplayBuffer):
    """A replay buffer whose add and sample you write."""

    def add(self, obs, action, reward, next_obs, terminated, truncated):
        """Store one transition at pos, overwriting the oldest when full."""
        raise NotImplementedError("Exercise 1: write every array at self.pos; pos wraps; size stops at capacity")

    def sample(self, batch_size):
        """A cu.Batch of batch_size transitions drawn uniformly from the filled slots."""
        raise NotImplementedError("Exercise 1: one index array of size batch_size below self.size")


# %%
cu.exercises.check_replay_buffer(MyReplayBuffer)

# %% [markdown]
# **Exercise 2: the bootstrap mask.** The buffer keeps `truncated` next to `terminated`. Given both for a
# batch (float tensors of 0 and 1), return the factor that multiplies $\gamma \max_{a'} Q(s', a')$ in
# the target: 1 where the next state still has a future, 0 where it has none.

# %% tags=["exercise"]
def my_bootstrap_mask(terminated, truncated):
    """1.0 where the TD target bootstraps from s', else 0.0; shape (B,)."""
    raise NotImplementedError("Exercise 2: which of the two ends the future of the episode?")


# %%
cu.exercises.check_bootstrap_mask(my_bootstrap_mask)

# %% tags=["export"] cellView="form" jupyter={"source_hidden": true}
# @title Reference: ReplayBuffer (double-click to read)
class ReplayBuffer:
    """A ring buffer of transitions with uniform random batches. Taught in notebook 03."""

    def __init__(self, capacity: int, obs_dim: int = 4, seed: int = 0) -> None:
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.truncated = np.zeros(capacity, dtype=bool)  # kept to show it is never used in the target
        self.capacity, self.size, self.pos = capacity, 0, 0
        self.rng = np.random.default_rng(seed)

    def add(self, obs: np.ndarray, action: int, reward: float, next_obs: np.ndarray,
            terminated: bool, truncated: bool) -> None:
        """Store one transition, overwriting the oldest when full."""
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i], self.truncated[i] = next_obs, terminated, truncated
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int) -> cu.Batch:
        """A batch of `batch_size` transitions drawn uniformly (with replacement) as tensors."""
        if self.size == 0:
            raise ValueError("The replay buffer is empty: add transitions before sampling.")
        idx = self.rng.integers(0, self.size, size=batch_size)
        return cu.Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]),
                        torch.from_numpy(self.rewards[idx]), torch.from_numpy(self.next_obs[idx]),
                        torch.from_numpy(self.terminated[idx]))

    def __len__(self) -> int:
        return self.size


# %% [markdown]
# A quick look: fill a small buffer past its capacity with random play and sample from it.

# %%
env = cu.make_env(seed=0)
buffer = ReplayBuffer(capacity=1_000, seed=0)
obs, _ = env.reset(seed=0)
for _ in range(1_500):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    buffer.add(obs, action, reward, next_obs, terminated, truncated)
    obs = env.reset()[0] if terminated or truncated else next_obs
batch = buffer.sample(5)
print(f"stored {len(buffer)} of 1,500 transitions (capacity 1,000); next write at {buffer.pos}")
print("a batch of 5:", {name: tuple(t.shape) for name, t in batch._asdict().items()})

# %%
assert len(buffer) == 1_000 and buffer.pos == 500, "A full ring buffer keeps `capacity` items and wraps around."
assert batch.obs.shape == (5, 4) and batch.actions.dtype == torch.int64, "Batches are (B, 4) states, (B,) actions."

# %% [markdown]
# ## Why a random batch helps
#
# Consecutive transitions are nearly identical: 0.02 s apart, the cart and the pole have barely
# moved (the cell below measures it for the pole angle). A batch of transitions sampled from
# thousands of stored ones mixes many episodes and situations, so one gradient step averages over
# them instead of over-fitting the current moment.

# %%
obs_batch = buffer.sample(64).obs.numpy()
consecutive = buffer.obs[:64]
print("correlation of pole angle with the next sample's pole angle:")
print(f"  64 consecutive transitions: {np.corrcoef(consecutive[:-1, 2], consecutive[1:, 2])[0, 1]:+.2f}")
print(f"  a random batch of 64:       {np.corrcoef(obs_batch[:-1, 2], obs_batch[1:, 2])[0, 1]:+.2f}")

# %% [markdown]
# Every transition is also reused: it can be drawn by every update after it is stored. With one
# update of $B$ uniform draws every `train_freq` steps from a buffer that holds $n_t$ transitions
# at step $t$, the transition stored at step $i$ is drawn on average
#
# $$\mathbb{E}[\text{draws}_i] = \sum_{\text{updates at } t > i} \frac{B}{n_t}$$
#
# times. Early transitions sit in the buffer through many more updates than late ones; the function
# below computes it, and the cell after `ReplayConfig` applies it to this notebook's settings.

# %%
def expected_draws(stored_at: int, total_steps: int, batch_size: int, train_freq: int,
                   learning_starts: int, buffer_size: int) -> float:
    """Mean number of times the transition stored at step `stored_at` is sampled (uniform replay)."""
    updates = np.arange(max(stored_at, learning_starts + 1), total_steps + 1)  # stored before its step's update
    updates = updates[updates % train_freq == 0]
    return float(np.sum(batch_size / np.minimum(updates, buffer_size)))


# %% [markdown]
# ## The batched update
#
# The target is unchanged from notebook 02, now for a whole batch at once (a vector of $B$ targets):
#
# $$y_i = r_i + \gamma\,(1 - \text{terminated}_i)\,\max_{a'} Q_\theta(s'_i, a'), \qquad
# L(\theta) = \frac{1}{B}\sum_{i} \ell\big(Q_\theta(s_i, a_i) - y_i\big).$$
#
# `cu.dqn_td_target` and `cu.q_learning_step` were written for batches from the start: one forward
# pass, `gather` to pick $Q_\theta(s_i, a_i)$, one loss. The network still scores its own target;
# notebook 04 changes that.

# %% [markdown]
# ### What replay adds to the config
#
# `ReplayConfig` is notebook 02's `OnlineConfig` with four more fields, the ones replay needs; every
# other setting (learning rate, γ, exploration, network, budget) is 02's, so the difference between
# the two agents is replay:
#
# | field | value | what it sets |
# |---|---|---|
# | `buffer_size` | 50,000 | transitions kept; more than the 30,000-step budget, so nothing is overwritten |
# | `batch_size` | 256 | transitions per gradient step |
# | `train_freq` | 4 | environment steps between gradient steps: 256 / 4 = 64 sampled transitions per step |
# | `learning_starts` | 1,000 | transitions collected before the first update, so early batches are not all alike |
#
# Online DQN is the corner case `batch_size=1, buffer_size=1, learning_starts=0, train_freq=1`: each
# transition is learned once, as it arrives (a test of the course checks that this is notebook 02's
# agent, step for step). How these values were chosen (seed sweeps on seeds 1-20) is in the
# appendix of `benchmarks/README.md`.

# %% tags=["export"]
@dataclass(frozen=True)
class ReplayConfig(cu.OnlineConfig):
    """Hyperparameters of DQN with experience replay (notebook 03): notebook 02's, plus the replay fields."""

    buffer_size: int = 50_000  # transitions kept in the replay buffer
    batch_size: int = 256  # transitions per gradient step
    learning_starts: int = 1_000  # steps of experience collected before the first update
    train_freq: int = 4  # environment steps between gradient steps


# %%
config = ReplayConfig()
settings = {k: getattr(config, k) for k in
            ("total_steps", "batch_size", "train_freq", "learning_starts", "buffer_size")}
for stored_at in (1, config.learning_starts, 5_000, 15_000, config.total_steps - 1_000):
    print(f"stored at step {stored_at:>6,}: drawn {expected_draws(stored_at, **settings):6.1f} times on average")

# %% [markdown]
# The loop below differs from notebook 02's in three lines: transitions go into the buffer, updates
# wait for `learning_starts` transitions, and each update uses a sampled batch.

# %% [markdown]
# **Exercise 3: the replay step.** Replay changes the lines after `env.step`: store the transition
# in the buffer, and learn only once `learning_starts` transitions are stored and then every
# `train_freq` steps (`global_step > config.learning_starts and global_step % config.train_freq == 0`),
# from a batch of `config.batch_size` sampled transitions. Write them as a function that returns the
# loss, or `None` on a step without learning. The check runs 40 hand-made steps through it.

# %% tags=["exercise"]
def my_replay_step(replay_buffer, q_net, optimizer, global_step, obs, action, reward, next_obs,
                   terminated, truncated, config):
    """Store one transition; on a learning step, one gradient step on a sampled batch. Loss or None."""
    raise NotImplementedError("Exercise 3: add, then (past learning_starts, every train_freq) sample and learn")


# %%
cu.exercises.check_replay_step(my_replay_step)

# %% tags=["export"] cellView="form" jupyter={"source_hidden": true}
# @title Reference: train_replay, the loop with replay (double-click to read)
def train_replay(config: ReplayConfig, **monitor_options: Any) -> cu.TrainResult:
    """DQN with experience replay (no target network yet). Taught in notebook 03."""
    cu.seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = cu.make_env(seed=config.seed)
    q_net = cu.QNetwork(config.hidden_size)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = cu.Monitor(q_net, config, name="DQN + replay", **monitor_options)
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
            td_target = cu.dqn_td_target(q_net, batch, config.gamma)  # still its own target
            loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
    return monitor.result()


# %%
config = ReplayConfig()
result = train_replay(config, live=True)
print(result.report())

# %%
cu.plot_scores(result.episode_returns, title="DQN + replay: training episodes");

# %%
assert result.solved_at_step is not None, (
    f"DQN with replay never reached a greedy mean of 475 in {config.total_steps:,} steps (best "
    f"evaluation {max(result.eval_means):.0f}). An unlucky seed or CPU can cause this: rerun with "
    "ReplayConfig(seed=2). If it fails again, check ReplayBuffer.sample and the batch shapes.")


# %% [markdown]
# ## This run against 20 seeds
#
# One run is one seed. The bands are the committed sweeps of this agent and of the one before it
# (notebook 02) over the 20 held-out seeds 101-120, at the same budget on one machine; the black
# line is the run above. The table gives the protocol's numbers over those seeds. Its "steps to
# solve" is a median over the seeds that reached 475; the sentence under it counts a seed that never
# did at the whole budget, so its median can be higher.

# %%
sweeps = {"03 replay (20 seeds)": cu.load_sweep("replay"),
          "02 online DQN (20 seeds)": cu.load_sweep("online")}
cu.plot_run_over_sweeps(result, sweeps)
print(cu.format_table({name: cu.summarize(records) for name, records in sweeps.items()}))
print(cu.where_run_falls(result, sweeps["03 replay (20 seeds)"]))

# %%
to_solve = {name: [cu.steps_to_first_solve(r) for r in records] for name, records in sweeps.items()}
replay_steps, online_steps = to_solve.values()
low, high = cu.bootstrap_diff_ci(replay_steps, online_steps)
print(f"steps to first reach 475 (the budget if never), median over 20 seeds: replay "
      f"{np.median(replay_steps):,.0f}, online {np.median(online_steps):,.0f}\n"
      f"replay minus online, 95% bootstrap interval [{low:+,.0f}, {high:+,.0f}]")

# %% [markdown]
# ## Save, reload, and watch

# %%
import os

os.makedirs("checkpoints", exist_ok=True)
path = cu.save_checkpoint("checkpoints/03_experience_replay.pt", result.q_net, config)
reloaded = cu.QNetwork(config.hidden_size)
cu.load_checkpoint(path, reloaded)
assert np.array_equal(cu.evaluate(reloaded, 5, seed=7), cu.evaluate(result.q_net, 5, seed=7)), (
    "The reloaded network should act exactly like the trained one.")
cu.show_gif(cu.record_episode(cu.make_env(render_mode="rgb_array"), reloaded, seed=42))

# %% [markdown]
# ## What we measured

# %%
print(result.report())
evals_after = result.eval_means[result.eval_steps.index(result.solved_at_step):]
print(f"greedy evaluations from the first solve on: {[round(m) for m in evals_after]}")
verdict = "still balances" if result.final_mean >= cu.SOLVED_THRESHOLD else "has lost what it had learned"
print(f"lowest evaluation after the first solve: {min(evals_after):.0f}; "
      f"the network at the end of the budget {verdict} (final greedy mean {result.final_mean:.1f})")

# %% [markdown]
# Replay is the only change from notebook 02's agent, so the two bands above are its effect over 20
# seeds: the table's "solved" and "by 75% of budget" columns say how often and how early each agent
# first reaches 475, "stays solved" and "final = 500" whether it keeps what it learned. This run's
# evaluations after its first solve, printed above, show the same on one seed: look for dips, and for
# a fall that does not recover. Replay alone often forgets, so the GIF above may well show a pole that
# falls. One suspect is the target: it still moves with every update, because the network scores
# its own target. Notebook 04 freezes it and measures whether that helps.

# %% [markdown]
# ## More to try
# 1. Set `batch_size=1`, `buffer_size=1`, `learning_starts=0` and `train_freq=1`: the agent now
#    learns from each transition once, as it arrives, with every other setting as in notebook 02.
#    That is notebook 02's agent, step for step. Compare its curve with 02's band.
# 2. Halve and double `buffer_size`. With a budget of 30,000 steps, when does the buffer start
#    overwriting, and does that matter here?
# 3. `train_freq=8, batch_size=512` draws as many transitions per environment step with half the
#    updates. How much training time does it save, and how many more environment steps does the
#    agent need to first reach 475?
#
# **Next:** notebook 04 adds a target network.

