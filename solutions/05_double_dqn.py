"""Reference solutions to the exercises of notebook 05 (Double DQN). Try them yourself first."""

import numpy as np
import torch
from torch import nn

import cartpole_utils as cu


def my_double_td_target(q_net: nn.Module, target_net: nn.Module, batch: cu.Batch,
                        gamma: float) -> torch.Tensor:
    """The Double DQN target r + gamma (1 - terminated) Q_target(s', argmax_a Q(s', a))."""
    with torch.no_grad():
        next_actions = q_net(batch.next_obs).argmax(dim=1, keepdim=True)  # (B, 1): the online net picks
        next_q = target_net(batch.next_obs).gather(1, next_actions).squeeze(1)  # the target net scores
        return batch.rewards + gamma * (1.0 - batch.terminated) * next_q


def my_max_bias(n_actions: int, noise_std: float, n_samples: int, rng: np.random.Generator) -> float:
    """E[max_a (Q(a) + noise)] - max_a Q(a) for equal true values Q(a) = 0, by sampling."""
    noisy_q = rng.normal(0.0, noise_std, size=(n_samples, n_actions))
    return float(noisy_q.max(axis=1).mean())
