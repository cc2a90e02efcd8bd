"""The classic DQN bugs, each written into a copy of one course component.

Notebook 09 trains its probe agent (:func:`cartpole_utils.probes.train_probe`) with each of them in
turn to show which probe it fails; the tests use them to check that the exercise checkers reject
them. :data:`BUGS` maps a bug's name to the arguments that swap it into ``train_probe``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..lessons.nb02_online_dqn import Batch

__all__ = ["target_without_terminal_mask", "stores_terminated_or_truncated", "learning_step_with",
           "q_taken", "q_max_instead_of_gather", "q_without_squeeze", "BUGS"]


def target_without_terminal_mask(q_net: nn.Module, target_net: nn.Module, batch: Batch,
                                 gamma: float) -> torch.Tensor:
    """The Double DQN target, bootstrapping through terminal states too: (1 - terminated) is missing."""
    with torch.no_grad():
        next_actions = q_net(batch.next_obs).argmax(dim=1, keepdim=True)
        return batch.rewards + gamma * target_net(batch.next_obs).gather(1, next_actions).squeeze(1)


def stores_terminated_or_truncated(terminated: bool, truncated: bool) -> bool:
    """The flag stored for the target as `done = terminated or truncated`: a time limit becomes a failure."""
    return terminated or truncated


def q_taken(q_net: nn.Module, batch: Batch) -> torch.Tensor:
    """Q(s, a) of the actions taken, shape (B,): the correct one."""
    return q_net(batch.obs).gather(1, batch.actions.unsqueeze(1)).squeeze(1)


def q_max_instead_of_gather(q_net: nn.Module, batch: Batch) -> torch.Tensor:
    """max_a Q(s, a) instead of the action taken: every action learns the best action's value."""
    return q_net(batch.obs).max(dim=1).values


def q_without_squeeze(q_net: nn.Module, batch: Batch) -> torch.Tensor:
    """Q(s, a) of shape (B, 1): against a target of shape (B,), the loss broadcasts to (B, B)."""
    return q_net(batch.obs).gather(1, batch.actions.unsqueeze(1))


def learning_step_with(q_of_batch: Callable[[nn.Module, Batch], torch.Tensor],
                       zero_grad: bool = True) -> Callable[..., float]:
    """``cu.q_learning_step`` with another Q(s, a) and, with ``zero_grad=False``, no zero_grad()."""

    def step(q_net: nn.Module, optimizer: torch.optim.Optimizer, batch: Batch,
             td_target: torch.Tensor) -> float:
        loss = F.mse_loss(q_of_batch(q_net, batch), td_target)
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


#: Each bug as the keyword arguments that put it into ``cu.probes.train_probe``.
BUGS: dict[str, dict[str, Any]] = {
    "no terminal mask": {"td_target": target_without_terminal_mask},
    "terminated or truncated": {"stored_terminated": stores_terminated_or_truncated},
    "max instead of gather": {"learning_step": learning_step_with(q_max_instead_of_gather)},
    "(B, 1) against (B,)": {"learning_step": learning_step_with(q_without_squeeze)},
    "no zero_grad()": {"learning_step": learning_step_with(q_taken, zero_grad=False)},
}
