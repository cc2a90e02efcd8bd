"""Greedy evaluation and the course's "solved" rule (the evaluation protocol of the design)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .env import ENV_ID, SOLVED_THRESHOLD, _check_seed, make_env

#: Evaluate the greedy policy every this many environment steps during training.
EVAL_INTERVAL = 1_000
#: Episodes per periodic evaluation.
EVAL_EPISODES = 10
#: Episodes of the final evaluation at the end of a training budget.
FINAL_EVAL_EPISODES = 100
#: Evaluation environments are seeded from here on, far from any training seed.
EVAL_SEED_OFFSET = 1_000_000

Policy = Callable[[np.ndarray], Any]


def greedy_actions(q_net: Any, obs: np.ndarray) -> np.ndarray:
    """Greedy actions of a Q-network for a batch of observations.

    Args:
        q_net: a ``torch.nn.Module`` mapping a float32 tensor of shape (n, 4) to Q-values (n, 2).
        obs: observations, shape (n, 4).

    Returns:
        int64 array of shape (n,): ``argmax_a Q(obs, a)`` for each row.
    """
    import torch

    with torch.inference_mode():
        q_values = q_net(torch.as_tensor(obs, dtype=torch.float32))
    if q_values.ndim != 2 or q_values.shape[0] != len(obs):
        raise ValueError(
            f"The Q-network returned shape {tuple(q_values.shape)} for {len(obs)} observations; "
            "it must return one row of Q-values per observation, shape (n, n_actions)."
        )
    return q_values.argmax(dim=1).numpy()


def _as_batch_policy(policy: Any) -> Callable[[np.ndarray], np.ndarray]:
    """Turn a Q-network or a function of a batch of observations into ``obs -> actions``."""
    try:
        import torch

        if isinstance(policy, torch.nn.Module):
            return lambda obs: greedy_actions(policy, obs)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    if not callable(policy):
        raise TypeError(
            f"policy must be a Q-network (torch.nn.Module) or a function obs_batch -> actions, "
            f"got {type(policy).__name__}."
        )
    return policy


def evaluate(
    policy: Any,
    n_episodes: int = EVAL_EPISODES,
    seed: int = EVAL_SEED_OFFSET,
    env_id: str = ENV_ID,
) -> np.ndarray:
    """Play ``n_episodes`` full episodes greedily and return their returns.

    The episodes run side by side in ``n_episodes`` separately seeded environments
    (episode ``i`` resets with ``seed + i``), so a Q-network needs one forward pass per time
    step for all of them instead of one per episode.

    Args:
        policy: a Q-network (acts greedily: ``argmax_a Q(s, a)``), or a function that maps an
            array of observations (n, 4) to an array of n actions (0 or 1).
        n_episodes: number of episodes, at least 1.
        seed: seed of the first evaluation episode; keep it away from training seeds.
        env_id: the CartPole version to evaluate on.

    Returns:
        float array of shape (n_episodes,): the undiscounted return of each episode.
    """
    if isinstance(n_episodes, bool) or not isinstance(n_episodes, (int, np.integer)) or n_episodes < 1:
        raise ValueError(f"n_episodes must be a positive int, got {n_episodes!r}.")
    _check_seed(seed)
    act = _as_batch_policy(policy)
    envs = [make_env(env_id=env_id) for _ in range(n_episodes)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    returns = np.zeros(n_episodes)
    running = np.ones(n_episodes, dtype=bool)
    while running.any():
        idx = np.flatnonzero(running)
        actions = np.asarray(act(obs[idx])).reshape(-1)
        if actions.shape != idx.shape:
            raise ValueError(
                f"The policy returned {actions.size} actions for {idx.size} observations; "
                "it must return one action per row of its input."
            )
        for i, action in zip(idx, actions):
            obs[i], reward, terminated, truncated, _ = envs[i].step(int(action))
            returns[i] += reward
            running[i] = not (terminated or truncated)
    for env in envs:
        env.close()
    return returns


def is_solved(mean_return: float) -> bool:
    """The protocol's rule: a greedy mean return of at least 475 (CartPole-v1) is solved."""
    return bool(mean_return >= SOLVED_THRESHOLD)


def solved_at(eval_steps: Sequence[int], eval_means: Sequence[float]) -> int | None:
    """The environment step of the first evaluation that is solved, or ``None``."""
    if len(eval_steps) != len(eval_means):
        raise ValueError(
            f"eval_steps and eval_means must have the same length, got {len(eval_steps)} "
            f"and {len(eval_means)}."
        )
    for step, mean in zip(eval_steps, eval_means):
        if is_solved(mean):
            return int(step)
    return None


def stability_after_solved(eval_means: Sequence[float]) -> float:
    """Fraction of the evaluations after the first solved one that are solved too.

    Returns ``nan`` when the run never solved or solved at its last evaluation.
    """
    means = np.asarray(eval_means, dtype=float)
    hits = np.flatnonzero(means >= SOLVED_THRESHOLD)
    if hits.size == 0 or hits[0] == means.size - 1:
        return float("nan")
    return float(np.mean(means[hits[0] + 1 :] >= SOLVED_THRESHOLD))
