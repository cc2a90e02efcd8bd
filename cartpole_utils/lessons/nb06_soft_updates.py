"""Components taught in notebooks/06_soft_updates.ipynb.

Generated from the cells tagged `export` in notebooks/06_soft_updates.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult
from .nb02_online_dqn import QNetwork, epsilon_greedy, linear_schedule, q_learning_step
from .nb03_experience_replay import ReplayBuffer
from .nb04_target_network import hard_update
from .nb05_double_dqn import DoubleConfig, double_dqn_td_target


def soft_update(target_params: list[torch.Tensor], q_params: list[torch.Tensor], tau: float) -> None:
    """Polyak update theta' <- tau * theta + (1 - tau) * theta', in place. Taught in notebook 06.

    Takes the two networks' parameter lists, built once: `list(net.parameters())`.
    """
    with torch.no_grad():
        for target_param, q_param in zip(target_params, q_params):
            target_param.lerp_(q_param, tau)  # θ' ← θ' + τ (θ - θ') = τ θ + (1 - τ) θ'


@dataclass(frozen=True)
class SoftConfig(DoubleConfig):
    """Hyperparameters of Double DQN with soft target updates (notebook 06): the course's final agent.

    Notebook 05's DoubleConfig with the target update changed: a soft update every step.
    """

    target_update_interval: int = 1  # environment steps between soft updates
    tau: float = 0.01  # Polyak step: theta' <- tau theta + (1 - tau) theta'


def train_soft(config: SoftConfig, **monitor_options: Any) -> TrainResult:
    """Double DQN with a soft (Polyak) target update. Taught in notebook 06."""
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net, target_net = QNetwork(config.hidden_size), QNetwork(config.hidden_size)
    hard_update(target_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    q_params, target_params = list(q_net.parameters()), list(target_net.parameters())
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = Monitor(q_net, config, name=f"Double DQN, soft τ={config.tau:g}", **monitor_options)
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
            td_target = double_dqn_td_target(q_net, target_net, batch, config.gamma)
            loss = q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
        if global_step % config.target_update_interval == 0:
            soft_update(target_params, q_params, config.tau)  # θ' ← τ θ + (1 - τ) θ'
    return monitor.result()
