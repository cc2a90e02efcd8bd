"""Reference solutions to the exercises of notebook 06 (soft target updates). Try them yourself first."""

import math

import torch

import cartpole_utils as cu


def my_soft_update(target_params: list[torch.Tensor], q_params: list[torch.Tensor], tau: float) -> None:
    """Move the target: theta' <- tau theta + (1 - tau) theta', in place, parameter by parameter."""
    with torch.no_grad():
        for target, online in zip(target_params, q_params):
            target.mul_(1.0 - tau).add_(online, alpha=tau)


def my_half_life(tau: float) -> float:
    """Steps n after which a soft target has closed half its gap: (1 - tau)^n = 1/2."""
    return math.log(0.5) / math.log(1.0 - tau)


def my_soft_step(q_params: list[torch.Tensor], target_params: list[torch.Tensor], global_step: int,
                 config: cu.SoftConfig) -> None:
    """The update lines of train_soft: a soft update every target_update_interval steps."""
    if global_step % config.target_update_interval == 0:
        cu.soft_update(target_params, q_params, config.tau)  # theta' <- tau theta + (1 - tau) theta'
