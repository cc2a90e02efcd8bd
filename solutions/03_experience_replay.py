"""Reference solutions to the exercises of notebook 03 (experience replay). Try them yourself first."""

import numpy as np
import torch
from torch import nn

import cartpole_utils as cu


class MyReplayBuffer(cu.ReplayBuffer):
    """The ring buffer's add and sample; the arrays are made by cu.ReplayBuffer.__init__."""

    def add(self, obs: np.ndarray, action: int, reward: float, next_obs: np.ndarray,
            terminated: bool, truncated: bool) -> None:
        """Write at pos, then advance pos with wrap-around."""
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i], self.truncated[i] = next_obs, terminated, truncated
        self.pos = (i + 1) % self.capacity  # back to slot 0 after the last one: the oldest goes first
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int) -> cu.Batch:
        """Draw batch_size filled slots uniformly, with replacement."""
        idx = self.rng.integers(0, self.size, size=batch_size)  # filled slots only
        return cu.Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]),
                        torch.from_numpy(self.rewards[idx]), torch.from_numpy(self.next_obs[idx]),
                        torch.from_numpy(self.terminated[idx]))


def my_bootstrap_mask(terminated: torch.Tensor, truncated: torch.Tensor) -> torch.Tensor:
    """1.0 where the TD target adds gamma * max Q(s'), 0.0 where it does not: only failures stop it."""
    del truncated  # the time limit is not part of the task: s' still has a future
    return 1.0 - terminated


def my_replay_step(replay_buffer: cu.ReplayBuffer, q_net: nn.Module, optimizer: torch.optim.Optimizer,
                   global_step: int, obs: np.ndarray, action: int, reward: float, next_obs: np.ndarray,
                   terminated: bool, truncated: bool, config: cu.ReplayConfig) -> float | None:
    """The lines after env.step in train_replay: store, then learn on a batch when one is due."""
    replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)  # first, both flags as given
    if global_step > config.learning_starts and global_step % config.train_freq == 0:
        batch = replay_buffer.sample(config.batch_size)
        td_target = cu.dqn_td_target(q_net, batch, config.gamma)  # still its own target
        return cu.q_learning_step(q_net, optimizer, batch, td_target)
    return None  # no gradient step on this environment step
