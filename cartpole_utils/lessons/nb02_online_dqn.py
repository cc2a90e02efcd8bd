"""Components taught in notebooks/02_online_dqn.ipynb.

Generated from the cells tagged `export` in notebooks/02_online_dqn.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult


class QNetwork(nn.Module):
    """A multilayer perceptron mapping observations (B, 4) to Q-values (B, 2). Taught in notebook 02."""

    def __init__(self, hidden_size: int = 128, obs_dim: int = 4, n_actions: int = 2) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(obs_dim, hidden_size), nn.ReLU(),
            nn.Linear(hidden_size, hidden_size), nn.ReLU(),
            nn.Linear(hidden_size, n_actions),
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Q-values of every action, shape (B, n_actions), for observations of shape (B, obs_dim)."""
        return self.layers(obs)


def linear_schedule(start_e: float, end_e: float, duration: int, t: int) -> float:
    """Epsilon at step t: linear from start_e to end_e over `duration` steps, then flat. Notebook 02."""
    slope = (end_e - start_e) / duration
    return max(slope * t + start_e, end_e)  # ε_t = max(end_e, start_e + (end_e - start_e) t / duration)


def epsilon_greedy(q_net: nn.Module, obs: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """A random action with probability epsilon, else argmax_a Q(obs, a). Taught in notebook 02."""
    if rng.random() < epsilon:
        return int(rng.integers(2))
    with torch.inference_mode():  # acting needs no gradients
        return int(q_net(torch.as_tensor(obs).unsqueeze(0)).argmax())  # a batch of one state


class Batch(NamedTuple):
    """A batch of B transitions as tensors. Taught in notebook 02."""

    obs: torch.Tensor  # (B, 4) float32: s
    actions: torch.Tensor  # (B,) int64: a
    rewards: torch.Tensor  # (B,) float32: r
    next_obs: torch.Tensor  # (B, 4) float32: s'
    terminated: torch.Tensor  # (B,) float32: 1.0 if s' ended the episode by failure, else 0.0


def single_transition(obs: np.ndarray, action: int, reward: float, next_obs: np.ndarray,
                      terminated: bool) -> Batch:
    """One transition as a Batch of size 1 (online learning). Taught in notebook 02."""
    return Batch(torch.as_tensor(obs[None]), torch.tensor([action]), torch.tensor([float(reward)]),
                 torch.as_tensor(next_obs[None]), torch.tensor([float(terminated)]))


def dqn_td_target(target_net: nn.Module, batch: Batch, gamma: float) -> torch.Tensor:
    """TD target y = r + gamma (1 - terminated) max_a' Q(s', a'), shape (B,). Taught in notebook 02.

    `target_net` is the network that scores s': the Q-network itself here, a frozen copy from 04 on.
    """
    with torch.no_grad():  # the target is a constant for the gradient
        next_q = target_net(batch.next_obs).max(dim=1).values
        return batch.rewards + gamma * (1.0 - batch.terminated) * next_q  # y = r + γ (1 - term) max Q(s')


def q_learning_step(q_net: nn.Module, optimizer: torch.optim.Optimizer, batch: Batch,
                    td_target: torch.Tensor) -> float:
    """One gradient step moving Q(s, a) towards the TD target (squared error); returns the loss. NB 02."""
    q_values = q_net(batch.obs).gather(1, batch.actions.unsqueeze(1)).squeeze(1)  # Q(s, a), (B,)
    loss = F.mse_loss(q_values, td_target)  # mean of (Q(s, a) - y)^2 over the batch
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


@dataclass(frozen=True)
class OnlineConfig:
    """Hyperparameters of online DQN (notebook 02), and the settings every later agent shares."""

    seed: int = 1  # seeds Python, NumPy, torch, the environment and exploration
    total_steps: int = 30_000  # training budget in environment steps
    learning_rate: float = 4e-3  # Adam step size
    gamma: float = 0.995  # discount factor: a horizon of about 1 / (1 - gamma) = 200 steps
    hidden_size: int = 128  # units in each of the two hidden layers
    start_e: float = 1.0  # initial exploration rate
    end_e: float = 0.1  # final exploration rate
    exploration_steps: int = 5_000  # steps over which epsilon decays linearly


def train_online(config: OnlineConfig, **monitor_options: Any) -> TrainResult:
    """Online DQN: one gradient step on each new transition, no replay, no target network. Notebook 02."""
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net = QNetwork(config.hidden_size)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    monitor = Monitor(q_net, config, name="online DQN", **monitor_options)
    obs, _ = env.reset(seed=config.seed)
    for global_step in monitor.steps():
        epsilon = linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = epsilon_greedy(q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        batch = single_transition(obs, action, reward, next_obs, terminated)
        td_target = dqn_td_target(q_net, batch, config.gamma)  # the network scores its own target
        loss = q_learning_step(q_net, optimizer, batch, td_target)
        monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
        obs = env.reset()[0] if terminated or truncated else next_obs
    return monitor.result()
