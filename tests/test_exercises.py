"""Every exercise checker accepts its reference solution in solutions/ and rejects the classic bugs,
naming each one."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import cartpole_utils as cu
from cartpole_utils.course import bugs
from cartpole_utils.course import exercises as ex

ROOT = Path(__file__).resolve().parent.parent


def solutions(number: str):
    path = next((ROOT / "solutions").glob(f"{number}_*.py"))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOLVED = [
    ("02", "my_td_target", ex.check_td_target),
    ("02", "my_epsilon_greedy", ex.check_epsilon_greedy),
    ("02", "my_q_learning_step", ex.check_q_learning_step),
    ("03", "MyReplayBuffer", ex.check_replay_buffer),
    ("03", "my_bootstrap_mask", ex.check_bootstrap_mask),
    ("04", "my_hard_update", ex.check_hard_update),
    ("04", "my_target_td_target", ex.check_target_td_target),
    ("05", "my_double_td_target", ex.check_double_td_target),
    ("05", "my_max_bias", ex.check_max_bias),
    ("06", "my_soft_update", ex.check_soft_update),
    ("06", "my_half_life", ex.check_soft_half_life),
    ("08", "my_dueling_aggregation", ex.check_dueling_aggregation),
    ("08", "my_value_and_advantages", ex.check_value_and_advantages),
]


@pytest.mark.parametrize(("number", "name", "check"), SOLVED, ids=[s[1] for s in SOLVED])
def test_checker_accepts_the_reference_solution(number, name, check, capsys) -> None:
    assert check(getattr(solutions(number), name)) is True
    assert "passed" in capsys.readouterr().out


def test_taught_components_pass_their_checkers() -> None:
    """The notebooks' own code is a correct answer too."""
    assert ex.check_td_target(cu.dqn_td_target)
    assert ex.check_epsilon_greedy(cu.epsilon_greedy)
    assert ex.check_q_learning_step(cu.q_learning_step)
    assert ex.check_replay_buffer(cu.ReplayBuffer)
    assert ex.check_hard_update(cu.hard_update)
    assert ex.check_double_td_target(cu.double_dqn_td_target)
    assert ex.check_soft_update(cu.soft_update)


@pytest.mark.parametrize("check", [c for _, _, c in SOLVED], ids=[s[1] for s in SOLVED])
def test_an_unattempted_exercise_does_not_fail(check, capsys) -> None:
    class Stub(cu.ReplayBuffer):
        def add(self, *args):
            raise NotImplementedError("Exercise: write add")

        def sample(self, *args):
            raise NotImplementedError("Exercise: write sample")

    def stub(*args):
        raise NotImplementedError("Exercise: write this")

    assert check(Stub if check is ex.check_replay_buffer else stub) is None
    assert "not attempted yet" in capsys.readouterr().out


# ------------------------------------------------------------------ the classic bugs, one each

def mask_of_terminated_or_truncated(terminated, truncated):
    return 1.0 - torch.maximum(terminated, truncated)  # `terminated or truncated`


def td_target_no_mask(q_net, batch, gamma):
    with torch.no_grad():
        return batch.rewards + gamma * q_net(batch.next_obs).max(dim=1).values


def td_target_with_gradients(q_net, batch, gamma):
    return batch.rewards + gamma * (1 - batch.terminated) * q_net(batch.next_obs).max(dim=1).values


def td_target_wrong_axis(q_net, batch, gamma):
    with torch.no_grad():
        return batch.rewards + gamma * (1 - batch.terminated) * q_net(batch.next_obs).max(dim=0).values[0]


def double_target_picks(q_net, target_net, batch, gamma):
    with torch.no_grad():
        return batch.rewards + gamma * (1 - batch.terminated) * target_net(batch.next_obs).max(dim=1).values


def double_argmax_wrong_axis(q_net, target_net, batch, gamma):
    with torch.no_grad():
        a = q_net(batch.next_obs).argmax(dim=0, keepdim=True)  # (1, n_actions): over the batch
        next_q = target_net(batch.next_obs).gather(1, a).squeeze(1)
        return batch.rewards + gamma * (1 - batch.terminated) * next_q


def epsilon_greedy_wrong_axis(q_net, obs, epsilon, rng):
    if rng.random() < epsilon:
        return int(rng.integers(2))
    with torch.no_grad():
        return int(q_net(torch.as_tensor(obs).unsqueeze(0)).argmax(dim=0)[0])


def soft_update_swapped(target_params, q_params, tau):
    for target, online in zip(target_params, q_params):
        target.lerp_(online, 1 - tau)


def soft_update_moves_q_net(target_params, q_params, tau):
    for target, online in zip(target_params, q_params):
        online.lerp_(target, tau)


class BufferWithoutWrap(cu.ReplayBuffer):
    def add(self, obs, action, reward, next_obs, terminated, truncated):
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i], self.truncated[i] = next_obs, terminated, truncated
        self.pos, self.size = i + 1, self.size + 1

    sample = cu.ReplayBuffer.sample


class BufferSamplingEmptySlots(cu.ReplayBuffer):
    def sample(self, batch_size):
        idx = self.rng.integers(0, self.capacity, size=batch_size)
        return cu.Batch(*(torch.from_numpy(a[idx]) for a in
                          (self.obs, self.actions, self.rewards, self.next_obs, self.terminated)))


def hard_update_shares(target_net, q_net):
    for target, online in zip(target_net.parameters(), q_net.parameters()):
        target.data = online.data


def dueling_batch_mean(value, advantages):
    return value + advantages - advantages.mean(dim=0, keepdim=True)


def max_bias_of_mean(n_actions, noise_std, n_samples, rng):
    return float(rng.normal(0, noise_std, size=(n_samples, n_actions)).mean(axis=1).mean())


def half_life_linear(tau):
    return 1 / tau


BUGS = [
    # (the bug, checker, buggy code, words the message must contain)
    ("bootstrapping on terminated or truncated", ex.check_bootstrap_mask, mask_of_terminated_or_truncated,
     "terminated or truncated"),
    ("no terminal mask", ex.check_td_target, td_target_no_mask, "(1 - batch.terminated)"),
    ("a target computed with gradients", ex.check_td_target, td_target_with_gradients, "torch.no_grad()"),
    ("max over the batch axis in the TD target", ex.check_td_target, td_target_wrong_axis, "batch axis"),
    ("Double DQN's target network choosing a'", ex.check_double_td_target, double_target_picks,
     "target_net chose a'"),
    ("argmax over the wrong axis in Double DQN", ex.check_double_td_target, double_argmax_wrong_axis,
     "dim=1"),
    ("argmax over the wrong axis when acting", ex.check_epsilon_greedy, epsilon_greedy_wrong_axis,
     "argmax"),
    ("the soft update with tau and 1 - tau swapped", ex.check_soft_update, soft_update_swapped, "swapped"),
    ("the soft update moving q_net towards the target", ex.check_soft_update, soft_update_moves_q_net,
     "q_net moved"),
    ("Q(s, a) taken with max instead of gather", ex.check_q_learning_step,
     bugs.learning_step_with(bugs.q_max_instead_of_gather), "gather"),
    ("a (B, 1) against (B,) broadcast in the loss", ex.check_q_learning_step,
     bugs.learning_step_with(bugs.q_without_squeeze), "(B, B)"),
    ("a missing zero_grad()", ex.check_q_learning_step,
     bugs.learning_step_with(bugs.q_taken, zero_grad=False), "zero_grad()"),
    ("a ring buffer that does not wrap", ex.check_replay_buffer, BufferWithoutWrap, "does not wrap"),
    ("sampling empty slots", ex.check_replay_buffer, BufferSamplingEmptySlots, "empty slots"),
    ("a target network sharing q_net's tensors", ex.check_hard_update, hard_update_shares, "shares"),
    ("the dueling mean over the batch", ex.check_dueling_aggregation, dueling_batch_mean, "over actions"),
    ("the bias of a mean instead of a max", ex.check_max_bias, max_bias_of_mean, "bias of a mean"),
    ("a linear half-life", ex.check_soft_half_life, half_life_linear, "(1 - τ)^n = 1/2"),
]


@pytest.mark.parametrize(("bug", "check", "code", "words"), BUGS, ids=[b[0] for b in BUGS])
def test_checker_rejects_the_bug_and_names_it(bug, check, code, words) -> None:
    with pytest.raises(ex.ExerciseError) as caught:
        check(code)
    assert words in str(caught.value), f"{bug}: the message should say {words!r}; it says {caught.value}"


def test_max_bias_constants() -> None:
    """The checker's expected maxima of n standard normals, checked by a large sample."""
    samples = np.random.default_rng(0).normal(size=(400_000, 10))
    for n, expected in ex._EXPECTED_MAX.items():
        assert math.isclose(samples[:, :n].max(axis=1).mean(), expected, abs_tol=0.005)
