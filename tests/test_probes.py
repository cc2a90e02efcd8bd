"""The probe environments: valid Gymnasium envs whose stated Q-values are right, and a probe run
that passes with the course's components and fails with a classic bug."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import cartpole_utils as cu
from cartpole_utils.course import probes


@pytest.mark.parametrize("probe", probes.PROBES, ids=lambda p: p.__name__)
def test_probe_is_a_valid_gymnasium_env(probe) -> None:
    check_env(probe(), skip_render_check=True)


def discounted_return(env: probes.ProbeEnv, first_action: int, gamma: float,
                      seed: int) -> tuple[float, float]:
    """(first observation, discounted return) of one episode that takes first_action, then action 0.

    A time-limit end is continued by restarting in the same state, as its Q-value assumes.
    """
    obs, _ = env.reset(seed=seed)
    first, total, discount, action = float(obs[0]), 0.0, 1.0, first_action
    for _ in range(400):  # 0.9^400 is negligible
        obs, reward, terminated, truncated, _ = env.step(action)
        total += discount * reward
        discount *= gamma
        action = 0
        if terminated:
            break
        if truncated:
            env.reset(seed=seed)
    return first, total


@pytest.mark.parametrize("probe", probes.PROBES, ids=lambda p: p.__name__)
def test_expected_q_values_are_the_returns(probe) -> None:
    env, gamma = probe(), 0.9
    expected = env.expected_q(gamma)
    seen = set()
    for seed in range(20):
        for action in range(env.n_actions):
            first, value = discounted_return(env, action, gamma, seed)
            assert value == pytest.approx(expected[first][action], abs=1e-9)
            seen.add(first)
    if probe is not probes.TwoStepDiscount:  # its second state is only reached mid-episode
        assert seen == set(expected)


def test_probe_error_is_relative_and_checks_its_inputs() -> None:
    class Constant(torch.nn.Module):
        def __init__(self, values):
            super().__init__()
            self.values = torch.tensor(values)

        def forward(self, obs):
            return self.values.expand(len(obs), -1)

    assert probes.probe_error(Constant([1.0]), probes.ConstantReward(), 0.9) == pytest.approx(0.0)
    assert probes.probe_error(Constant([9.5]), probes.TimeLimit(), 0.9) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="n_actions=2"):
        probes.probe_error(Constant([1.0]), probes.ActionReward(), 0.9)
    with pytest.raises(TypeError, match="probe environment"):
        probes.probe_error(Constant([1.0]), gym.make("CartPole-v1"), 0.9)


def test_the_course_agent_passes_a_probe_and_a_missing_mask_fails_it() -> None:
    config = probes.ProbeConfig(total_steps=600)
    env = probes.ConstantReward()
    assert probes.probe_error(probes.train_probe(env, config), env, config.gamma) <= probes.PROBE_TOLERANCE

    def no_mask(q_net, target_net, batch, gamma):
        with torch.no_grad():
            return batch.rewards + gamma * target_net(batch.next_obs).max(dim=1).values

    q_net = probes.train_probe(env, config, td_target=no_mask)
    assert probes.probe_error(q_net, env, config.gamma) > 1.0


def test_train_probe_stores_the_flag_it_is_given() -> None:
    """With `terminated or truncated` stored, the time-limit probe's value collapses to a 5-step sum."""
    config = probes.ProbeConfig(total_steps=800)
    env = probes.TimeLimit()
    q_net = probes.train_probe(env, config, stored_terminated=lambda term, trunc: term or trunc)
    with torch.no_grad():
        value = float(q_net(torch.zeros(1, 1)))
    assert value < 0.8 / (1 - config.gamma), "a time limit stored as terminal should cut the value"
    assert np.isfinite(value)
    assert cu.probes is probes


def test_a_monitored_probe_run_takes_the_same_steps_and_returns_a_result() -> None:
    """With monitor_options, train_probe runs the course's monitor beside the same training."""
    config = probes.ProbeConfig(total_steps=1_000, epsilon=0.1, gamma=0.99)
    plain = probes.train_probe(cu.make_env(seed=1), config)
    result = probes.train_probe(cu.make_env(seed=1), config, monitor_options={"progress": False,
                                                                             "final_episodes": 0})
    assert isinstance(result, cu.TrainResult) and result.eval_steps == [1_000]
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), result.q_net.parameters()))
    assert result.diagnostics["epsilon"] == [0.1] and result.diagnostics["td_loss"][0] > 0
