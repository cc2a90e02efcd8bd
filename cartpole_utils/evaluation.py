"""Greedy evaluation: play a policy's episodes and return their returns.

``protocol.py`` says when and how often the course evaluates, and what counts as solved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .env import ENV_ID, _check_seed, make_env
from .protocol import EVAL_EPISODES, EVAL_SEED_OFFSET

#: CartPole's two actions: 0 pushes the cart left, 1 pushes it right.
N_ACTIONS = 2

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

    obs = np.asarray(obs)
    if obs.ndim != 2:
        raise ValueError(
            f"obs must be a batch of observations, shape (n, 4), got shape {obs.shape}; "
            "for a single observation pass obs[None]."
        )
    try:
        with torch.inference_mode():
            q_values = q_net(torch.as_tensor(obs, dtype=torch.float32))
    except RuntimeError as err:
        raise ValueError(
            f"The Q-network failed on a batch of observations of shape {obs.shape}: {err}. "
            "It must take a float32 tensor (n, 4) (CartPole's 4 state values) and return (n, 2)."
        ) from err
    if q_values.ndim != 2 or q_values.shape[0] != len(obs) or q_values.shape[1] != N_ACTIONS:
        raise ValueError(
            f"The Q-network returned shape {tuple(q_values.shape)} for {len(obs)} observations; "
            f"it must return one row of Q-values per observation, shape (n, {N_ACTIONS}): "
            "one Q-value per action (push left, push right)."
        )
    return q_values.argmax(dim=1).numpy()


def _check_actions(actions: Any, n_obs: int) -> np.ndarray:
    """The actions a policy returned for ``n_obs`` observations, as ints; raise if they are not valid."""
    arr = np.asarray(actions).reshape(-1)
    if arr.shape != (n_obs,):
        raise ValueError(
            f"The policy returned {arr.size} actions for {n_obs} observations; "
            "it must return one action per row of its input."
        )
    if arr.dtype.kind not in "biuf" or not np.all(np.isin(arr, (0, 1))):
        raise ValueError(
            f"The policy returned actions {arr[:10].tolist()}; CartPole's actions are the ints "
            "0 (push left) and 1 (push right)."
        )
    return arr.astype(np.int64)


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

    The episodes run side by side: episode ``i`` starts where CartPole reset with ``seed + i``
    starts, and all of them then step together in Gymnasium's vectorized CartPole
    (``CartPoleVectorEnv``, the same physics on arrays), so a Q-network needs one forward pass per
    time step for all episodes, and the environment one NumPy step.

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
    env = make_env(env_id=env_id)
    try:
        starts = []
        for i in range(n_episodes):
            env.reset(seed=int(seed) + i)
            starts.append(np.array(env.unwrapped.state, dtype=np.float64))
        time_limit = env.spec.max_episode_steps
    finally:
        env.close()
    return _play_side_by_side(act, np.stack(starts), time_limit)


def _play_side_by_side(
    act: Callable[[np.ndarray], np.ndarray], starts: np.ndarray, time_limit: int
) -> np.ndarray:
    """Returns of greedy episodes from the CartPole states ``starts`` (n, 4), stepped as one batch."""
    from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

    n = len(starts)
    envs = CartPoleVectorEnv(num_envs=n, max_episode_steps=time_limit)
    try:
        envs.reset(seed=0)
        envs.state = starts.T.copy()  # (4, n) float64: the exact start states of the seeded resets
        obs = starts.astype(np.float32)
        returns = np.zeros(n)
        running = np.ones(n, dtype=bool)
        actions = np.zeros(n, dtype=np.int64)
        while running.any():
            idx = np.flatnonzero(running)
            actions[idx] = _check_actions(act(obs[idx]), idx.size)
            obs, reward, terminated, truncated, _ = envs.step(actions)
            returns[idx] += reward[idx]
            running[idx] = ~(terminated[idx] | truncated[idx])
    finally:
        envs.close()
    return returns
