"""Reference solutions to the exercises of notebook 03 (experience replay). Try them yourself first."""

import numpy as np
import torch

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
