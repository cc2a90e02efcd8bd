"""cartpole_utils.env: the CartPole facts, make_env, seeding, threads, quiet rendering."""

import os
import random
import re

import gymnasium as gym
import numpy as np
import pytest
import torch

import cartpole_utils as cu
from cartpole_utils.env import quiet_rendering

# CartPole-v0 is used on purpose (its 200-step limit); gymnasium warns that it is old.
pytestmark = pytest.mark.filterwarnings("ignore:.*CartPole-v0 is out of date:DeprecationWarning")

# ---------------------------------------------------------------- good input


def test_constants_match_gymnasium():
    env = gym.make("CartPole-v1")
    assert cu.ENV_ID == "CartPole-v1"
    assert cu.SOLVED_THRESHOLD == env.spec.reward_threshold == 475
    assert cu.MAX_EPISODE_STEPS == env.spec.max_episode_steps == 500
    assert cu.THETA_LIMIT_RAD == pytest.approx(env.unwrapped.theta_threshold_radians)
    assert cu.X_LIMIT == env.unwrapped.x_threshold
    assert len(cu.OBS_NAMES) == env.observation_space.shape[0] == 4
    assert len(cu.ACTION_NAMES) == env.action_space.n == 2
    env.close()


def test_make_env_defaults():
    env = cu.make_env()
    assert env.spec.id == "CartPole-v1"
    assert env.render_mode is None
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4,)
    assert env.action_space.n == 2
    env.close()


@pytest.mark.parametrize("seed", [0, 7, np.int64(7), 2**32 - 1], ids=["0", "7", "np.int64", "max"])
def test_make_env_seeds_the_action_space(seed):
    a, b = cu.make_env(seed=seed), cu.make_env(seed=seed)
    assert [a.action_space.sample() for _ in range(20)] == [b.action_space.sample() for _ in range(20)]


def test_make_env_rgb_array_renders_frames():
    env = cu.make_env(render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    env.close()


def test_make_env_other_version_and_kwargs():
    assert cu.make_env(env_id="CartPole-v0").spec.max_episode_steps == 200
    env = cu.make_env(max_episode_steps=5)
    env.reset(seed=0)
    steps, truncated = 0, False
    while not truncated:
        _, _, terminated, truncated, _ = env.step(steps % 2)  # alternate: stays up for 5 steps
        steps += 1
        assert not terminated
    assert steps == 5


def test_seed_everything_makes_python_numpy_torch_repeatable():
    def draws():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    cu.seed_everything(123)
    first = draws()
    cu.seed_everything(123)
    assert draws() == first
    cu.seed_everything(124)
    assert draws() != first


def test_set_threads():
    try:
        cu.set_threads(2)
        assert torch.get_num_threads() == 2
    finally:
        cu.set_threads()
    assert torch.get_num_threads() == 1


def test_check_cartpole_accepts_cartpole():
    cu.check_cartpole(cu.make_env())
    cu.check_cartpole(cu.make_env(env_id="CartPole-v0"))


def test_quiet_rendering_sets_only_unset_variables(monkeypatch):
    for var in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER", "PYGAME_HIDE_SUPPORT_PROMPT", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SDL_AUDIODRIVER", "mine")
    quiet_rendering()
    assert os.environ["SDL_VIDEODRIVER"] == "dummy"
    assert os.environ["SDL_AUDIODRIVER"] == "mine"
    assert os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] == "1"
    assert os.path.isdir(os.environ["XDG_RUNTIME_DIR"])


# ---------------------------------------------------------------- bad input

BAD_INPUTS = [
    pytest.param(lambda: cu.make_env(env_id="MountainCar-v0"), ValueError, "works with CartPole only",
                 id="make_env-mountaincar"),
    pytest.param(lambda: cu.make_env(env_id=None), ValueError, "works with CartPole only",
                 id="make_env-env_id-None"),
    pytest.param(lambda: cu.make_env(render_mode="human"), ValueError,
                 "render_mode must be None or 'rgb_array'", id="make_env-human"),
    pytest.param(lambda: cu.make_env(render_mode="ansi"), ValueError,
                 "render_mode must be None or 'rgb_array'", id="make_env-ansi"),
    pytest.param(lambda: cu.make_env(seed=-1), ValueError, "seed must be a non-negative int",
                 id="make_env-seed-negative"),
    pytest.param(lambda: cu.make_env(seed=1.5), ValueError, "seed must be a non-negative int",
                 id="make_env-seed-float"),
    pytest.param(lambda: cu.make_env(seed=True), ValueError, "seed must be a non-negative int",
                 id="make_env-seed-bool"),
    pytest.param(lambda: cu.make_env(seed="3"), ValueError, "seed must be a non-negative int",
                 id="make_env-seed-str"),
    pytest.param(lambda: cu.make_env(seed=2**32), ValueError, "0 to 2**32 - 1", id="make_env-seed-huge"),
    pytest.param(lambda: cu.seed_everything(-1), ValueError, "seed must be a non-negative int",
                 id="seed_everything-negative"),
    pytest.param(lambda: cu.seed_everything(1.0), ValueError, "seed must be a non-negative int",
                 id="seed_everything-float"),
    pytest.param(lambda: cu.seed_everything(False), ValueError, "seed must be a non-negative int",
                 id="seed_everything-bool"),
    pytest.param(lambda: cu.seed_everything(None), ValueError, "seed must be a non-negative int",
                 id="seed_everything-None"),
    pytest.param(lambda: cu.seed_everything(2**32), ValueError, "0 to 2**32 - 1",
                 id="seed_everything-huge"),
    pytest.param(lambda: cu.set_threads(0), ValueError, "num_threads must be a positive int",
                 id="set_threads-0"),
    pytest.param(lambda: cu.set_threads(-2), ValueError, "num_threads must be a positive int",
                 id="set_threads-negative"),
    pytest.param(lambda: cu.set_threads(True), ValueError, "num_threads must be a positive int",
                 id="set_threads-bool"),
    pytest.param(lambda: cu.set_threads(1.0), ValueError, "num_threads must be a positive int",
                 id="set_threads-float"),
    pytest.param(lambda: cu.check_cartpole(None), ValueError, "Create one with cu.make_env()",
                 id="check_cartpole-None"),
    pytest.param(lambda: cu.check_cartpole(gym.make("MountainCar-v0")), ValueError,
                 "Expected a CartPole environment", id="check_cartpole-mountaincar"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
