"""Components taught in notebooks/04_target_network.ipynb.

Generated from the cells tagged `export` in notebooks/04_target_network.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult
from .nb02_online_dqn import QNetwork, dqn_td_target, epsilon_greedy, linear_schedule, q_learning_step
from .nb03_experience_replay import ReplayBuffer, ReplayConfig


def hard_update(target_net: nn.Module, q_net: nn.Module) -> None:
    """Copy the Q-network's weights into the target network: theta' <- theta. Taught in notebook 04."""
    target_net.load_state_dict(q_net.state_dict())


@dataclass(frozen=True)
class TargetConfig(ReplayConfig):
    """Hyperparameters of DQN with replay and a target network (notebook 04): notebook 03's, plus C."""

    target_update_interval: int = 100  # C: environment steps between copies theta' <- theta


def train_target(config: TargetConfig, **monitor_options: Any) -> TrainResult:
    """DQN with experience replay and a hard-copied target network. Taught in notebook 04."""
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net, target_net = QNetwork(config.hidden_size), QNetwork(config.hidden_size)
    hard_update(target_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = Monitor(q_net, config, name="DQN + target network", **monitor_options)
    obs, _ = env.reset(seed=config.seed)
    for global_step in monitor.steps():
        epsilon = linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = epsilon_greedy(q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)
        obs = env.reset()[0] if terminated or truncated else next_obs
        if global_step > config.learning_starts and global_step % config.train_freq == 0:
            batch = replay_buffer.sample(config.batch_size)
            td_target = dqn_td_target(target_net, batch, config.gamma)  # the frozen copy scores s'
            loss = q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
        if global_step % config.target_update_interval == 0:
            hard_update(target_net, q_net)  # theta' <- theta every C steps
    return monitor.result()
