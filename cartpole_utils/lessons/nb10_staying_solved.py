"""Components taught in notebooks/10_staying_solved.ipynb.

Generated from the cells tagged `export` in notebooks/10_staying_solved.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult
from .nb02_online_dqn import QNetwork, epsilon_greedy, linear_schedule, q_learning_step
from .nb03_experience_replay import ReplayBuffer
from .nb04_target_network import hard_update
from .nb05_double_dqn import double_dqn_td_target
from .nb06_soft_updates import SoftConfig, soft_update


@dataclass(frozen=True)
class RemedyConfig(SoftConfig):
    """Notebook 06's agent with the remedies of notebook 10, each off by default."""

    avg_tau: float = 0.0  # Polyak step of a deployed average after each gradient step (0: none)
    lr_end: float = 1.0  # learning rate at the end of the budget, as a fraction of the start (1: constant)
    stop_at: float = 0.0  # no gradient steps once a periodic evaluation reaches this mean (0: never)


def train_remedies(config: RemedyConfig, **monitor_options: Any) -> TrainResult:
    """Notebook 06's Double DQN with a soft target, plus the remedies switched on. Notebook 10."""
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net, target_net, avg_net = (QNetwork(config.hidden_size) for _ in range(3))
    hard_update(target_net, q_net)
    hard_update(avg_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    updates = (config.total_steps - config.learning_starts) // config.train_freq
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, config.lr_end, total_iters=updates)
    q_params, target_params, avg_params = (list(net.parameters()) for net in (q_net, target_net, avg_net))
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    deployed = avg_net if config.avg_tau > 0 else None  # evaluate and deploy θ̄ instead of θ
    monitor = Monitor(q_net, config, name="06 + remedies", deployed_net=deployed, **monitor_options)
    evaluations = monitor.train_result.eval_means  # filled by the monitor every 1,000 steps
    obs, _ = env.reset(seed=config.seed)
    for global_step in monitor.steps():
        epsilon = linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = epsilon_greedy(q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)
        obs = env.reset()[0] if terminated or truncated else next_obs
        stopped = config.stop_at > 0 and any(mean >= config.stop_at for mean in evaluations)
        if global_step > config.learning_starts and global_step % config.train_freq == 0 and not stopped:
            batch = replay_buffer.sample(config.batch_size)
            td_target = double_dqn_td_target(q_net, target_net, batch, config.gamma)
            loss = q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)
            scheduler.step()  # the learning rate of the next gradient step
            if deployed is not None:
                soft_update(avg_params, q_params, config.avg_tau)  # θ̄ ← τ̄ θ + (1 - τ̄) θ̄
        if global_step % config.target_update_interval == 0:
            soft_update(target_params, q_params, config.tau)
    return monitor.result()
