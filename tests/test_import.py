"""`import cartpole_utils`: lazy, quiet, and one torch thread."""

import os
import subprocess
import sys
import textwrap

import pytest

import cartpole_utils as cu
from cartpole_utils import _PLUMBING

HEAVY = ("torch", "matplotlib", "gymnasium", "pygame", "PIL", "ipywidgets", "tqdm")
QUIET_VARIABLES = ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER", "PYGAME_HIDE_SUPPORT_PROMPT", "XDG_RUNTIME_DIR",
                   "OMP_NUM_THREADS", "MKL_NUM_THREADS")
HELPERS = {
    "make_env", "seed_everything", "set_threads", "evaluate", "greedy_actions", "solved_at",
    "stability_after_solved", "Monitor", "TrainResult", "plot_scores", "plot_learning_curve",
    "plot_seed_curves", "running_mean", "trend_line", "seed_band", "record_episode", "gif_bytes",
    "show_gif", "GIF", "filmstrip", "episode_player", "explorer", "progress_bar", "save_checkpoint",
    "load_checkpoint", "CheckpointError", "taught_in",
}


def run_python(code):
    """Run ``code`` in a fresh interpreter, as a learner's kernel would start: none of the variables
    that cartpole_utils sets are inherited from this test process."""
    env = {k: v for k, v in os.environ.items() if k not in QUIET_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_is_lazy():
    proc = run_python(f"""
        import sys
        import cartpole_utils as cu
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        cu.SOLVED_THRESHOLD, cu.ENV_ID, cu.taught_in  # constants load no heavy module either
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "[]"]


def test_dir_lists_the_helpers():
    names = dir(cu)
    assert HELPERS <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("name", sorted(_PLUMBING))
def test_every_plumbing_name_resolves(name):
    assert getattr(cu, name) is getattr(sys.modules[f"cartpole_utils.{_PLUMBING[name]}"], name)


def test_an_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="module 'cartpole_utils' has no attribute 'make_envs'"):
        cu.make_envs  # noqa: B018
    assert not hasattr(cu, "nothing_here")


def test_taught_in_an_unknown_name():
    with pytest.raises(KeyError, match="is not a component taught by a notebook"):
        cu.taught_in("make_env")


def test_importing_makes_rendering_headless_and_silent():
    proc = run_python("""
        import os
        import cartpole_utils as cu
        print(os.environ["SDL_VIDEODRIVER"], os.environ["PYGAME_HIDE_SUPPORT_PROMPT"])
        assert os.path.isdir(os.environ["XDG_RUNTIME_DIR"])
        env = cu.make_env(render_mode="rgb_array")
        env.reset(seed=0)
        print(env.render().shape)
        env.close()
    """)
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == ["dummy 1", "(400, 600, 3)"]
    assert "XDG_RUNTIME_DIR" not in output
    assert "Hello from the pygame community" not in output
    assert "pygame " not in output  # the banner's first line: "pygame 2.x.y (SDL 2.x.y, Python 3.x)"
    assert proc.stderr == ""


def test_without_cartpole_utils_rendering_is_noisy():
    """The control for the test above: the warning it checks for is real on this machine."""
    proc = run_python("""
        import gymnasium as gym
        env = gym.make("CartPole-v1", render_mode="rgb_array")
        env.reset(seed=0)
        env.render()
    """)
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    if "XDG_RUNTIME_DIR" not in output and "pygame " not in output:
        pytest.skip("rendering without cartpole_utils is silent here too")


def test_torch_runs_on_one_thread_after_import():
    proc = run_python("""
        import cartpole_utils as cu
        import torch
        print(torch.get_num_threads())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
