"""cartpole_utils: the shared helpers of the Deep Q-Learning on CartPole course.

Use it as ``import cartpole_utils as cu``. Two kinds of names live here:

* plumbing that the course never teaches: environments and seeding (``cu.make_env``), greedy
  evaluation (``cu.evaluate``), the training monitor (``cu.Monitor``), plots (``cu.plot_scores``),
  GIFs (``cu.record_episode``, ``cu.show_gif``), widgets, progress bars and checkpoints;
* components that a notebook taught, generated from that notebook's cells tagged ``export``
  (``cu.QNetwork`` from notebook 02, ``cu.ReplayBuffer`` from 03, ...): see ``cu.taught_in``.

Submodules load on first use, so ``import cartpole_utils`` is fast and pulls in neither torch
nor matplotlib until a helper needs them. Importing it also makes pygame render off-screen and
keeps torch on one CPU thread (unless ``OMP_NUM_THREADS`` says otherwise).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from ._lessons import LESSONS
from .env import quiet_rendering

__version__ = "0.1.0"

_PLUMBING: dict[str, str] = {
    # env
    "ENV_ID": "env", "SOLVED_THRESHOLD": "env", "MAX_EPISODE_STEPS": "env",
    "THETA_LIMIT_RAD": "env", "X_LIMIT": "env", "OBS_NAMES": "env", "ACTION_NAMES": "env",
    "make_env": "env", "seed_everything": "env", "set_threads": "env", "check_cartpole": "env",
    # evaluation
    "EVAL_INTERVAL": "evaluation", "EVAL_EPISODES": "evaluation",
    "FINAL_EVAL_EPISODES": "evaluation", "EVAL_SEED_OFFSET": "evaluation",
    "evaluate": "evaluation", "greedy_actions": "evaluation", "is_solved": "evaluation",
    "solved_at": "evaluation", "stability_after_solved": "evaluation",
    # training
    "Monitor": "training", "TrainResult": "training", "config_dict": "training",
    "run_seeds": "training", "FINAL_EVAL_SEED": "training",
    # summaries over seeds
    "run_record": "summary", "summarize": "summary", "summary_row": "summary", "format_table": "summary",
    "quartiles": "summary", "bootstrap_ci": "summary", "bootstrap_diff_ci": "summary",
    # plotting
    "plot_scores": "plotting", "plot_learning_curve": "plotting", "plot_seed_curves": "plotting",
    "plot_seed_grid": "plotting", "plot_diagnostics": "plotting",
    "running_mean": "plotting", "trend_line": "plotting", "seed_band": "plotting",
    "LivePlot": "plotting",
    # render
    "Episode": "render", "record_episode": "render", "gif_bytes": "render", "GIF": "render",
    "show_gif": "render", "filmstrip": "render",
    # widgets, progress, checkpoints
    "episode_player": "widgets", "explorer": "widgets", "describe_widget": "widgets",
    "episode_picker": "widgets",
    "progress_bar": "progress",
    "save_checkpoint": "checkpoint", "load_checkpoint": "checkpoint", "load_agent": "checkpoint",
    "SHIPPED_AGENT": "checkpoint", "CheckpointError": "checkpoint",
}

__all__ = sorted([*_PLUMBING, *LESSONS, "taught_in"])


def taught_in(name: str) -> str:
    """The notebook that teaches a graduated component, e.g. ``taught_in("ReplayBuffer")``."""
    if name not in LESSONS:
        raise KeyError(f"{name!r} is not a component taught by a notebook; taught ones: {sorted(LESSONS)}.")
    return LESSONS[name][1]


def __getattr__(name: str) -> Any:
    if name in _PLUMBING:
        module = importlib.import_module(f".{_PLUMBING[name]}", __name__)
    elif name in LESSONS:
        module = importlib.import_module(f".{LESSONS[name][0]}", __name__)
    else:
        raise AttributeError(f"module 'cartpole_utils' has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


quiet_rendering()
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
if "torch" in sys.modules and os.environ["OMP_NUM_THREADS"].isdigit():
    sys.modules["torch"].set_num_threads(max(1, int(os.environ["OMP_NUM_THREADS"])))
