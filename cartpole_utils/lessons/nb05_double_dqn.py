"""Components taught in notebooks/05_double_dqn.ipynb.

Generated from the cells tagged `export` in notebooks/05_double_dqn.py by `python tools/export.py`.
Edit the notebook, then regenerate; a test fails if this file drifts from it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..env import make_env, seed_everything
from ..training import Monitor, TrainResult
from .nb02_online_dqn import Batch, QNetwork, dqn_td_target, epsilon_greedy, linear_schedule, q_learning_step
from .nb03_experience_replay import ReplayBuffer
from .nb04_target_network import TargetConfig, hard_update


def double_dqn_td_target(q_net: nn.Module, target_net: nn.Module, batch: Batch,
                         gamma: float) -> torch.Tensor:
    """Double DQN target y = r + gamma (1 - terminated) Q'(s', argmax_a' Q(s', a')), (B,). Notebook 05."""
    with torch.no_grad():
        next_actions = q_net(batch.next_obs).argmax(dim=1, keepdim=True)  # the online net chooses a'
        next_q = target_net(batch.next_obs).gather(1, next_actions).squeeze(1)  # the target net scores it
        return batch.rewards + gamma * (1.0 - batch.terminated) * next_q  # y = r + γ (1 - term) Q'(s', a')


TargetFn = Callable[[nn.Module, nn.Module, Batch, float], torch.Tensor]  # (q_net, target_net, batch, gamma)


def max_td_target(q_net: nn.Module, target_net: nn.Module, batch: Batch, gamma: float) -> torch.Tensor:
    """DQN's target (notebook 04) with Double DQN's arguments: the target net both chooses and scores."""
    return dqn_td_target(target_net, batch, gamma)


def overestimation_probe(gamma: float, n_episodes: int = 3, horizon: int = 1_000,
                         first_states: int = 100, seed: int = 3_000_000) -> Callable[..., dict[str, float]]:
    """Measured after each evaluation: mean predicted max_a Q(s_t, a) and mean discounted return G_t.

    Taught in notebook 05. States are the first `first_states` of each greedy episode, played with the
    time limit lifted to `horizon` steps so that G_t is (nearly) the infinite-horizon return.
    """
    def probe(q_net: nn.Module, global_step: int) -> dict[str, float]:
        predicted, actual = [], []
        for i in range(n_episodes):
            env = make_env(max_episode_steps=horizon)
            obs, _ = env.reset(seed=seed + i)
            q_values, rewards, ended = [], [], False
            while not ended:
                with torch.inference_mode():
                    q = q_net(torch.as_tensor(obs))
                obs, reward, terminated, truncated, _ = env.step(int(q.argmax()))  # greedy
                q_values.append(q.max().item())
                rewards.append(reward)
                ended = terminated or truncated
            returns = np.zeros(len(rewards))
            running = 0.0
            for t in reversed(range(len(rewards))):  # G_t = r_{t+1} + γ G_{t+1}
                running = rewards[t] + gamma * running
                returns[t] = running
            predicted += q_values[:first_states]
            actual += returns[:first_states].tolist()
        return {"predicted_q": float(np.mean(predicted)), "actual_return": float(np.mean(actual))}

    return probe


@dataclass(frozen=True)
class DoubleConfig(TargetConfig):
    """Hyperparameters of Double DQN (notebook 05): notebook 04's TargetConfig, field for field.

    Same settings, same budget: the target is the only difference between the two agents.
    """


def train_double(config: DoubleConfig, target_fn: TargetFn | None = None, name: str = "Double DQN",
                 **monitor_options: Any) -> TrainResult:
    """Double DQN: the online net chooses a', the hard-copied target net scores it. Taught in notebook 05.

    ``target_fn(q_net, target_net, batch, gamma)`` replaces the target (default
    :func:`double_dqn_td_target`); with DQN's max target this is notebook 04's agent, step for step.
    ``name`` labels the run.
    """
    target_fn = target_fn or double_dqn_td_target
    seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = make_env(seed=config.seed)
    q_net, target_net = QNetwork(config.hidden_size), QNetwork(config.hidden_size)
    hard_update(target_net, q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=config.learning_rate, fused=True)
    replay_buffer = ReplayBuffer(config.buffer_size, seed=config.seed)
    monitor = Monitor(q_net, config, name=name, **monitor_options)
    obs, _ = env.reset(seed=config.seed)
    for global_step in monitor.steps():
        epsilon = linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = epsilon_greedy(q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated, epsilon=epsilon)
        replay_buffer.add(obs, action, reward, next_obs, terminated, truncated)
        obs = env.reset()[0] if terminated or truncated else next_obs
        if global_step > config.learning_starts and global_step % config.train_freq == 0:
            batch = replay_buffer.sample(config.batch_size)
            td_target = target_fn(q_net, target_net, batch, config.gamma)  # choose with θ, score with θ'
            loss = q_learning_step(q_net, optimizer, batch, td_target)
            monitor.record_update(loss)  # TD loss and gradient norm, for the diagnostics
        if global_step % config.target_update_interval == 0:
            hard_update(target_net, q_net)
    return monitor.result()
