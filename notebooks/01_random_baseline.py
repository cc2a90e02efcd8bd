# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/01_random_baseline.ipynb)
#
# # 01 · A random baseline

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
# Before training anything we need a yardstick: how well does an agent do that knows nothing?
# This notebook measures the random policy, and introduces the plots and the rules by which every
# later agent is judged.
#
# **What you will learn**
# - what a policy is, in code: a function from observations to actions;
# - the return of an episode, and honest statistics over many episodes (mean, spread, best);
# - the course's plots: score per episode with a goal line and a least-squares trend, a histogram of
#   the last 50 episodes, and a running mean;
# - why 475 is the bar, and the evaluation protocol every notebook uses.

# %%
import numpy as np

import cartpole_utils as cu

# %% [markdown]
# ## A policy is a function
#
# A policy maps what the agent observes to what it does. The course writes policies for a *batch* of
# observations, an array of shape `(n, 4)`, returning `n` actions, so that many episodes can be played
# side by side. The random policy ignores the observations and flips a coin for each:

# %%
def make_random_policy(seed: int):
    """A policy that picks 0 or 1 uniformly at random, from its own seeded generator."""
    rng = np.random.default_rng(seed)

    def policy(obs: np.ndarray) -> np.ndarray:
        return rng.integers(0, 2, size=len(obs))

    return policy


random_policy = make_random_policy(seed=0)
print("actions for 5 observations:", random_policy(np.zeros((5, 4))))

# %% [markdown]
# ## The return, over many episodes
#
# The **return** of an episode is the sum of its rewards. CartPole pays $+1$ per step, so the return
# is the number of steps the pole stayed up: at most 500 in CartPole-v1. `cu.evaluate` plays whole
# episodes, each from its own seeded start, and returns one return per episode. One episode says
# little; we play 200.

# %%
scores = cu.evaluate(random_policy, n_episodes=200, seed=0)
print(f"episodes: {len(scores)}")
print(f"mean {scores.mean():.1f}, median {np.median(scores):.0f}, standard deviation {scores.std():.1f}")
print(f"shortest {scores.min():.0f}, longest {scores.max():.0f}")
print(f"middle half of the episodes between {np.percentile(scores, 25):.0f} and {np.percentile(scores, 75):.0f}")

# %%
assert 15 <= scores.mean() <= 30, f"Random play should last about 22 steps on average, got {scores.mean():.1f}."
assert scores.max() < cu.SOLVED_THRESHOLD, "Random play should never come close to solving CartPole."

# %% [markdown]
# The random policy keeps the pole up for about 22 steps, less than half a second of simulated time.
# The distribution is skewed: most episodes are short, a few last much longer (the mean is above the
# median). That is why the course reports medians and spreads, not just means.

# %% [markdown]
# ## The course's plots
#
# `cu.plot_scores` draws two panels that every notebook uses:
#
# - **left**, the score of each episode in order, with the goal line at 475 (dashed) and a
#   least-squares **trend line**: the line $\hat{y}_i = a\,i + b$ through the points $(i, y_i)$ that
#   minimises $\sum_i (y_i - \hat{y}_i)^2$ (`cu.trend_line` returns $a$ and $b$). A learning agent has
#   a clearly positive slope; a random one has none;
# - **right**, a histogram of the last 50 episodes: where the agent is *now*, not on average.

# %%
cu.plot_scores(scores, title="Random policy, 200 episodes");

# %%
slope, intercept = cu.trend_line(scores)
print(f"trend: {slope:+.3f} steps per episode (intercept {intercept:.1f})")
assert abs(slope) < 0.1, "A random policy does not improve: its trend should be flat."

# %% [markdown]
# Training curves are noisy, so the notebooks also draw a **running mean**: the average of the last
# $w$ episodes at each point, $\bar{y}_i = \frac{1}{w}\sum_{k=i-w+1}^{i} y_k$ (fewer at the start).

# %%
smooth = cu.running_mean(scores, window=10)
print("first five running means:", smooth[:5].round(1))
assert np.isclose(smooth[9], scores[:10].mean()), "The 10th running mean averages the first 10 scores."

# %% [markdown]
# ## What solved looks like
#
# For comparison, a hand-written controller: push the cart towards the side the pole is falling to
# (the angle plus a little of the angular velocity). It is not learned, just physics intuition.

# %%
def lean_policy(obs: np.ndarray) -> np.ndarray:
    """Push right when the pole leans or swings right, else left."""
    return (obs[:, 2] + 0.5 * obs[:, 3] > 0).astype(int)


lean_scores = cu.evaluate(lean_policy, n_episodes=200, seed=0)
print(f"lean controller: mean {lean_scores.mean():.1f}, median {np.median(lean_scores):.0f}, "
      f"shortest {lean_scores.min():.0f}, episodes reaching 500: {np.mean(lean_scores == 500):.0%}")
cu.plot_scores(lean_scores, title="Hand-written lean controller, 200 episodes");

# %%
assert lean_scores.mean() > 5 * scores.mean(), "A controller that uses the pole angle should beat random play."

# %% [markdown]
# ## Why 475, and how the course judges an agent
#
# Gymnasium registers CartPole-v1 with a `reward_threshold` of 475: an agent whose average return
# reaches 475 counts as having solved it. (The older CartPole-v0 stopped at 200 steps and used 195.)
# Every notebook applies the same **protocol**:
#
# - every 1,000 environment steps of training, the greedy policy (no exploration) plays 10 episodes
#   in a separate, separately seeded environment;
# - the agent has **solved** CartPole-v1 at the first evaluation whose mean return is at least 475,
#   reported in environment steps and in training seconds (evaluations excluded);
# - at the end of training, the **final quality** is the greedy mean over 100 fresh episodes;
# - agents are compared over several seeds, by medians and spreads (notebook 07).

# %%
env = cu.make_env()
print(f"{env.spec.id}: reward_threshold {env.spec.reward_threshold}, max_episode_steps {env.spec.max_episode_steps}")
assert env.spec.reward_threshold == cu.SOLVED_THRESHOLD == 475
print("random policy solved?", cu.is_solved(scores[:10].mean()), "| lean controller solved?",
      cu.is_solved(lean_scores[:10].mean()))

# %% [markdown]
# ## Watch the random policy

# %%
episode = cu.record_episode(cu.make_env(render_mode="rgb_array"), make_random_policy(seed=3), seed=3)
cu.show_gif(episode)

# %% [markdown]
# ## What we measured
#
# Random play: the numbers printed above (about 22 steps on average, never near 475). The lean
# controller shows that a simple rule using the state does far better, but it is not perfect: it
# knows nothing of the cart's position, so some episodes end when the cart leaves the track.
#
# ## Exercises
# 1. Play 20 episodes instead of 200. How much do the mean and the trend move between two seeds?
# 2. Change the lean controller's `0.5` to `0.0` and to `2.0`. Which works best, and why might the
#    angular velocity help?
# 3. Write a policy that always pushes right. What return does it get, and why always the same-ish?
#
# **Next:** notebook 02 replaces the hand-written rule by one that is learned: a Q-network.
