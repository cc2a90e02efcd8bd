"""cartpole_utils: the shared package of the Deep Q-Learning on CartPole course.

Use it as ``import cartpole_utils as cu``; every name below is ``cu.<name>``. Three layers, each
in its own place, and imports only ever point down this list:

* helpers (``cartpole_utils/*.py``), which the course never teaches: environments and seeding
  (``cu.make_env``), greedy evaluation (``cu.evaluate``), the training monitor (``cu.Monitor``),
  summaries over seeds, plots, GIFs, widgets, progress bars and checkpoints;
* lessons (``cartpole_utils/lessons/``), the components a notebook taught, generated from its cells
  tagged ``export`` (``cu.QNetwork`` from notebook 02, ``cu.ReplayBuffer`` from 03, ...; see
  ``cu.taught_in``); they import helpers and earlier lessons;
* course tools (``cartpole_utils/course/``): ``cu.exercises`` (the graded exercises' checks),
  ``cu.probes`` (notebook 09's probe environments) and ``cu.bugs`` (the classic bugs as code).

Helpers never import lessons or course tools, and lessons never import course tools
(``tests/test_import.py`` holds that). The helpers load with the package; a lesson or a course
tool loads when first used (``cu.QNetwork`` loads notebook 02's module), so ``import
cartpole_utils`` pulls in neither torch nor matplotlib, and a notebook's published outputs depend
only on the lessons it used. Importing the package has one side effect: pygame renders off-screen
(no window, no sound; Windows-safe). Threads are set only by ``cu.set_threads``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .env import quiet_rendering

quiet_rendering()  # first: gymnasium and pygame read these variables when they are imported

from .env import (
    ACTION_NAMES,
    ENV_ID,
    MAX_EPISODE_STEPS,
    OBS_NAMES,
    SOLVED_THRESHOLD,
    THETA_LIMIT_RAD,
    X_LIMIT,
    check_cartpole,
    make_env,
    seed_everything,
    set_threads,
)
from .protocol import (
    EVAL_EPISODES,
    EVAL_INTERVAL,
    EVAL_SEED_OFFSET,
    FINAL_EVAL_EPISODES,
    FINAL_EVAL_SEED,
    MARGIN,
    ONLINE_CHECK_RETURN,
    first_solved_index,
    is_solved,
    solved_at,
    stability_after_solved,
    stays_solved,
)
from .evaluation import evaluate, greedy_actions
from .training import (
    Callback,
    Diagnostics,
    KeepBest,
    LiveCurve,
    Measure,
    Monitor,
    ProgressBar,
    TensorBoard,
    TrainResult,
    config_dict,
    run_seeds,
)
from .summary import (
    bootstrap_ci,
    bootstrap_diff_ci,
    format_table,
    quartiles,
    load_sweep,
    run_record,
    steps_to_first_solve,
    values_over_seeds,
    where_run_falls,
    summarize,
    summary_row,
)
from .plotting import (
    LivePlot,
    plot_diagnostics,
    plot_learning_curve,
    plot_scores,
    plot_seed_curves,
    plot_run_over_sweeps,
    plot_seed_grid,
    running_mean,
    seed_band,
    trend_line,
)
from .render import GIF, Episode, filmstrip, gif_bytes, record_episode, show_gif
from .widgets import describe_widget, episode_picker, episode_player, explorer
from .progress import progress_bar
from .checkpoint import (
    SHIPPED_AGENT,
    CheckpointError,
    load_agent,
    load_checkpoint,
    register_network,
    save_checkpoint,
)
from . import lessons as _lessons
from .lessons import LESSONS

if TYPE_CHECKING:  # what an editor follows; at run time these load on first use (__getattr__ below)
    from .course import bugs, exercises, probes
    from .lessons import *  # noqa: F403  (the taught components; lessons/__init__.py lists them by name)

__version__ = "0.1.0"

__all__ = [  # helpers, then the course tools; the lessons' names are added below
    "ACTION_NAMES",
    "ENV_ID",
    "MAX_EPISODE_STEPS",
    "OBS_NAMES",
    "SOLVED_THRESHOLD",
    "THETA_LIMIT_RAD",
    "X_LIMIT",
    "check_cartpole",
    "make_env",
    "seed_everything",
    "set_threads",
    "EVAL_EPISODES",
    "EVAL_INTERVAL",
    "EVAL_SEED_OFFSET",
    "FINAL_EVAL_EPISODES",
    "stays_solved",
    "first_solved_index",
    "ONLINE_CHECK_RETURN",
    "MARGIN",
    "evaluate",
    "greedy_actions",
    "is_solved",
    "solved_at",
    "stability_after_solved",
    "bootstrap_ci",
    "bootstrap_diff_ci",
    "format_table",
    "quartiles",
    "load_sweep",
    "run_record",
    "steps_to_first_solve",
    "values_over_seeds",
    "where_run_falls",
    "summarize",
    "summary_row",
    "LivePlot",
    "plot_diagnostics",
    "plot_learning_curve",
    "plot_scores",
    "plot_seed_curves",
    "plot_run_over_sweeps",
    "plot_seed_grid",
    "running_mean",
    "seed_band",
    "trend_line",
    "SHIPPED_AGENT",
    "CheckpointError",
    "load_agent",
    "load_checkpoint",
    "save_checkpoint",
    "FINAL_EVAL_SEED",
    "Monitor",
    "Callback",
    "Diagnostics",
    "KeepBest",
    "LiveCurve",
    "Measure",
    "ProgressBar",
    "TensorBoard",
    "TrainResult",
    "config_dict",
    "run_seeds",
    "GIF",
    "Episode",
    "filmstrip",
    "gif_bytes",
    "record_episode",
    "show_gif",
    "describe_widget",
    "episode_picker",
    "episode_player",
    "explorer",
    "progress_bar",
    "register_network",
    "bugs",
    "exercises",
    "probes",
    "taught_in",
]
__all__ += _lessons.__all__

#: The course tools, loaded on first use: cu.exercises, cu.probes, cu.bugs.
_COURSE = ("bugs", "exercises", "probes")
register_network("QNetwork", lambda: _lessons.QNetwork)
register_network("DuelingQNetwork", lambda: _lessons.DuelingQNetwork)


def __getattr__(name: str) -> Any:
    """Load a lesson or a course tool on first use, so that a notebook runs only what it needs."""
    if name in LESSONS:
        value = getattr(_lessons, name)
    elif name in _COURSE:
        value = importlib.import_module(f".course.{name}", __name__)
    else:
        raise AttributeError(f"module 'cartpole_utils' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def taught_in(name: str) -> str:
    """The notebook that teaches a graduated component, e.g. ``taught_in("ReplayBuffer")``."""
    if name not in LESSONS:
        raise KeyError(f"{name!r} is not a component taught by a notebook; taught ones: {sorted(LESSONS)}.")
    return LESSONS[name][1]

