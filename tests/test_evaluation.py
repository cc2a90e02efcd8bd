"""cartpole_utils.evaluation: greedy evaluation and the "solved" rule of the protocol."""

import math
import re

import gymnasium as gym
import numpy as np
import pytest
import torch

import cartpole_utils as cu

# CartPole-v0 is used on purpose (its 200-step limit); gymnasium warns that it is old.
pytestmark = pytest.mark.filterwarnings("ignore:.*CartPole-v0 is out of date:DeprecationWarning")


def balance(obs):
    """Push towards where the pole is falling: keeps CartPole up for 500 steps from most starts."""
    return (obs[:, 2] + obs[:, 3] > 0).astype(int)


def always_left(obs):
    return np.zeros(len(obs), dtype=int)


def tiny_q_net(seed=0, n_out=2, n_in=4):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(n_in, 16), torch.nn.ReLU(), torch.nn.Linear(16, n_out))


# ---------------------------------------------------------------- good input


def test_protocol_constants():
    assert (cu.EVAL_INTERVAL, cu.EVAL_EPISODES, cu.FINAL_EVAL_EPISODES) == (1_000, 10, 100)


def test_evaluate_returns_one_return_per_episode():
    returns = cu.evaluate(always_left, n_episodes=3, seed=0)
    assert returns.shape == (3,) and returns.dtype == float
    assert np.all(returns >= 1)


def test_evaluate_runs_each_episode_to_termination_like_a_plain_loop():
    expected = []
    for seed in (7, 8, 9):
        env = gym.make("CartPole-v1")
        env.reset(seed=seed)
        steps, over = 0, False
        while not over:
            _, _, terminated, truncated, _ = env.step(0)
            steps, over = steps + 1, terminated or truncated
        expected.append(steps)
    np.testing.assert_array_equal(cu.evaluate(always_left, n_episodes=3, seed=7), expected)


def one_env_at_a_time(policy, n_episodes, seed, env_id="CartPole-v1"):
    """The plain loop the vectorized evaluation must reproduce, return for return."""
    if isinstance(policy, torch.nn.Module):
        policy = lambda obs, q_net=policy: cu.greedy_actions(q_net, obs)  # noqa: E731
    returns = []
    for i in range(n_episodes):
        env = gym.make(env_id)
        obs, _ = env.reset(seed=seed + i)
        total, over = 0.0, False
        while not over:
            obs, reward, terminated, truncated, _ = env.step(int(policy(obs[None])[0]))
            total, over = total + reward, terminated or truncated
        returns.append(total)
    return np.array(returns)


def sloppy_balance(obs):
    """Balances, but drifts off the track after 200-500 steps: episodes of many lengths."""
    return (obs[:, 2] + 0.3 * obs[:, 3] - 0.05 * obs[:, 0] - 0.05 * obs[:, 1] > 0).astype(int)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "CartPole-v0"])
@pytest.mark.parametrize("policy", [balance, sloppy_balance, always_left, tiny_q_net(3)],
                         ids=["balance", "sloppy_balance", "always_left", "q_net"])
def test_vectorized_evaluation_matches_one_env_at_a_time(policy, env_id):
    """Stepping all episodes as one NumPy batch changes no return: same physics, same starts."""
    expected = one_env_at_a_time(policy, 30, seed=4_000, env_id=env_id)
    np.testing.assert_array_equal(cu.evaluate(policy, 30, seed=4_000, env_id=env_id), expected)
    if policy is sloppy_balance and env_id == "CartPole-v1":
        assert len(set(expected)) > 3, "the drifting policy should give episodes of several lengths"


def test_balancing_policy_reaches_the_time_limit():
    """The default evaluation seeds 1,000,000 and 1,000,001 start where `balance` never falls."""
    np.testing.assert_array_equal(cu.evaluate(balance, n_episodes=2), [500, 500])
    np.testing.assert_array_equal(cu.evaluate(balance, n_episodes=2, env_id="CartPole-v0"), [200, 200])


def test_evaluate_is_deterministic_and_episode_i_uses_seed_plus_i():
    q_net = tiny_q_net()
    first = cu.evaluate(q_net, n_episodes=4, seed=11)
    np.testing.assert_array_equal(cu.evaluate(q_net, n_episodes=4, seed=11), first)
    np.testing.assert_array_equal(cu.evaluate(q_net, n_episodes=3, seed=12), first[1:])


def test_evaluate_passes_batches_of_running_episodes():
    shapes = []

    def spy(obs):
        shapes.append(obs.shape)
        return always_left(obs)

    cu.evaluate(spy, n_episodes=3, seed=0)
    assert shapes[0] == (3, 4)
    assert all(s[1] == 4 for s in shapes)
    assert [s[0] for s in shapes] == sorted((s[0] for s in shapes), reverse=True)


@pytest.mark.parametrize(
    "policy",
    [
        lambda obs: [0] * len(obs),
        lambda obs: np.zeros(len(obs), dtype=bool),
        lambda obs: torch.zeros(len(obs), dtype=torch.long),
        lambda obs: np.zeros((len(obs), 1)),
    ],
    ids=["list", "bool-array", "tensor", "column-of-floats"],
)
def test_evaluate_accepts_any_array_like_of_zeros_and_ones(policy):
    np.testing.assert_array_equal(cu.evaluate(policy, 2, seed=3), cu.evaluate(always_left, 2, seed=3))


def test_greedy_actions_is_the_argmax_of_q():
    q_net = tiny_q_net(seed=1)
    obs = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    expected = q_net(torch.as_tensor(obs)).argmax(dim=1).numpy()
    np.testing.assert_array_equal(cu.greedy_actions(q_net, obs), expected)


def test_evaluate_with_a_q_network_acts_greedily():
    q_net = tiny_q_net(seed=2)
    np.testing.assert_array_equal(
        cu.evaluate(q_net, 3, seed=5), cu.evaluate(lambda obs: cu.greedy_actions(q_net, obs), 3, seed=5)
    )


def test_a_policy_error_is_not_hidden():
    def broken(obs):
        raise ZeroDivisionError("my bug")

    with pytest.raises(ZeroDivisionError, match="my bug"):
        cu.evaluate(broken, 2)


@pytest.mark.parametrize(
    "mean, solved", [(475, True), (500.0, True), (np.float64(474.99), False), (0, False), (math.nan, False)]
)
def test_is_solved(mean, solved):
    assert cu.is_solved(mean) is solved


@pytest.mark.parametrize(
    "steps, means, expected",
    [
        ([1000, 2000, 3000], [100, 480, 300], 2000),
        ([1000, 2000], [475, 500], 1000),
        ([1000, 2000], [100, 474.9], None),
        ([], [], None),
    ],
    ids=["second", "first", "never", "no-evaluations"],
)
def test_solved_at(steps, means, expected):
    assert cu.solved_at(steps, means) == expected


@pytest.mark.parametrize(
    "means, expected",
    [
        ([100, 480, 300, 500, 490], 2 / 3),  # after the first solve: 300 no, 500 yes, 490 yes
        ([500, 500, 500], 1.0),
        ([500, 0, 0, 0], 0.0),
        ([100, 200], math.nan),  # never solved
        ([100, 480], math.nan),  # solved at the last evaluation: nothing after it
        ([], math.nan),
    ],
    ids=["mixed", "stable", "forgot", "never", "last", "empty"],
)
def test_stability_after_solved(means, expected):
    result = cu.stability_after_solved(means)
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == pytest.approx(expected)


# ---------------------------------------------------------------- bad input

BAD_INPUTS = [
    pytest.param(lambda: cu.evaluate(balance, n_episodes=0), ValueError,
                 "n_episodes must be a positive int", id="evaluate-n_episodes-0"),
    pytest.param(lambda: cu.evaluate(balance, n_episodes=-3), ValueError,
                 "n_episodes must be a positive int", id="evaluate-n_episodes-negative"),
    pytest.param(lambda: cu.evaluate(balance, n_episodes=2.5), ValueError,
                 "n_episodes must be a positive int", id="evaluate-n_episodes-float"),
    pytest.param(lambda: cu.evaluate(balance, n_episodes=True), ValueError,
                 "n_episodes must be a positive int", id="evaluate-n_episodes-bool"),
    pytest.param(lambda: cu.evaluate(42), TypeError,
                 "policy must be a Q-network (torch.nn.Module) or a function", id="evaluate-policy-int"),
    pytest.param(lambda: cu.evaluate("greedy"), TypeError,
                 "policy must be a Q-network (torch.nn.Module) or a function", id="evaluate-policy-str"),
    pytest.param(lambda: cu.evaluate(lambda obs: np.zeros(len(obs) + 1, dtype=int), 3), ValueError,
                 "returned 4 actions for 3 observations", id="evaluate-too-many-actions"),
    pytest.param(lambda: cu.evaluate(lambda obs: 0, 3), ValueError,
                 "it must return one action per row of its input", id="evaluate-one-action-for-a-batch"),
    pytest.param(lambda: cu.evaluate(lambda obs: np.full(len(obs), 2), 2), ValueError,
                 "CartPole's actions are the ints 0 (push left) and 1 (push right)",
                 id="evaluate-action-2"),
    pytest.param(lambda: cu.evaluate(lambda obs: np.full(len(obs), -1), 2), ValueError,
                 "CartPole's actions are the ints 0", id="evaluate-action-negative"),
    pytest.param(lambda: cu.evaluate(lambda obs: np.full(len(obs), 0.7), 2), ValueError,
                 "CartPole's actions are the ints 0", id="evaluate-action-probability"),
    pytest.param(lambda: cu.evaluate(lambda obs: np.full(len(obs), "left"), 2), ValueError,
                 "CartPole's actions are the ints 0", id="evaluate-action-str"),
    pytest.param(lambda: cu.evaluate(tiny_q_net(n_out=3), 2), ValueError,
                 "shape (n, 2): one Q-value per action", id="evaluate-qnet-3-outputs"),
    pytest.param(lambda: cu.evaluate(tiny_q_net(n_out=1), 2), ValueError,
                 "shape (n, 2): one Q-value per action", id="evaluate-qnet-1-output"),
    pytest.param(lambda: cu.evaluate(torch.nn.Sequential(tiny_q_net(), torch.nn.Flatten(0)), 2),
                 ValueError, "The Q-network returned shape (4,) for 2 observations",
                 id="evaluate-qnet-flat-output"),
    pytest.param(lambda: cu.evaluate(tiny_q_net(n_in=3), 2), ValueError,
                 "It must take a float32 tensor (n, 4)", id="evaluate-qnet-wrong-input-size"),
    pytest.param(lambda: cu.evaluate(balance, seed=-1), ValueError, "seed must be a non-negative int",
                 id="evaluate-seed-negative"),
    pytest.param(lambda: cu.evaluate(balance, env_id="MountainCar-v0"), ValueError,
                 "works with CartPole only", id="evaluate-mountaincar"),
    pytest.param(lambda: cu.greedy_actions(tiny_q_net(), np.zeros(4)), ValueError,
                 "for a single observation pass obs[None]", id="greedy_actions-single-obs"),
    pytest.param(lambda: cu.solved_at([1000, 2000], [480.0]), ValueError,
                 "eval_steps and eval_means must have the same length, got 2 and 1",
                 id="solved_at-mismatched-lengths"),
    pytest.param(lambda: cu.solved_at(None, None), ValueError, "eval_steps must be a flat list",
                 id="solved_at-None"),
    pytest.param(lambda: cu.solved_at([1000], [math.nan]), ValueError, "eval_means contains NaN",
                 id="solved_at-nan"),
    pytest.param(lambda: cu.stability_after_solved([[500, 500], [500, 500]]), ValueError,
                 "eval_means must be a flat list", id="stability-2d"),
    pytest.param(lambda: cu.stability_after_solved("abc"), ValueError,
                 "eval_means must be a list of numbers", id="stability-str"),
    pytest.param(lambda: cu.stability_after_solved([500, math.nan]), ValueError,
                 "eval_means contains NaN", id="stability-nan"),
    pytest.param(lambda: cu.is_solved("500"), TypeError, "is_solved takes one mean return",
                 id="is_solved-str"),
    pytest.param(lambda: cu.is_solved(None), TypeError, "is_solved takes one mean return",
                 id="is_solved-None"),
    pytest.param(lambda: cu.is_solved(np.array([500, 10])), TypeError,
                 "average the episode returns first", id="is_solved-array"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
