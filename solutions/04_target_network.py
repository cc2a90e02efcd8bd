"""Reference solutions to the exercises of notebook 04 (target network). Try them yourself first."""

import torch
from torch import nn

import cartpole_utils as cu


def my_hard_update(target_net: nn.Module, q_net: nn.Module) -> None:
    """Copy q_net's weights into target_net (values, not shared tensors)."""
    target_net.load_state_dict(q_net.state_dict())


def my_target_td_target(q_net: nn.Module, target_net: nn.Module, batch: cu.Batch,
                        gamma: float) -> torch.Tensor:
    """The TD target r + gamma (1 - terminated) max_a' Q_target(s', a'); q_net is not needed here."""
    del q_net
    with torch.no_grad():
        next_q = target_net(batch.next_obs).max(dim=1).values
        return batch.rewards + gamma * (1.0 - batch.terminated) * next_q


def my_target_step(q_net: nn.Module, target_net: nn.Module, optimizer: torch.optim.Optimizer,
                   batch: cu.Batch, global_step: int, config: cu.TargetConfig) -> float:
    """The learning lines of train_target: the frozen copy scores s', then the copy every C steps."""
    td_target = cu.dqn_td_target(target_net, batch, config.gamma)  # the target network, not q_net
    loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
    if global_step % config.target_update_interval == 0:
        cu.hard_update(target_net, q_net)  # theta' <- theta, after the gradient step, as values
    return loss
