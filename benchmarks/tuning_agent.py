"""Notebook 06's agent with extra knobs, used to tune the course's settings (not taught).

    python benchmarks/benchmark.py tuning_agent:train_exp:ExpConfig --seeds 1-20 --set end_e=0.1

Run from benchmarks/ on PYTHONPATH (``PYTHONPATH=benchmarks``). With its defaults it is the final
agent as it was before tuning (end_e 0.05); the knobs add what was tried: a linear learning-rate decay
(``lr_end_fraction``), n-step returns (``n_step``), Adam's eps, plain DQN targets (``double=0``) and
hard copies (``tau=1`` with ``target_update_interval=C``), gradient clipping, the Huber loss, a reward
scale, clamping the TD target at 1/(1-gamma), a lower learning rate while the agent reaches the time
limit (``solving_lr_factor``), and evaluating a Polyak average of the online network (``avg_tau``,
adopted in notebook 06 as 0.01), no gradient step while the last training episode reached the time
limit (``solving_skip=2``, adopted in notebook 06 as ``pause_when_balancing``), acting with the
average (``act_avg``), observations divided by fixed scales (``obs_scale``) and AdamW's weight decay
(``weight_decay``). Results of the tuning sweeps (seeds 1-20) are in
benchmarks/results/tuning/.
"""
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

import cartpole_utils as cu


@dataclass(frozen=True)
class ExpConfig:
    seed: int = 1
    total_steps: int = 20_000
    learning_rate: float = 2.5e-3
    gamma: float = 0.995
    hidden_size: int = 128
    buffer_size: int = 50_000
    batch_size: int = 128
    learning_starts: int = 1_000
    train_freq: int = 2
    tau: float = 0.02
    target_update_interval: int = 1
    start_e: float = 1.0
    end_e: float = 0.05
    exploration_steps: int = 5_000
    lr_end_fraction: float = 1.0   # linear lr decay to lr*f at total_steps
    n_step: int = 1
    adam_eps: float = 1e-8
    double: int = 1
    fused: int = 1
    grad_clip: float = 0.0
    huber: int = 0
    reward_scale: float = 1.0
    clamp: int = 0
    # while the last training episode reached the time limit ('solving'):
    solving_train_freq: int = 0  # if > 0: train_freq then
    solving_lr_factor: float = 1.0  # learning-rate multiplier then
    solving_skip: int = 0  # if 1: no gradient step (and no average update) then; 2: no gradient step
    solving_lr_sticky: int = 0  # if 1: the multiplier stays once a training episode first reached the limit
    avg_tau: float = 0.0  # if > 0: evaluate a Polyak average of the online net (after each gradient step)
    act_avg: int = 0  # if 1 (with avg_tau): act epsilon-greedily with the average, the network deployed
    obs_scale: int = 0  # if 1: the networks see obs / (2.4, 3, 0.21, 3), each input of order 1
    weight_decay: float = 0.0  # AdamW's decoupled weight decay (0: Adam)


class ScaledQNetwork(cu.QNetwork):
    """The course's Q-network on observations divided by fixed scales of CartPole's state."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__(hidden_size)
        self.register_buffer("inv_scale", 1.0 / torch.tensor([2.4, 3.0, 0.21, 3.0]))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.layers(obs * self.inv_scale)


class NBuffer:
    def __init__(self, capacity, seed):
        self.obs = np.zeros((capacity, 4), np.float32)
        self.next_obs = np.zeros((capacity, 4), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.disc = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.pos = capacity, 0, 0
        self.rng = np.random.default_rng(seed)

    def add(self, obs, a, r, nobs, disc):
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i], self.next_obs[i], self.disc[i] = obs, a, r, nobs, disc
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, b):
        idx = self.rng.integers(0, self.size, size=b)
        arrays = (self.obs, self.actions, self.rewards, self.next_obs, self.disc)
        return tuple(torch.from_numpy(x[idx]) for x in arrays)


def train_exp(config: ExpConfig, **monitor_options: Any) -> cu.TrainResult:
    cu.seed_everything(config.seed)
    rng = np.random.default_rng(config.seed)
    env = cu.make_env(seed=config.seed)
    net_cls = ScaledQNetwork if config.obs_scale else cu.QNetwork
    q_net, target_net = net_cls(config.hidden_size), net_cls(config.hidden_size)
    cu.hard_update(target_net, q_net)
    kw = dict(fused=True) if config.fused else {}
    opt_cls = torch.optim.AdamW if config.weight_decay else torch.optim.Adam
    if config.weight_decay:
        kw["weight_decay"] = config.weight_decay
    optimizer = opt_cls(q_net.parameters(), lr=config.learning_rate, eps=config.adam_eps, **kw)
    tp, qp = list(target_net.parameters()), list(q_net.parameters())
    buf = NBuffer(config.buffer_size, config.seed)
    pending = deque()
    g = config.gamma
    avg_net = None
    if config.avg_tau > 0:
        avg_net = net_cls(config.hidden_size)
        cu.hard_update(avg_net, q_net)
        ap = list(avg_net.parameters())
    monitor = cu.Monitor(avg_net if avg_net is not None else q_net, config.total_steps, name="exp",
                         **monitor_options)
    obs, _ = env.reset(seed=config.seed)
    last_truncated = False  # did the last finished training episode reach the time limit?

    def flush(final_obs, terminated, all_):
        while pending and (all_ or len(pending) == config.n_step):
            ret, disc = 0.0, 1.0
            for (_, _, r) in pending:
                ret += disc * r
                disc *= g
            o, a, _ = pending[0]
            buf.add(o, a, ret, final_obs, 0.0 if terminated else disc)
            pending.popleft()
            if not all_:
                break

    for global_step in monitor.steps():
        epsilon = cu.linear_schedule(config.start_e, config.end_e, config.exploration_steps, global_step)
        action = cu.epsilon_greedy(avg_net if config.act_avg else q_net, obs, epsilon, rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        monitor.record(reward, episode_over=terminated or truncated)
        pending.append((obs, action, reward * config.reward_scale))
        if terminated or truncated:
            flush(next_obs, terminated, True)
        else:
            flush(next_obs, False, False)
        if terminated or truncated:
            sticky = bool(config.solving_lr_sticky and last_truncated)
            last_truncated = bool(truncated and not terminated) or sticky
        obs = env.reset()[0] if terminated or truncated else next_obs
        solving = last_truncated and config.solving_train_freq > 0
        train_freq = config.solving_train_freq if solving else config.train_freq
        if config.solving_lr_factor != 1.0:
            for pg in optimizer.param_groups:
                pg["lr"] = config.learning_rate * (config.solving_lr_factor if last_truncated else 1.0)
        update_step = global_step > config.learning_starts and global_step % train_freq == 0
        skip = bool(config.solving_skip and last_truncated)
        if update_step and not skip:
            if config.lr_end_fraction != 1.0:
                frac = global_step / config.total_steps
                for pg in optimizer.param_groups:
                    pg["lr"] = config.learning_rate * (1 - frac * (1 - config.lr_end_fraction))
            o, a, r, no, d = buf.sample(config.batch_size)
            with torch.no_grad():
                if config.double:
                    na = q_net(no).argmax(1, keepdim=True)
                    nq = target_net(no).gather(1, na).squeeze(1)
                else:
                    nq = target_net(no).max(1).values
                y = r + d * nq
                if config.clamp:
                    y = y.clamp(max=config.reward_scale / (1 - g))
            qv = q_net(o).gather(1, a.unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(qv, y) if config.huber else F.mse_loss(qv, y)
            optimizer.zero_grad()
            loss.backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(qp, config.grad_clip)
            optimizer.step()
        if update_step and avg_net is not None and (not skip or config.solving_skip == 2):
            cu.soft_update(ap, qp, config.avg_tau)
        if global_step % config.target_update_interval == 0:
            cu.soft_update(tp, qp, config.tau)
    return monitor.result(config)
