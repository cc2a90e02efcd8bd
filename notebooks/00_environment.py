# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dqn-course/cartpole-dqn/blob/main/notebooks/00_environment.ipynb)
#
# # 00 · The environment

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
# Before an agent can learn anything, we need to know the world it lives in. This notebook has
# no learning at all: it is a tour of CartPole-v1.
#
# **What you will learn**
#
# - how Gymnasium's API works: `reset` gives `(obs, info)`, `step` gives
#   `(obs, reward, terminated, truncated, info)`;
# - what the four numbers of the state mean, with their units and limits;
# - what the two actions do and how the reward is counted;
# - the two ways an episode ends, **terminated** (the pole fell or the cart left the track) and
#   **truncated** (the 500-step time limit), and why the difference matters for learning.

# %%
import gymnasium as gym
import numpy as np

import cartpole_utils as cu
cu.set_threads(1)  # tiny networks run fastest on one CPU thread (see cu.set_threads)

SEED = 0
cu.seed_everything(SEED)

# %% [markdown]
# ## Making the environment
#
# A cart rolls without friction on a straight track; a pole is hinged on top of it. The agent
# pushes the cart left or right and tries to keep the pole upright for as long as possible.
#
# Gymnasium creates an environment from its id. `gym.make("CartPole-v1")` is all it takes;
# the course wraps it as `cu.make_env(seed=...)`, which also seeds the action space (so that
# `env.action_space.sample()` is reproducible) and refuses to open a window: we never display
# one, we make GIFs instead. The `spec` holds the registered facts of the environment.

# %%
env = cu.make_env(seed=SEED)
print("id:                ", env.spec.id)
print("max_episode_steps: ", env.spec.max_episode_steps)
print("reward_threshold:  ", env.spec.reward_threshold)
print("observation_space: ", env.observation_space)
print("action_space:      ", env.action_space)

# %% [markdown]
# ## `reset`: the first observation
#
# `env.reset(seed=...)` starts an episode and returns a pair `(obs, info)`. Passing a seed makes
# the starting state reproducible. `obs` is an array of four floats; `info` is a dictionary of
# extras (empty for CartPole). Every one of the four numbers starts uniformly at random in
# $[-0.05, 0.05]$: the pole starts almost, but never exactly, upright and at rest.

# %%
obs, info = env.reset(seed=SEED)
print("info:", info)
for name, value in zip(cu.OBS_NAMES, obs):
    print(f"{name:>30}: {value:+.4f}")

# %%
# Check: reset returns (obs, info), and the start is within 0.05 of zero in every coordinate.
reset_result = env.reset(seed=SEED)
assert isinstance(reset_result, tuple) and len(reset_result) == 2, "reset should return (obs, info)."
assert reset_result[0].shape == (4,), "An observation should hold 4 numbers."
assert np.all(np.abs(reset_result[0]) <= 0.05), "CartPole starts every coordinate in [-0.05, 0.05]."

# %% [markdown]
# ## The state and its limits
#
# The observation $s = (x, \dot x, \theta, \dot\theta)$ is the full physical state:
#
# | index | variable | meaning | unit |
# | --- | --- | --- | --- |
# | 0 | $x$ | cart position (0 is the centre of the track) | m |
# | 1 | $\dot x$ | cart velocity | m/s |
# | 2 | $\theta$ | pole angle from vertical (positive: leaning right) | rad |
# | 3 | $\dot\theta$ | pole angular velocity | rad/s |
#
# The observation space gives a range for each. Look closely at what it prints below: the
# velocities have no bound at all ($\pm\infty$), and the bounds on $x$ and $\theta$ are **twice**
# the real limits. The bounds describe what an observation can hold, not when the game is lost.

# %%
for name, low, high in zip(cu.OBS_NAMES, env.observation_space.low, env.observation_space.high):
    print(f"{name:>30}: [{low:+.4f}, {high:+.4f}]")

# %% [markdown]
# The episode **terminates** as soon as
#
# $$|\theta| > 12^\circ = \tfrac{12 \cdot 2\pi}{360}\ \text{rad} \approx 0.2094\ \text{rad}
# \qquad\text{or}\qquad |x| > 2.4\ \text{m}.$$
#
# Older texts say the pole may lean 15 degrees. That is wrong for Gymnasium's CartPole: the limit
# is 12 degrees. The course keeps both limits as `cu.THETA_LIMIT_RAD` and `cu.X_LIMIT`; the check
# below compares them with the numbers inside the environment itself (`env.unwrapped` is the
# bare CartPole object, under the wrappers that `gym.make` adds).

# %%
print(f"angle limit: {env.unwrapped.theta_threshold_radians:.4f} rad "
      f"= {np.degrees(env.unwrapped.theta_threshold_radians):.1f} degrees")
print(f"track limit: {env.unwrapped.x_threshold} m")

# %%
# Check: the course's constants are the environment's real limits (12 degrees, not 15).
assert np.isclose(cu.THETA_LIMIT_RAD, env.unwrapped.theta_threshold_radians), "Angle limit mismatch."
assert np.isclose(np.degrees(cu.THETA_LIMIT_RAD), 12.0), "The pole may lean 12 degrees, not 15."
assert cu.X_LIMIT == env.unwrapped.x_threshold, "Track limit mismatch."
assert np.isclose(env.observation_space.high[2], 2 * cu.THETA_LIMIT_RAD), "Angle bound should be 2x limit."
assert np.isinf(env.observation_space.high[[1, 3]]).all(), "Velocities should be unbounded."

# %% [markdown]
# ## The actions and the reward
#
# There are two discrete actions, `0` and `1`. Each pushes the cart with a fixed force of
# `force_mag` newtons for one time step of `tau` seconds; there is no "do nothing". The
# simulation runs at $1/\tau$ steps per second, so the 500-step limit is 10 seconds of balancing.

# %%
physics = env.unwrapped
for action, name in enumerate(cu.ACTION_NAMES):
    print(f"action {action}: {name}")
print(f"force: {physics.force_mag} N, time step: {physics.tau} s ({1 / physics.tau:.0f} steps per second)")
print(f"cart {physics.masscart} kg, pole {physics.masspole} kg, pole half-length {physics.length} m, "
      f"gravity {physics.gravity} m/s^2")

# %% [markdown]
# ## `step`: one time step
#
# `env.step(action)` applies the action and returns **five** values:
#
# - `obs`: the new state;
# - `reward`: $+1$ for every step taken, including the last one;
# - `terminated`: `True` if the pole fell past 12 degrees or the cart left $[-2.4, 2.4]$;
# - `truncated`: `True` if the time limit (500 steps in CartPole-v1) cut the episode short;
# - `info`: a dictionary of extras.
#
# Older versions of Gym returned four values with a single flag for both endings; Gymnasium
# keeps them apart, and we will see why that matters. Let us push right once from rest.

# %%
obs, info = env.reset(seed=SEED)
next_obs, reward, terminated, truncated, info = env.step(1)  # 1 = push cart right
print("reward:", reward, "| terminated:", terminated, "| truncated:", truncated, "| info:", info)
print(f"cart velocity before: {obs[1]:+.4f} m/s, after: {next_obs[1]:+.4f} m/s")

# %%
# Check: step returns 5 values; a push to the right makes the cart faster to the right.
step_result = env.step(1)
assert isinstance(step_result, tuple) and len(step_result) == 5, "step should return 5 values."
assert step_result[1] == 1.0, "Every step should give a reward of +1."
assert isinstance(step_result[2], bool) and isinstance(step_result[3], bool), "Flags should be bools."
assert next_obs[1] > obs[1], "Pushing right (action 1) should increase the cart velocity."

# %% [markdown]
# ## A whole episode
#
# An episode is a loop: reset, then step until **either** flag is `True`. The return of the
# episode is the sum of its rewards, here simply the number of steps the pole stayed up.
#
# The function below plays one episode. A *policy* decides the action from the observation;
# `policy=None` means uniformly random actions from the seeded action space.

# %%
def run_episode(env, policy=None, seed=0):
    """Play one episode; return (steps, total reward, terminated, truncated, last obs)."""
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)
    total_reward, steps = 0.0, 0
    terminated = truncated = False
    while not (terminated or truncated):
        action = env.action_space.sample() if policy is None else int(policy(obs))
        obs, reward, terminated, truncated, info = env.step(action)
        total_reward += reward
        steps += 1
    return steps, total_reward, terminated, truncated, obs


# %% [markdown]
# ### A random rollout terminates
#
# Pushing at random, the pole soon falls.

# %%
steps, total, terminated, truncated, last_obs = run_episode(env, policy=None, seed=SEED)
print(f"random actions: {steps} steps, return {total:.0f}, terminated={terminated}, truncated={truncated}")
print(f"last state: x = {last_obs[0]:+.3f} m, theta = {last_obs[2]:+.4f} rad "
      f"({np.degrees(last_obs[2]):+.1f} degrees)")

# %%
# Check: the random episode terminated (not truncated), because a limit was crossed.
assert terminated and not truncated, "A random episode should end by falling, long before 500 steps."
assert total == steps, "The return should equal the number of steps (+1 per step)."
crossed = abs(last_obs[2]) > cu.THETA_LIMIT_RAD or abs(last_obs[0]) > cu.X_LIMIT
assert crossed, "The last state of a terminated episode should be past a limit."

# %% [markdown]
# ### A hand-written controller reaches the time limit
#
# Common sense balances a pole: push the cart toward the side the pole leans, so that the cart
# gets back under it. The angle alone reacts too late, so we also look at where the pole is
# heading, through its angular velocity:
#
# $$a = \begin{cases} 1 \text{ (push right)} & \text{if } \theta + 0.5\,\dot\theta > 0 \\
# 0 \text{ (push left)} & \text{otherwise.}\end{cases}$$
#
# `obs[..., 2]` reads the angle of one observation (shape `(4,)`) or of a batch (shape `(n, 4)`)
# alike, so the same function serves both our loop and the course's helpers.

# %%
def lean_controller(obs, gain=0.5):
    """Push toward the side the pole is falling: 1 if theta + gain * theta_dot > 0, else 0."""
    return (obs[..., 2] + gain * obs[..., 3] > 0).astype(np.int64)


steps, total, terminated, truncated, last_obs = run_episode(env, policy=lean_controller, seed=SEED)
print(f"controller: {steps} steps, return {total:.0f}, terminated={terminated}, truncated={truncated}")
print(f"last state: x = {last_obs[0]:+.3f} m, theta = {np.degrees(last_obs[2]):+.1f} degrees")

# %%
# Check: the controller survives until the time limit, so the episode is truncated at 500 steps.
assert truncated and not terminated, "The controller's episode should end by the time limit."
assert steps == cu.MAX_EPISODE_STEPS == env.spec.max_episode_steps, "CartPole-v1 truncates at 500."
within = abs(last_obs[2]) <= cu.THETA_LIMIT_RAD and abs(last_obs[0]) <= cu.X_LIMIT
assert within, "At truncation the pole is still up: the state is not a failure."

# %% [markdown]
# ### Truncated is not terminated, and why it matters later
#
# When an episode is **terminated**, the pole is down: there is no future, and the value of that
# last state is zero. When it is **truncated**, nothing bad happened, the clock just ran out; the
# pole is still up, as the check above shows, and the agent could have kept on collecting $+1$ for
# a long while. From notebook 02 on, the agent learns the value of a state from the reward plus
# the value of the next state. It must drop that future value only on `terminated`. If it treated
# the 500-step cut as a failure, it would learn that balancing well for a long time leads to
# "the end", the opposite of what we want. So every transition we store keeps both flags. (Pardo
# et al., "Time Limits in Reinforcement Learning", ICML 2018, is the standard reference: it shows
# what treating a time limit as a terminal state costs, and bootstraps at the cut as we do.)
#
# ### Version 0 and version 1
#
# CartPole-v0 stopped episodes at 200 steps and called the task solved at an average of 195;
# many tutorials still use those numbers. This course uses **CartPole-v1**: 500 steps, solved at
# 475 (its `reward_threshold`). Looking up a spec does not create the environment:

# %%
for env_id in ("CartPole-v0", "CartPole-v1"):
    spec = gym.spec(env_id)
    print(f"{env_id}: time limit {spec.max_episode_steps} steps, reward_threshold {spec.reward_threshold}")

# %%
# Check: the course's constants are CartPole-v1's.
assert gym.spec("CartPole-v1").max_episode_steps == cu.MAX_EPISODE_STEPS == 500, "v1 limit is 500."
assert gym.spec("CartPole-v1").reward_threshold == cu.SOLVED_THRESHOLD == 475, "v1 threshold is 475."
assert gym.spec("CartPole-v0").max_episode_steps == 200, "v0 limit is 200."

# %% [markdown]
# ## Seeing the cart
#
# To look at the cart we need images: an environment made with `render_mode="rgb_array"` returns
# a 400×600 RGB frame from `env.render()`. `cu.record_episode` plays one episode, keeping every
# frame with the states and actions. With the same seed it replays the same episodes as our loop.

# %%
render_env = cu.make_env(seed=SEED, render_mode="rgb_array")
random_episode = cu.record_episode(render_env, policy=None, seed=SEED)
controller_episode = cu.record_episode(render_env, policy=lean_controller, seed=SEED)
print(f"random: {random_episode.length} steps, controller: {controller_episode.length} steps, "
      f"one frame: {random_episode.frames[0].shape}")

# %%
# Check: the recordings replay the episodes we played above, step for step.
assert random_episode.length == run_episode(env, None, SEED)[0], "Same seed should give the same episode."
assert controller_episode.length == run_episode(env, lean_controller, SEED)[0], "Controller replay differs."
assert random_episode.terminated and controller_episode.truncated, "Endings should match the loop's."
drift = np.abs(controller_episode.observations[:, 0]).max()
assert 1.0 < drift <= cu.X_LIMIT, "The controller's cart should drift over a metre, yet stay on the track."

# %% [markdown]
# `cu.filmstrip` shows a few evenly spaced frames with the position and angle of each. Here is
# the controller's episode: the pole stays near vertical for all 500 steps, but the cart drifts
# more than a metre along the track. The rule watches the pole only, never the cart's position,
# so nothing pulls the cart back toward the centre.

# %%
fig = cu.filmstrip(controller_episode, n=6, title="Hand-written controller: truncated at 500 steps")

# %% [markdown]
# And here is the random rollout, in a player you can scrub step by step (play button and
# slider; the table shows the state and the next action). If widgets do not run where you read
# this, the static strip above the player shows the same episode.

# %%
cu.episode_player(random_episode)

# %% [markdown]
# Finally, the controller's episode as a GIF in real time (25 frames per second, every second
# step): ten seconds of balancing, then the time limit.

# %%
cu.show_gif(controller_episode)

# %% [markdown]
# ## Where the course ends
#
# The package ships one trained network of the course's final agent (notebook 06), so that you can
# watch the goal before training anything. `cu.load_agent` rebuilds the network from the
# checkpoint file (weights only: loading it cannot run code). Outside a notebook,
# `python -m cartpole_utils.play CHECKPOINT --gif agent.gif` does the same.

# %%
final_agent, final_config = cu.load_agent(cu.SHIPPED_AGENT)
final_returns = cu.evaluate(final_agent, cu.FINAL_EVAL_EPISODES, seed=cu.FINAL_EVAL_SEED)
print(f"final agent, seed {final_config['seed']}, trained for {final_config['total_steps']:,} steps:")
print(f"mean return {final_returns.mean():.1f} over {len(final_returns)} greedy episodes "
      f"(min {final_returns.min():.0f})")
assert final_returns.mean() >= cu.SOLVED_THRESHOLD, (
    "The shipped agent should balance the pole: reinstall the package (pip install -e .) if "
    "cartpole_utils/data/final_agent.pt was changed.")
final_episode = cu.record_episode(cu.make_env(render_mode="rgb_array"), final_agent, seed=7)
cu.show_gif(final_episode, caption="the course's final agent (notebook 06)")

# %% [markdown]
# ## Exercises
#
# 1. Set `gain=0` in `lean_controller` (react to the angle only). Does it still reach 500 steps?
#    Look at its filmstrip to see how it fails.
# 2. Write a policy that always pushes right. How many steps does it last, and which limit ends
#    the episode: the angle or the track?
# 3. Make the environment with `cu.make_env(max_episode_steps=100)` and run the controller.
#    Which flag is `True` at the end now?
#
# **Next:** [01 · A random baseline](01_random_baseline.ipynb) turns policies into numbers:
# returns, statistics over many episodes, and the plots the course uses to judge every agent.
