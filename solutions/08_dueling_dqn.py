"""Reference solutions to the exercises of notebook 08 (dueling DQN). Try them yourself first."""

import torch


def my_dueling_aggregation(value: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """Q = V + A - mean_a A for V of shape (B, 1) and A of shape (B, n_actions)."""
    return value + advantages - advantages.mean(dim=1, keepdim=True)


def my_value_and_advantages(q_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """V = mean_a Q, shape (B,), and A = Q - V, shape (B, n_actions)."""
    value = q_values.mean(dim=1)
    return value, q_values - value.unsqueeze(1)
