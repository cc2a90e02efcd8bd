"""Components taught in notebooks/03_experience_replay.ipynb.

Generated from the cells tagged `export` in notebooks/03_experience_replay.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult
from .nb02_online_dqn import (
    Batch,
    OnlineConfig,
    QNetwork,
    dqn_td_target,
    epsilon_greedy,
    linear_schedule,
    q_learning_step,
)


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

    def sample(self, batch_size: int) -> Batch:
        """A batch of `batch_size` transitions drawn uniformly (with replacement) as tensors."""
        if self.size == 0:
            raise ValueError("The replay buffer is empty: add transitions before sampling.")
        idx = self.rng.integers(0, self.size, size=batch_size)
        return Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]),
                        torch.from_numpy(self.rewards[idx]), torch.from_numpy(self.next_obs[idx]),
                        torch.from_numpy(self.terminated[idx]))

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True)
class ReplayConfig(OnlineConfig):
    """Hyperparameters of DQN with experience replay (notebook 03): notebook 02's, plus the replay fields."""

    buffer_size: int = 50_000  # transitions kept in the replay buffer
    batch_size: int = 256  # transitions per gradient step
    learning_starts: int = 1_000  # steps of experience collected before the first update
    train_freq: int = 4  # environment steps between gradient steps


def train_replay(config: ReplayConfig, **monitor_options: Any) -> TrainResult:
    """DQN with experience replay (no target network yet). Taught in notebook 03."""
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net = QNetwork(config.hidden_size)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = Monitor(q_net, config, name="DQN + replay", **monitor_options)
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
            td_target = dqn_td_target(q_net, batch, config.gamma)  # still its own target
            loss = q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
    return monitor.result()
