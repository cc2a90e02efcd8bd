"""Reference solutions to the exercises of notebook 02 (online DQN). Try them yourself first."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import cartpole_utils as cu


def my_td_target(q_net: nn.Module, batch: cu.Batch, gamma: float) -> torch.Tensor:
    """The TD target r + gamma (1 - terminated) max_a' Q(s', a'), shape (B,), without gradients."""
    with torch.no_grad():
        next_q = q_net(batch.next_obs).max(dim=1).values  # (B, n_actions) -> (B,)
        return batch.rewards + gamma * (1.0 - batch.terminated) * next_q


def my_epsilon_greedy(q_net: nn.Module, obs: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """A uniformly random action with probability epsilon, else the greedy one."""
    if rng.random() < epsilon:
        return int(rng.integers(2))
    with torch.no_grad():
        q_values = q_net(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0))  # (1, n_actions)
    return int(q_values.argmax(dim=1).item())


def my_q_learning_step(q_net: nn.Module, optimizer: torch.optim.Optimizer, batch: cu.Batch,
                       td_target: torch.Tensor) -> float:
    """One gradient step on the mean squared TD error of the actions taken; returns the loss."""
    q_taken = q_net(batch.obs).gather(1, batch.actions.unsqueeze(1)).squeeze(1)  # (B,)
    loss = F.mse_loss(q_taken, td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def my_online_update(q_net: nn.Module, optimizer: torch.optim.Optimizer, obs: np.ndarray, action: int,
                     reward: float, next_obs: np.ndarray, terminated: bool, truncated: bool,
                     gamma: float) -> float:
    """The lines after env.step in train_online: one gradient step on the new transition; returns the loss."""
    del truncated  # a time-limit cut is not a failure: s' still has a future, so only terminated masks
    batch = cu.single_transition(obs, action, reward, next_obs, terminated)  # a batch of one
    td_target = cu.dqn_td_target(q_net, batch, gamma)  # the network scores its own target, without gradients
    return cu.q_learning_step(q_net, optimizer, batch, td_target)
