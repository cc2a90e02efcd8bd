"""Probe environments: tiny Gymnasium tasks whose exact Q-values are known.

A DQN that cannot learn one of these in a few seconds has a bug, and which probe fails says where
to look (as in notebook 09):

=====================  =========================================  ============================
probe                  what it tests                              Q-values a correct agent learns
=====================  =========================================  ============================
ConstantReward         the value of a terminal step: no bootstrap  Q(0) = 1
ObservationReward      that Q depends on the observation           Q(+1) = 1, Q(-1) = -1
TwoStepDiscount        discounting over two steps                  Q(0) = gamma, Q(1) = 1
ActionReward           that Q depends on the action                Q(0) = (-1, +1)
TimeLimit              that a time limit is not a terminal state   Q(0) = 1 / (1 - gamma)
=====================  =========================================  ============================

Every probe has a 1-dimensional observation in [-1, 1] and ends after at most five steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from ..lessons import (
    QNetwork,
    ReplayBuffer,
    double_dqn_td_target,
    hard_update,
    q_learning_step,
    soft_update,
)
from ..training import Monitor

__all__ = ["ProbeEnv", "ConstantReward", "ObservationReward", "TwoStepDiscount", "ActionReward",
           "TimeLimit", "PROBES", "PROBE_TOLERANCE", "probe_error", "ProbeConfig", "train_probe"]

#: A probe passes when every Q-value is within 5% of the expected one (or 0.05 where |Q| < 1).
PROBE_TOLERANCE = 0.05


class ProbeEnv(gym.Env):
    """Base class: an observation of shape (1,) in [-1, 1] and ``n_actions`` discrete actions."""

    n_actions: int = 1
    description: str = ""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(self.n_actions)
        self._obs = 0.0
        self._t = 0

    def _observation(self) -> np.ndarray:
        return np.array([self._obs], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode: (obs, info)."""
        super().reset(seed=seed)
        self._t = 0
        self._obs = self._first_observation()
        return self._observation(), {}

    def _first_observation(self) -> float:
        return 0.0

    def expected_q(self, gamma: float) -> dict[float, list[float]]:
        """{observation: the Q-value of each action} that a correct agent converges to."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ConstantReward(ProbeEnv):
    """One action, observation 0, reward +1, terminated after one step."""

    description = "+1 then the end: the value of a terminal step"

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One step of the Gymnasium API: (obs, reward, terminated, truncated, info)."""
        return self._observation(), 1.0, True, False, {}

    def expected_q(self, gamma: float) -> dict[float, list[float]]:
        """The Q-values a correct agent learns here, by observation."""
        return {0.0: [1.0]}


class ObservationReward(ProbeEnv):
    """One action, observation +1 or -1 at random; the reward equals it; terminated after one step."""

    description = "reward = observation: Q must depend on the state"

    def _first_observation(self) -> float:
        return float(self.np_random.choice([-1.0, 1.0]))

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One step of the Gymnasium API: (obs, reward, terminated, truncated, info)."""
        return self._observation(), self._obs, True, False, {}

    def expected_q(self, gamma: float) -> dict[float, list[float]]:
        """The Q-values a correct agent learns here, by observation."""
        return {-1.0: [-1.0], 1.0: [1.0]}


class TwoStepDiscount(ProbeEnv):
    """One action; observation 0, then 1; reward 0 then +1; terminated after two steps."""

    description = "two steps, +1 at the end: discounting"

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One step of the Gymnasium API: (obs, reward, terminated, truncated, info)."""
        if self._obs == 0.0:
            self._obs = 1.0
            return self._observation(), 0.0, False, False, {}
        return self._observation(), 1.0, True, False, {}

    def expected_q(self, gamma: float) -> dict[float, list[float]]:
        """The Q-values a correct agent learns here, by observation."""
        return {0.0: [gamma], 1.0: [1.0]}


class ActionReward(ProbeEnv):
    """Two actions, observation 0; action 1 earns +1, action 0 earns -1; terminated after one step."""

    n_actions = 2
    description = "reward = +1 for action 1, -1 for action 0: Q must depend on the action"

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One step of the Gymnasium API: (obs, reward, terminated, truncated, info)."""
        return self._observation(), 1.0 if int(action) == 1 else -1.0, True, False, {}

    def expected_q(self, gamma: float) -> dict[float, list[float]]:
        """The Q-values a correct agent learns here, by observation."""
        return {0.0: [-1.0, 1.0]}


class TimeLimit(ProbeEnv):
    """One action, observation 0, reward +1 every step, never terminated; truncated after 5 steps.

    The state after the time limit is the same state, so its value is the infinite discounted sum
    1 / (1 - gamma): an agent that treats truncation as the end learns far less.
    """

    description = "+1 forever, cut by a 5-step time limit: truncated is not terminated"

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One step of the Gymnasium API: (obs, reward, terminated, truncated, info)."""
        self._t += 1
        return self._observation(), 1.0, False, self._t >= 5, {}

    def expected_q(self, gamma: float) -> dict[float, list[float]]:
        """The Q-values a correct agent learns here, by observation."""
        return {0.0: [1.0 / (1.0 - gamma)]}


#: One of each probe, in the order a bug hunt goes through them.
PROBES: tuple[type[ProbeEnv], ...] = (ConstantReward, ObservationReward, TwoStepDiscount, ActionReward,
                                      TimeLimit)


def probe_error(q_net: nn.Module, env: ProbeEnv, gamma: float) -> float:
    """The largest |Q(s, a) - expected| / max(1, |expected|) over the probe's states and actions.

    The probe passes when this is at most :data:`PROBE_TOLERANCE`.

    ``q_net`` must map observations of shape (B, 1) to Q-values of shape (B, env.n_actions).
    """
    if not isinstance(env, ProbeEnv):
        raise TypeError(f"probe_error needs a probe environment (one of cu.probes.PROBES), got {env!r}.")
    expected = env.expected_q(gamma)
    obs = torch.tensor([[o] for o in expected], dtype=torch.float32)
    with torch.no_grad():
        q_values = q_net(obs)
    if tuple(q_values.shape) != (len(expected), env.n_actions):
        raise ValueError(
            f"q_net gave Q-values of shape {tuple(q_values.shape)} for {len(expected)} observations of "
            f"shape (1,); {type(env).__name__} needs ({len(expected)}, {env.n_actions}). Build the network "
            f"with obs_dim=1 and n_actions={env.n_actions}."
        )
    target = torch.tensor(list(expected.values()), dtype=torch.float32)
    return float(((q_values - target).abs() / target.abs().clamp(min=1.0)).max())


@dataclass(frozen=True)
class ProbeConfig:
    """Hyperparameters of the probe runs (notebook 09): small and fast, with constant exploration."""

    seed: int = 0  # seeds torch, exploration, the buffer and the environment
    total_steps: int = 1_500  # environment steps, one gradient step each after learning_starts
    gamma: float = 0.9  # a short horizon: TimeLimit's value is 1 / (1 - gamma) = 10
    learning_rate: float = 3e-3  # Adam step size
    hidden_size: int = 32  # units in each of the two hidden layers
    batch_size: int = 64  # transitions per gradient step
    learning_starts: int = 100  # steps before the first gradient step
    tau: float = 0.05  # soft target update every step
    epsilon: float = 0.5  # constant exploration rate: every action is tried often


def _stores_terminated(terminated: bool, truncated: bool) -> bool:
    return terminated


def train_probe(
    env: gym.Env,
    config: ProbeConfig = ProbeConfig(),
    td_target: Callable[..., torch.Tensor] | None = None,
    learning_step: Callable[..., float] | None = None,
    stored_terminated: Callable[[bool, bool], bool] = _stores_terminated,
    monitor_options: dict[str, Any] | None = None,
) -> Any:
    """Notebook 06's agent (replay, Double DQN target, soft updates) on any small discrete env.

    Each piece a bug can hide in is an argument, so that notebook 09 can swap in a broken one:
    ``td_target(q_net, target_net, batch, gamma)`` (default ``cu.double_dqn_td_target``),
    ``learning_step(q_net, optimizer, batch, td_target)`` (default ``cu.q_learning_step``) and
    ``stored_terminated(terminated, truncated)``, the flag stored in the replay buffer.
    Returns the trained Q-network, which maps observations (B, obs_dim) to Q-values (B, n_actions).

    On CartPole, ``monitor_options`` (a dict, ``{}`` for the defaults) runs the course's
    ``cu.Monitor`` alongside, with those options: greedy evaluations every 1,000 steps and the
    diagnostics; the function then returns the ``TrainResult`` (its ``q_net`` is the network), for
    ``cu.plot_diagnostics``. The steps taken are the same with or without it.
    """
    td_target = td_target or double_dqn_td_target
    learning_step = learning_step or q_learning_step
    obs_dim, n_actions = env.observation_space.shape[0], int(env.action_space.n)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    q_net = QNetwork(config.hidden_size, obs_dim=obs_dim, n_actions=n_actions)
    target_net = QNetwork(config.hidden_size, obs_dim=obs_dim, n_actions=n_actions)
    hard_update(target_net, q_net)
    q_params, target_params = list(q_net.parameters()), list(target_net.parameters())
    optimizer = torch.optim.Adam(q_params, lr=config.learning_rate, fused=True)
    replay_buffer = ReplayBuffer(config.total_steps, obs_dim=obs_dim, seed=config.seed)
    env.action_space.seed(config.seed)
    monitor = None if monitor_options is None else Monitor(q_net, config, **monitor_options)
    steps: Any = range(config.total_steps)
    if monitor is not None:  # the monitor's generator first, so that it also runs its last evaluation
        steps = (global_step for _, global_step in zip(monitor.steps(), steps))
    obs, _ = env.reset(seed=config.seed)
    for global_step in steps:
        if rng.random() < config.epsilon:
            action = int(env.action_space.sample())
        else:
            with torch.inference_mode():
                action = int(q_net(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0)).argmax())
        next_obs, reward, terminated, truncated, _ = env.step(action)
        if monitor is not None:
            monitor.record(reward, episode_over=terminated or truncated, epsilon=config.epsilon)
        replay_buffer.add(obs, action, reward, next_obs, stored_terminated(terminated, truncated), truncated)
        obs = env.reset()[0] if terminated or truncated else next_obs
        if global_step >= config.learning_starts:
            batch = replay_buffer.sample(config.batch_size)
            loss = learning_step(q_net, optimizer, batch, td_target(q_net, target_net, batch, config.gamma))
            if monitor is not None:
                monitor.record_update(loss)
            soft_update(target_params, q_params, config.tau)
    return q_net if monitor is None else monitor.result()
