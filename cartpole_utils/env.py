"""Environment creation, seeding and the CartPole-v1 facts every notebook quotes."""

from __future__ import annotations

import os
import random
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import gymnasium as gym

ENV_ID = "CartPole-v1"
#: Gymnasium's ``reward_threshold`` for CartPole-v1: a greedy mean return at or above it is solved.
SOLVED_THRESHOLD = 475.0
#: CartPole-v1 truncates an episode after this many steps (CartPole-v0 used 200).
MAX_EPISODE_STEPS = 500
#: The pole may lean at most 12 degrees (0.20944 rad) from vertical before the episode terminates.
THETA_LIMIT_RAD = 12 * 2 * np.pi / 360
#: The cart's centre must stay within [-2.4, 2.4] (metres) or the episode terminates.
X_LIMIT = 2.4
#: Names and units of the four numbers in an observation, in order.
OBS_NAMES = (
    "cart position (m)",
    "cart velocity (m/s)",
    "pole angle (rad)",
    "pole angular velocity (rad/s)",
)
#: What each action does.
ACTION_NAMES = ("push cart left", "push cart right")


def quiet_rendering() -> None:
    """Make pygame/SDL render off-screen and silently (no window, no banner, no XDG warning).

    Called on ``import cartpole_utils``; it only sets environment variables that are unset.
    """
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if not os.environ.get("XDG_RUNTIME_DIR"):
        user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")  # Windows: no uid
        runtime_dir = os.path.join(tempfile.gettempdir(), f"xdg-runtime-{user}")
        os.makedirs(runtime_dir, mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = runtime_dir


def set_threads(num_threads: int = 1) -> None:
    """Run torch on ``num_threads`` CPU threads (default 1): the one place the course sets threads.

    Networks in this course are tiny: on a 2-core machine, two threads were measured
    10-50x slower than one under load, because the threads wait for each other. Importing
    ``cartpole_utils`` changes nothing; each notebook calls this once after its imports, and the
    scripts and ``run_seeds``' worker processes call it when they start.
    """
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 1:
        raise ValueError(f"num_threads must be a positive int (1 is best here), got {num_threads!r}.")
    import torch

    torch.set_num_threads(int(num_threads))


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch.

    The environment and its action space are seeded by :func:`make_env` and ``env.reset(seed=...)``.
    Threads are :func:`set_threads`' business.
    """
    _check_seed(seed)
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_env(
    seed: int | None = None,
    render_mode: str | None = None,
    env_id: str = ENV_ID,
    **kwargs: Any,
) -> gym.Env:
    """Create a CartPole environment and seed its action space.

    Args:
        seed: seeds ``env.action_space`` (for ``env.action_space.sample()``). Pass the same seed
            to the first ``env.reset(seed=seed)`` to fix the initial states too.
        render_mode: ``None`` for training (fastest) or ``"rgb_array"`` to record frames
            (needed by :func:`cartpole_utils.record_episode`). There is no window: ``"human"``
            is refused because the course runs headless.
        env_id: a Gymnasium id of the CartPole family (``"CartPole-v1"`` or ``"CartPole-v0"``).
        **kwargs: passed to ``gymnasium.make`` (for example ``max_episode_steps``).
    """
    import gymnasium as gym

    if not isinstance(env_id, str) or not env_id.startswith("CartPole"):
        raise ValueError(
            f"cartpole_utils works with CartPole only, got env_id={env_id!r}. "
            "Use 'CartPole-v1' (500-step limit) or 'CartPole-v0' (200)."
        )
    if render_mode not in (None, "rgb_array"):
        raise ValueError(
            f"render_mode must be None or 'rgb_array', got {render_mode!r}: the course runs "
            "without a display and shows the agent as a GIF (cu.show_gif)."
        )
    if seed is not None:
        _check_seed(seed)
    quiet_rendering()
    env = gym.make(env_id, render_mode=render_mode, **kwargs)
    if seed is not None:
        env.action_space.seed(int(seed))
    return env


def check_cartpole(env: Any) -> None:
    """Raise a ``ValueError`` saying what to do if ``env`` is not a CartPole environment."""
    spec = getattr(env, "spec", None)
    env_id = getattr(spec, "id", None)
    space = getattr(env, "observation_space", None)
    if env_id is None or not str(env_id).startswith("CartPole") or getattr(space, "shape", None) != (
        4,
    ):
        raise ValueError(
            f"Expected a CartPole environment (4 observations, 2 actions), got {env!r}. "
            "Create one with cu.make_env()."
        )


#: Largest seed NumPy's global generator accepts (``np.random.seed``).
MAX_SEED = 2**32 - 1


def _check_seed(seed: Any) -> None:
    """Raise a ``ValueError`` unless ``seed`` is an int in [0, 2**32 - 1] (``bool`` is refused)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(
            f"seed must be a non-negative int (0 to 2**32 - 1), got {seed!r}; use e.g. config.seed = 0."
        )
