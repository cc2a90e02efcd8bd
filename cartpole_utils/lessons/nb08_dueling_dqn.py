"""Components taught in notebooks/08_dueling_dqn.ipynb.

Generated from the cells tagged `export` in notebooks/08_dueling_dqn.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult
from .nb02_online_dqn import epsilon_greedy, linear_schedule, q_learning_step
from .nb03_experience_replay import ReplayBuffer
from .nb04_target_network import hard_update
from .nb05_double_dqn import double_dqn_td_target
from .nb06_soft_updates import SoftConfig, soft_update


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


@dataclass(frozen=True)
class DuelingConfig(SoftConfig):
    """Hyperparameters of notebook 08's agent: notebook 06's SoftConfig, field for field.

    Same settings, same budget: the network is the only difference between the two agents.
    """


def train_dueling(config: DuelingConfig, **monitor_options: Any) -> TrainResult:
    """Double DQN with soft target updates and a dueling Q-network. Taught in notebook 08."""
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net, target_net = DuelingQNetwork(config.hidden_size), DuelingQNetwork(config.hidden_size)
    hard_update(target_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    q_params, target_params = list(q_net.parameters()), list(target_net.parameters())
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = Monitor(q_net, config, name="Dueling Double DQN", **monitor_options)
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
            soft_update(target_params, q_params, config.tau)
    return monitor.result()
