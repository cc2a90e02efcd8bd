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
# A learning curve means little until we know what "no skill at all" and "fully solved" look like.
# This notebook measures both, with the tools that every later notebook uses to judge its agent.
#
# **What you will learn**
#
# - what a policy is, and the form the course gives it: a function from a batch of observations
#   to a batch of actions;
# - what the return of an episode is, and how to summarise returns over many episodes honestly;
# - how to read the course's score plot: the goal line, the least-squares trend, the histogram,
#   and the running mean;
# - why 475 is the bar, and how the course decides that an agent has solved CartPole-v1.

# %%
import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np

import cartpole_utils as cu
cu.set_threads(1)  # tiny networks run fastest on one CPU thread (see cu.set_threads)

SEED = 0
N_EPISODES = 200  # episodes per baseline
cu.seed_everything(SEED)

# %% [markdown]
# ## A policy
#
# A policy $\pi$ maps a state to an action, $a = \pi(s)$. In this course a policy is a Python
# function that takes a **batch** of observations, an array of shape `(n, 4)`, and returns `n`
# actions (0 = push left, 1 = push right). Working on batches lets the helpers play many episodes
# side by side, and it is how a neural network will act from notebook 02 on.
#
# The simplest policy ignores the observation and flips a fair coin for each row. It takes its
# random generator as an argument, so that the same seed gives the same actions.

# %%
def random_policy(obs, rng):
    """Uniformly random actions: one 0-or-1 per row of obs, shape (n, 4) -> (n,)."""
    return rng.integers(0, 2, size=len(obs))


demo_obs = np.zeros((5, 4))  # a batch of 5 (identical) observations
demo_actions = random_policy(demo_obs, np.random.default_rng(SEED))
print("actions for a batch of 5:", demo_actions)

# %%
# Check: one action per observation, each 0 or 1.
assert demo_actions.shape == (5,), "A policy must return one action per row of its input."
assert set(demo_actions.tolist()) <= {0, 1}, "CartPole has two actions: 0 and 1."

# %% [markdown]
# ## The return of an episode
#
# The return of an episode is the sum of its rewards,
#
# $$G = \sum_{t=0}^{T-1} r_t ,$$
#
# where $T$ is the number of steps. CartPole pays $r_t = +1$ per step, so $G = T$: the score is
# how many steps the pole stayed up, at most 500. (From notebook 02 on, the agent will also
# *discount* future rewards while it learns; the score we report stays this plain sum.)
#
# Here is one episode played by hand. The policy receives `obs[None]`, a batch of one.

# %%
def play_episode(env, policy, seed):
    """Play one episode from env.reset(seed=seed); return its return G (the sum of rewards)."""
    obs, info = env.reset(seed=seed)
    episode_return = 0.0
    terminated = truncated = False
    while not (terminated or truncated):
        action = int(policy(obs[None])[0])
        obs, reward, terminated, truncated, info = env.step(action)
        episode_return += reward
    return episode_return


env = cu.make_env(seed=SEED)
rng = np.random.default_rng(SEED)
print("return of one random episode:", play_episode(env, lambda obs: random_policy(obs, rng), SEED))

# %% [markdown]
# `cu.evaluate(policy, n_episodes, seed)` does the same for many episodes at once: it plays
# `n_episodes` episodes in separate environments, episode $i$ starting from `reset(seed=seed + i)`,
# and returns their returns as an array. The check below replays our episode with it.

# %%
# Check: cu.evaluate computes the same return as the hand-written loop (same seed, same actions).
rng = np.random.default_rng(SEED)
by_hand = play_episode(env, lambda obs: random_policy(obs, rng), seed=SEED)
rng = np.random.default_rng(SEED)
by_helper = cu.evaluate(lambda obs: random_policy(obs, rng), n_episodes=1, seed=SEED)
assert by_helper.shape == (1,) and by_helper[0] == by_hand, "cu.evaluate should match the loop."

# %% [markdown]
# ## 200 random episodes
#
# One episode is an anecdote. We play 200 with the random policy, from the seeds of the final
# evaluation (`cu.FINAL_EVAL_SEED` and on): the first 100 of these episodes start exactly where
# every agent's final 100-episode evaluation starts in the notebooks that follow.

# %%
rng = np.random.default_rng(SEED)
random_scores = cu.evaluate(lambda obs: random_policy(obs, rng), n_episodes=N_EPISODES,
                            seed=cu.FINAL_EVAL_SEED)


def summarise(scores):
    """Mean, median, standard deviation, worst and best of an array of returns, as text."""
    return (f"mean {scores.mean():.1f}, median {np.median(scores):.0f}, std {scores.std():.1f}, "
            f"worst {scores.min():.0f}, best {scores.max():.0f}  ({len(scores)} episodes)")


print("random policy:", summarise(random_scores))

# %% [markdown]
# Random play lasts a little over 20 steps on average, less than half a second of simulated
# time. The median is below the mean: most episodes are short and a few lucky ones run longer,
# which pulls the mean up. Even the best of 200 tries is far from 475. The standard deviation
# is large compared with the mean, so a single episode says little about a policy.

# %%
# Check: what the text above claims, measured.
assert 15 <= random_scores.mean() <= 30, "Random play should average roughly 20 steps."
assert np.median(random_scores) < random_scores.mean(), "Short episodes dominate: median < mean."
assert random_scores.max() < cu.SOLVED_THRESHOLD, "No random episode should come near 475."
assert random_scores.std() > 0.3 * random_scores.mean(), "Scores should vary a lot between episodes."
assert random_scores.mean() * env.unwrapped.tau < 0.5, "The average episode should last under 0.5 s."

# %% [markdown]
# ## The score plot
#
# `cu.plot_scores(scores, title=...)` draws the figure you will see in every notebook:
#
# - **left**, the score of each episode in order, the dashed **goal line** at 475, and a
#   **trend line**: the straight line $\hat y_i = a\,i + b$ that fits the scores $y_i$
#   (episode $i = 0, \dots, n-1$) best in the least-squares sense,
#
#   $$(a, b) = \arg\min_{a,\,b} \sum_{i=0}^{n-1} \big(y_i - (a\,i + b)\big)^2
#   \quad\Longrightarrow\quad a = \frac{\sum_i (i - \bar\imath)(y_i - \bar y)}{\sum_i (i - \bar\imath)^2},
#   \qquad b = \bar y - a\,\bar\imath .$$
#
#   The slope $a$ (shown in the legend, in steps per episode) says whether the agent improves;
#   `cu.trend_line(scores)` returns $(a, b)$.
# - **right**, a histogram of the **last 50** episodes: where the agent ended up, and how
#   consistently. A solved agent piles up at 500.

# %%
fig = cu.plot_scores(random_scores, title="Random policy: 200 episodes")

# %%
# Check: the closed-form least-squares line equals cu.trend_line, and random play does not improve.
i = np.arange(len(random_scores))
a = np.sum((i - i.mean()) * (random_scores - random_scores.mean())) / np.sum((i - i.mean()) ** 2)
b = random_scores.mean() - a * i.mean()
slope, intercept = cu.trend_line(random_scores)
assert np.isclose(a, slope) and np.isclose(b, intercept), "Trend line differs from the formula."
assert abs(slope * (len(i) - 1)) < random_scores.std(), "The trend over all episodes should be flat."
print(f"trend: {slope:+.4f} steps per episode, {slope * (len(i) - 1):+.1f} steps over {len(i)} episodes")

# %% [markdown]
# The trend is nearly flat: across all 200 episodes it moves by less than one standard deviation
# of the scores. That is the expected picture for a policy that does not learn.
#
# ## The running mean
#
# Episode scores are noisy, so training curves are usually smoothed by a running mean over the
# last $w$ episodes:
#
# $$\bar y_i = \frac{1}{\min(w,\, i+1)} \sum_{j=\max(0,\, i-w+1)}^{i} y_j .$$
#
# `cu.running_mean(scores, window=w)` computes it; the first $w-1$ points average the fewer
# episodes there are. A wider window is smoother but reacts later to a change.

# %%
episodes = np.arange(1, len(random_scores) + 1)  # numbered from 1, as in cu.plot_scores
fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(episodes, random_scores, color="C0", alpha=0.3, lw=1, label="score per episode")
for window, color in ((10, "C0"), (50, "C3")):
    ax.plot(episodes, cu.running_mean(random_scores, window=window), color=color, lw=2,
            label=f"running mean, window {window}")
ax.set(xlabel="episode", ylabel="score (steps balanced)", title="Random policy, smoothed")
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)  # below the axes, off the data
plt.show()

# %%
# Check: the running mean is the plain mean of the last w scores (fewer at the start).
smooth = cu.running_mean(random_scores, window=10)
assert smooth.shape == random_scores.shape, "The running mean has one value per episode."
assert np.isclose(smooth[-1], random_scores[-10:].mean()), "Last value should average the last 10."
assert np.isclose(smooth[2], random_scores[:3].mean()), "Early values should average what exists."

# %% [markdown]
# ## When is CartPole solved?
#
# Gymnasium registers CartPole-v1 with a `reward_threshold` of **475**, 95% of the 500-step
# limit: an agent that reaches it balances almost every episode to the end. (Older tutorials
# use CartPole-v0's bar: 195 out of 200 steps.) The course turns the threshold into one protocol,
# the same in every notebook:
#
# - during training, every `cu.EVAL_INTERVAL` environment steps, the agent plays
#   `cu.EVAL_EPISODES` **greedy** episodes (no exploration) in a separate environment with its
#   own seeds;
# - the agent is **solved** at the first evaluation whose mean return is at least 475
#   (`cu.is_solved(mean)`);
# - its **final quality** is the greedy mean over `cu.FINAL_EVAL_EPISODES` fresh episodes.

# %%
print(f"goal: {cu.SOLVED_THRESHOLD:g} = CartPole-v1's reward_threshold "
      f"{env.spec.reward_threshold:g}, out of {env.spec.max_episode_steps} steps")
print(f"evaluate every {cu.EVAL_INTERVAL:,} env steps on {cu.EVAL_EPISODES} episodes "
      f"(seeds from {cu.EVAL_SEED_OFFSET:,}); final quality over {cu.FINAL_EVAL_EPISODES} episodes")
rng = np.random.default_rng(SEED)
random_eval = cu.evaluate(lambda obs: random_policy(obs, rng))  # the protocol's 10 episodes
print(f"random policy, one protocol evaluation: mean {random_eval.mean():.1f} -> "
      f"solved: {cu.is_solved(random_eval.mean())}")

# %% [markdown]
# ## A second baseline: the hand-written controller
#
# To see what "solved" looks like in the same plots, we bring back the rule from notebook 00:
# push toward the side the pole is falling, $a = 1$ if $\theta + 0.5\,\dot\theta > 0$, else $0$.
# It already takes a batch of observations, so it is a policy in the course's sense. It is
# written again here (not imported) because it is a baseline, not a piece of the agent.

# %%
def lean_controller(obs, gain=0.5):
    """Push toward the side the pole is falling: 1 if theta + gain * theta_dot > 0, else 0."""
    return (obs[..., 2] + gain * obs[..., 3] > 0).astype(np.int64)


controller_scores = cu.evaluate(lean_controller, n_episodes=N_EPISODES, seed=cu.FINAL_EVAL_SEED)
controller_eval = cu.evaluate(lean_controller)  # the protocol's 10 episodes
print("controller:   ", summarise(controller_scores))
print("random policy:", summarise(random_scores))
print(f"controller, one protocol evaluation: mean {controller_eval.mean():.1f} -> "
      f"solved: {cu.is_solved(controller_eval.mean())}")

# %% [markdown]
# One line of arithmetic on the angle and its rate balances the pole for the full 500 steps in
# every one of the 200 episodes above. Compare its plot with the random one: the scores sit above
# the goal line, the trend is flat at the top, and the histogram is a single bar at 500.
# This is the picture a trained agent should produce; a learning agent's curve should climb from
# the random picture to this one.

# %%
fig = cu.plot_scores(controller_scores, title="Hand-written controller: 200 episodes")

# %%
# Check: the controller is solved under the protocol and far above random play.
assert not cu.is_solved(random_eval.mean()), "Random play must not count as solved."
assert cu.is_solved(controller_eval.mean()), "The controller should pass the 475 bar."
assert controller_scores.mean() >= cu.SOLVED_THRESHOLD, "The controller should average at least 475."
assert controller_scores.mean() > 10 * random_scores.mean(), "The controller should be far above random."
assert np.all(controller_scores == cu.MAX_EPISODE_STEPS), "Every controller episode should reach 500."

# %% [markdown]
# ## The historical rule, and why the course uses another
#
# Many tutorials still use the rule of OpenAI Gym's first CartPole leaderboard: CartPole-v0, whose
# episodes stop at 200 steps, is solved when the average return over **100 consecutive training
# episodes** is at least 195. Gymnasium's registry keeps both versions:

# %%
for version in ("CartPole-v0", "CartPole-v1"):
    spec = gym.spec(version)
    print(f"{version}: episodes cut at {spec.max_episode_steps} steps, "
          f"reward_threshold {spec.reward_threshold:g}")

# %% [markdown]
# The course keeps v1 and changes *how* the bar is measured:
#
# - **Training episodes mix exploration and many versions of the network.** A run of 100 episodes
#   late in training includes ε-random actions and spans thousands of gradient steps, so its average
#   measures neither the final policy nor any single one. The course evaluates the greedy policy, as
#   it is at one step, on episodes that play no part in training.
# - **Separate seeds.** Evaluation episodes start from their own seeded states, the same for every
#   agent, so two agents are compared on the same starts.
# - **Reaching is not keeping.** The historical rule stops at the first success. The course also
#   reports the network at the end of the budget (`cu.FINAL_EVAL_EPISODES` fresh episodes) and how
#   often the evaluations after the first success stay above the bar (notebook 07), because DQN
#   can forget what it learned.
# - **Longer episodes.** v1 asks for 2.5 times v0's 200 steps, with a bar at 95% of the limit
#   (v0's 195 was 97.5% of it).

# %% [markdown]
# ## What random play looks like
#
# Finally, one random episode as a GIF. It is so short that it is shown slowed down: every step
# is one frame at 10 frames per second, five times slower than the simulation's 50 steps per
# second.

# %%
render_env = cu.make_env(seed=SEED, render_mode="rgb_array")
random_episode = cu.record_episode(render_env, policy=None, seed=SEED)
assert random_episode.terminated and not random_episode.truncated, "A random episode should fall."
cu.show_gif(random_episode, fps=10, every=1)

# %% [markdown]
# ## Exercises
#
# 1. Write a policy that always pushes right, `lambda obs: np.ones(len(obs), dtype=int)`, and
#    evaluate it on 200 episodes. Is it better or worse than a coin flip? Why?
# 2. Evaluate `lean_controller` with `gain=0` (angle only) and plot it with `cu.plot_scores`.
#    Would it count as solved?
# 3. Plot the random scores' running mean with `window=1` and `window=200`. What do the two
#    extremes show?
#
# **Next:** [02 · Online Deep Q-Learning](02_online_dqn.ipynb) replaces the hand-written rule
# with a Q-network that learns to act from its own experience, starting from random play.
