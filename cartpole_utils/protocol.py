"""The course's evaluation protocol in one place: when agents are evaluated, what "solved" means.

It defines the numbers every table reports (README, "Evaluation protocol").

Every 1,000 environment steps the greedy policy plays 10 separately seeded episodes; a run has
*solved* CartPole-v1 at the first evaluation whose mean return is at least 475 (Gymnasium's
``reward_threshold``); it *stays solved* as far as the evaluations after that one are solved too;
its final quality is the greedy mean over 100 fresh episodes at the end of the budget. The monitor
(``training.py``), the summaries over seeds (``summary.py``), the benchmarks and the notebooks'
checks all use the names below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .env import MAX_EPISODE_STEPS, SOLVED_THRESHOLD

__all__ = [
    "EVAL_INTERVAL", "EVAL_EPISODES", "FINAL_EVAL_EPISODES", "EVAL_SEED_OFFSET", "FINAL_EVAL_SEED",
    "SOLVED_THRESHOLD", "MAX_EPISODE_STEPS", "MARGIN", "ONLINE_CHECK_RETURN",
    "is_solved", "first_solved_index", "solved_at", "stays_solved", "stability_after_solved",
]

#: Evaluate the greedy policy every this many environment steps during training.
EVAL_INTERVAL = 1_000
#: Episodes per periodic evaluation.
EVAL_EPISODES = 10
#: Episodes of the final evaluation at the end of a training budget.
FINAL_EVAL_EPISODES = 100
#: Evaluation environments are seeded from here on, far from any training seed.
EVAL_SEED_OFFSET = 1_000_000
#: Seed of the first of the final evaluation's 100 episodes (disjoint from periodic evaluations).
FINAL_EVAL_SEED = 2 * EVAL_SEED_OFFSET
#: A check holds "with margin" when the run first solved within this fraction of its budget.
MARGIN = 0.75
#: Notebook 02's check for online DQN: a best evaluation of twice random play (about 23).
ONLINE_CHECK_RETURN = 46


def is_solved(mean_return: float) -> bool:
    """The protocol's rule: a greedy mean return of at least 475 (CartPole-v1) is solved."""
    if mean_return is None or isinstance(mean_return, (str, bytes)) or np.ndim(mean_return) != 0:
        raise TypeError(
            f"is_solved takes one mean return (a number), got {type(mean_return).__name__}; "
            "average the episode returns first, e.g. is_solved(np.mean(returns))."
        )
    return bool(mean_return >= SOLVED_THRESHOLD)


def _as_1d(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a list of numbers, got {type(values).__name__}.") from err
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a flat list of numbers (one per evaluation), got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; pass the evaluations' finite numbers.")
    return arr


def first_solved_index(eval_means: Sequence[float]) -> int | None:
    """Index of the first solved evaluation, or ``None``."""
    hits = np.flatnonzero(_as_1d(eval_means, "eval_means") >= SOLVED_THRESHOLD)
    return int(hits[0]) if hits.size else None


def solved_at(eval_steps: Sequence[int], eval_means: Sequence[float]) -> int | None:
    """The environment step of the first evaluation that is solved, or ``None``."""
    steps, means = _as_1d(eval_steps, "eval_steps"), _as_1d(eval_means, "eval_means")
    if steps.size != means.size:
        raise ValueError(
            f"eval_steps and eval_means must have the same length, got {steps.size} "
            f"and {means.size}."
        )
    index = first_solved_index(means)
    return None if index is None else int(steps[index])


def stays_solved(runs_eval_means: Sequence[Sequence[float]]) -> tuple[float, int]:
    """How often runs stay solved, pooled over runs.

    Returns:
        (the fraction of the evaluations after each run's first solve that are solved too, how
        many evaluations that pools); the fraction is ``nan`` when there are none.
    """
    after: list[bool] = []
    for eval_means in runs_eval_means:
        means = _as_1d(eval_means, "eval_means")
        index = first_solved_index(means)
        if index is not None:
            after += [bool(m >= SOLVED_THRESHOLD) for m in means[index + 1:]]
    return (float(np.mean(after)) if after else float("nan")), len(after)


def stability_after_solved(eval_means: Sequence[float]) -> float:
    """:func:`stays_solved` of one run.

    The fraction of the evaluations after the first solved one that are solved too; ``nan`` when
    the run never solved or solved at its last evaluation.
    """
    return stays_solved([eval_means])[0]
