"""Every exercise checker accepts its reference solution in solutions/ and rejects the classic bugs,
naming each one."""

from __future__ import annotations

import copy
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
    ("02", "my_online_update", ex.check_online_update),
    ("03", "my_replay_step", ex.check_replay_step),
    ("04", "my_target_step", ex.check_target_step),
    ("05", "my_double_td_target", ex.check_double_on_probes),
    ("06", "my_soft_step", ex.check_soft_step),
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


class BufferSecondIndex(cu.ReplayBuffer):
    """Draws one field with an index array of its own: a batch whose rows mix transitions."""

    field = "actions"

    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, size=batch_size)
        other = self.rng.integers(0, self.size, size=batch_size)
        fields = {name: getattr(self, name)[other if name == self.field else idx]
                  for name in ("obs", "actions", "rewards", "next_obs", "terminated")}
        return cu.Batch(*(torch.from_numpy(a) for a in fields.values()))


class BufferSecondIndexNextObs(BufferSecondIndex):
    field = "next_obs"


class BufferSecondIndexTerminated(BufferSecondIndex):
    field = "terminated"


class BufferSwappedFields(cu.ReplayBuffer):
    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, size=batch_size)
        return cu.Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]),
                        torch.from_numpy(self.terminated[idx]), torch.from_numpy(self.next_obs[idx]),
                        torch.from_numpy(self.rewards[idx]))


class BufferOfArrays(cu.ReplayBuffer):
    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, size=batch_size)
        return cu.Batch(self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                        self.terminated[idx])


class BufferWithoutReplacement(cu.ReplayBuffer):
    def sample(self, batch_size):
        idx = self.rng.choice(self.size, size=batch_size, replace=False)
        return cu.Batch(*(torch.from_numpy(a[idx]) for a in
                          (self.obs, self.actions, self.rewards, self.next_obs, self.terminated)))


class BufferWithGlobalRandom(cu.ReplayBuffer):
    def sample(self, batch_size):
        idx = np.random.randint(0, self.size, size=batch_size)
        return cu.Batch(*(torch.from_numpy(a[idx]) for a in
                          (self.obs, self.actions, self.rewards, self.next_obs, self.terminated)))


def epsilon_greedy_reversed(q_net, obs, epsilon, rng):
    if rng.random() > epsilon:  # the comparison reversed: explores with probability 1 - epsilon
        return int(rng.integers(2))
    with torch.no_grad():
        return int(q_net(torch.as_tensor(obs).unsqueeze(0)).argmax(dim=1)[0])


def epsilon_greedy_global_random(q_net, obs, epsilon, rng):
    if np.random.random() < epsilon:  # not the rng passed in
        return int(np.random.randint(2))
    with torch.no_grad():
        return int(q_net(torch.as_tensor(obs).unsqueeze(0)).argmax(dim=1)[0])


def td_target_on_obs(q_net, batch, gamma):
    with torch.no_grad():
        return batch.rewards + gamma * (1 - batch.terminated) * q_net(batch.obs).max(dim=1).values


def target_td_target_on_obs(q_net, target_net, batch, gamma):
    with torch.no_grad():
        return batch.rewards + gamma * (1 - batch.terminated) * target_net(batch.obs).max(dim=1).values


def double_target_on_obs(q_net, target_net, batch, gamma):
    with torch.no_grad():
        a = q_net(batch.obs).argmax(dim=1, keepdim=True)
        return batch.rewards + gamma * (1 - batch.terminated) * target_net(batch.obs).gather(1, a).squeeze(1)


def half_life_approximate(tau):
    return 0.69 / tau


def half_life_ln2(tau):
    return math.log(2) / tau


# The loop exercises: the lines of notebooks 02-06's training loops, with one classic bug each.

def online_update_done_mask(q_net, optimizer, obs, action, reward, next_obs, terminated, truncated, gamma):
    batch = cu.single_transition(obs, action, reward, next_obs, terminated or truncated)
    return cu.q_learning_step(q_net, optimizer, batch, cu.dqn_td_target(q_net, batch, gamma))


def online_update_no_mask(q_net, optimizer, obs, action, reward, next_obs, terminated, truncated, gamma):
    batch = cu.single_transition(obs, action, reward, next_obs, terminated)
    return cu.q_learning_step(q_net, optimizer, batch, td_target_no_mask(q_net, batch, gamma))


def online_update_target_with_gradients(q_net, optimizer, obs, action, reward, next_obs, terminated,
                                        truncated, gamma):
    batch = cu.single_transition(obs, action, reward, next_obs, terminated)
    return cu.q_learning_step(q_net, optimizer, batch, td_target_with_gradients(q_net, batch, gamma))


def online_update_returns_nothing(q_net, optimizer, obs, action, reward, next_obs, terminated, truncated,
                                  gamma):
    batch = cu.single_transition(obs, action, reward, next_obs, terminated)
    cu.q_learning_step(q_net, optimizer, batch, cu.dqn_td_target(q_net, batch, gamma))


def replay_step_with(learns, store="terminated", store_first=True):
    """A replay step that learns when ``learns(global_step, config)``, storing the flag ``store``."""

    def step(replay_buffer, q_net, optimizer, global_step, obs, action, reward, next_obs, terminated,
             truncated, config):
        flag = terminated or truncated if store == "terminated or truncated" else terminated
        if store_first:
            replay_buffer.add(obs, action, reward, next_obs, flag, truncated)
        loss = None
        if learns(global_step, config):
            batch = replay_buffer.sample(config.batch_size)
            loss = cu.q_learning_step(q_net, optimizer, batch, cu.dqn_td_target(q_net, batch, config.gamma))
        if not store_first:
            replay_buffer.add(obs, action, reward, next_obs, flag, truncated)
        return loss

    return step


def due(global_step, config):
    return global_step > config.learning_starts and global_step % config.train_freq == 0


replay_step_stores_done = replay_step_with(due, store="terminated or truncated")
replay_step_ignores_learning_starts = replay_step_with(lambda step, config: step % config.train_freq == 0)
replay_step_from_the_first_step = replay_step_with(lambda step, config: True, store_first=False)
replay_step_every_step = replay_step_with(lambda step, config: step > config.learning_starts)
replay_step_at_learning_starts = replay_step_with(
    lambda step, config: step >= config.learning_starts and step % config.train_freq == 0)
replay_step_learns_before_storing = replay_step_with(due, store_first=False)


def target_step_with(target_of=lambda q_net, target_net: target_net, copy=cu.hard_update,
                     when=lambda step, config: step % config.target_update_interval == 0, copy_first=False):
    """A target-network step with the target scored by ``target_of(q_net, target_net)`` and the copy
    ``copy(target_net, q_net)`` made when ``when(global_step, config)``, before or after the step."""

    def step(q_net, target_net, optimizer, batch, global_step, config):
        if copy_first and when(global_step, config):
            copy(target_net, q_net)
        td_target = cu.dqn_td_target(target_of(q_net, target_net), batch, config.gamma)
        loss = cu.q_learning_step(q_net, optimizer, batch, td_target)
        if not copy_first and when(global_step, config):
            copy(target_net, q_net)
        return loss

    return step


def copy_by_assignment(target_net, q_net):
    target_net.load_state_dict(q_net.state_dict(), assign=True)


def copy_by_rebinding(target_net, q_net):
    target_net = copy.deepcopy(q_net)  # noqa: F841  a new local name: the loop's network is unchanged


target_step_from_q_net = target_step_with(target_of=lambda q_net, target_net: q_net)
target_step_copies_every_step = target_step_with(when=lambda step, config: True)
target_step_never_copies = target_step_with(when=lambda step, config: False)
target_step_rebinds = target_step_with(copy=copy_by_rebinding)
target_step_assign_true = target_step_with(copy=copy_by_assignment)
target_step_shares_data = target_step_with(copy=hard_update_shares)
target_step_copies_first = target_step_with(copy_first=True)


def double_target_without_gamma(q_net, target_net, batch, gamma):
    with torch.no_grad():
        next_actions = q_net(batch.next_obs).argmax(dim=1, keepdim=True)
        next_q = target_net(batch.next_obs).gather(1, next_actions).squeeze(1)
        return batch.rewards + (1 - batch.terminated) * next_q


def soft_step_wrong_side(q_params, target_params, global_step, config):
    if global_step % config.target_update_interval == 0:
        cu.soft_update(target_params, q_params, 1 - config.tau)  # theta' <- (1 - tau) theta + tau theta'


def soft_step_hard_copy(q_params, target_params, global_step, config):
    if global_step % config.target_update_interval == 0:
        with torch.no_grad():
            for target, online in zip(target_params, q_params):
                target.copy_(online)


def soft_step_every_step(q_params, target_params, global_step, config):
    cu.soft_update(target_params, q_params, config.tau)


def soft_step_rebinds(q_params, target_params, global_step, config):
    if global_step % config.target_update_interval == 0:
        target_params = [config.tau * q + (1 - config.tau) * t  # noqa: F841  a new list, nothing moves
                         for t, q in zip(target_params, q_params)]


def soft_step_arguments_swapped(q_params, target_params, global_step, config):
    if global_step % config.target_update_interval == 0:
        cu.soft_update(q_params, target_params, config.tau)


def soft_step_without_no_grad(q_params, target_params, global_step, config):
    if global_step % config.target_update_interval == 0:
        for target, online in zip(target_params, q_params):
            target.lerp_(online, config.tau)


BUGS = [
    # (the bug, checker, buggy code, words the first message must contain (the cause), words the
    # second identical failure adds (the line to write), or None where the cause is the whole message)
    ("bootstrapping on terminated or truncated", ex.check_bootstrap_mask, mask_of_terminated_or_truncated,
     "terminated or truncated", None),
    ("no terminal mask", ex.check_td_target, td_target_no_mask, "still adds", "(1 - batch.terminated)"),
    ("a target computed with gradients", ex.check_td_target, td_target_with_gradients, "torch.no_grad()",
     None),
    ("max over the batch axis in the TD target", ex.check_td_target, td_target_wrong_axis, "batch axis",
     "max(dim=1)"),
    ("the TD target on obs instead of next_obs", ex.check_td_target, td_target_on_obs, "batch.obs",
     "q_net(batch.next_obs)"),
    ("the target network's target on obs", ex.check_target_td_target, target_td_target_on_obs, "batch.obs",
     "target_net(batch.next_obs)"),
    ("Double DQN's target network choosing a'", ex.check_double_td_target, double_target_picks,
     "target_net chose a'", "q_net(batch.next_obs).argmax"),
    ("argmax over the wrong axis in Double DQN", ex.check_double_td_target, double_argmax_wrong_axis,
     "dim=1", None),
    ("the Double DQN target on obs instead of next_obs", ex.check_double_td_target, double_target_on_obs,
     "batch.obs", "batch.next_obs"),
    ("argmax over the wrong axis when acting", ex.check_epsilon_greedy, epsilon_greedy_wrong_axis,
     "greedy choice is wrong", "argmax(dim=1)"),
    ("epsilon-greedy with the comparison reversed", ex.check_epsilon_greedy, epsilon_greedy_reversed,
     "comparison that decides to explore is reversed", "rng.random() < epsilon"),
    ("epsilon-greedy drawing from np.random", ex.check_epsilon_greedy, epsilon_greedy_global_random,
     "instead of the rng passed in", "rng.integers(2)"),
    ("the soft update with tau and 1 - tau swapped", ex.check_soft_update, soft_update_swapped, "swapped",
     None),
    ("the soft update moving q_net towards the target", ex.check_soft_update, soft_update_moves_q_net,
     "q_net moved", None),
    ("Q(s, a) taken with max instead of gather", ex.check_q_learning_step,
     bugs.learning_step_with(bugs.q_max_instead_of_gather), "max_a Q(s, a)", "gather"),
    ("a (B, 1) against (B,) broadcast in the loss", ex.check_q_learning_step,
     bugs.learning_step_with(bugs.q_without_squeeze), "(B, B)", "squeeze(1)"),
    ("a missing zero_grad()", ex.check_q_learning_step,
     bugs.learning_step_with(bugs.q_taken, zero_grad=False), "zero_grad() clears it",
     "before loss.backward()"),
    ("a ring buffer that does not wrap", ex.check_replay_buffer, BufferWithoutWrap, "does not wrap",
     "% self.capacity"),
    ("sampling empty slots", ex.check_replay_buffer, BufferSamplingEmptySlots, "empty slots", "self.size"),
    ("actions drawn with a second index", ex.check_replay_buffer, BufferSecondIndex,
     "batch.actions does not belong to the same transitions", "same idx"),
    ("next_obs drawn with a second index", ex.check_replay_buffer, BufferSecondIndexNextObs,
     "batch.next_obs does not belong to the same transitions", "same idx"),
    ("terminated drawn with a second index", ex.check_replay_buffer, BufferSecondIndexTerminated,
     "batch.terminated does not belong to the same transitions", "same idx"),
    ("rewards and terminated swapped in cu.Batch", ex.check_replay_buffer, BufferSwappedFields,
     "batch.rewards holds the terminated of the transitions: two fields are swapped", None),
    ("sample returning numpy arrays", ex.check_replay_buffer, BufferOfArrays,
     "sample must return tensors, got ndarray", "torch.from_numpy"),
    ("sampling without replacement", ex.check_replay_buffer, BufferWithoutReplacement,
     "without replacement", "self.rng.integers"),
    ("sampling from np.random", ex.check_replay_buffer, BufferWithGlobalRandom,
     "instead of self.rng", "self.rng.integers"),
    ("a target network sharing q_net's tensors", ex.check_hard_update, hard_update_shares, "shares", None),
    ("the dueling mean over the batch", ex.check_dueling_aggregation, dueling_batch_mean, "over actions",
     None),
    ("the bias of a mean instead of a max", ex.check_max_bias, max_bias_of_mean, "bias of a mean", None),
    ("a linear half-life", ex.check_soft_half_life, half_life_linear, "(1 - τ)^n = 1/2", "math.log"),
    ("the half-life's small-tau approximation 0.69 / tau", ex.check_soft_half_life, half_life_approximate,
     "small-τ approximation", "math.log(0.5) / math.log(1 - tau)"),
    ("the half-life's small-tau approximation ln 2 / tau", ex.check_soft_half_life, half_life_ln2,
     "small-τ approximation", "math.log(0.5) / math.log(1 - tau)"),
    ("the online update masking on terminated or truncated", ex.check_online_update, online_update_done_mask,
     "`terminated or truncated`", "cu.single_transition(obs, action, reward, next_obs, terminated)"),
    ("the online update without a terminal mask", ex.check_online_update, online_update_no_mask,
     "has no terminal mask", "cu.dqn_td_target(q_net, batch, gamma)"),
    ("the online update's target with gradients", ex.check_online_update,
     online_update_target_with_gradients, "torch.no_grad()", "cu.dqn_td_target(q_net, batch, gamma)"),
    ("the online update returning nothing", ex.check_online_update, online_update_returns_nothing,
     "returned None", "return cu.q_learning_step"),
    ("the replay step storing terminated or truncated", ex.check_replay_step, replay_step_stores_done,
     "you stored `terminated or truncated` as terminated", "terminated, truncated)"),
    ("the replay step learning before learning_starts", ex.check_replay_step,
     replay_step_ignores_learning_starts, "learned at step 4, before config.learning_starts = 8",
     "global_step > config.learning_starts"),
    ("the replay step learning from the first step", ex.check_replay_step, replay_step_from_the_first_step,
     "learned at step 1, before config.learning_starts", "global_step > config.learning_starts"),
    ("the replay step learning every step", ex.check_replay_step, replay_step_every_step,
     "ignores config.train_freq (it learns every step", "global_step % config.train_freq == 0"),
    ("the replay step learning at learning_starts (>=)", ex.check_replay_step,
     replay_step_at_learning_starts, "not >=", "global_step > config.learning_starts"),
    ("the replay step learning before storing", ex.check_replay_step, replay_step_learns_before_storing,
     "sampled a batch before storing the current transition. The notebook's loop, and the reference, "
     "store first", "replay_buffer.add("),
    ("the target step scoring s' with q_net", ex.check_target_step, target_step_from_q_net,
     "s' was scored by q_net", "cu.dqn_td_target(target_net, batch, config.gamma)"),
    ("the target step copying every step", ex.check_target_step, target_step_copies_every_step,
     "copying every step", "cu.hard_update(target_net, q_net)"),
    ("the target step never copying", ex.check_target_step, target_step_never_copies,
     "it is never copied", "cu.hard_update(target_net, q_net)"),
    ("the target step rebinding target_net", ex.check_target_step, target_step_rebinds,
     "it is never copied", "cu.hard_update(target_net, q_net)"),
    ("the target step's copy with assign=True", ex.check_target_step, target_step_assign_true,
     "shares its tensors with q_net", "cu.hard_update(target_net, q_net)"),
    ("the target step's copy sharing .data", ex.check_target_step, target_step_shares_data,
     "shares its tensors with q_net", "cu.hard_update(target_net, q_net)"),
    ("the target step copying before the gradient step", ex.check_target_step, target_step_copies_first,
     "before the gradient step instead of after", "then if global_step % config.target_update_interval"),
    ("the probe agent's target without a terminal mask", ex.check_double_on_probes,
     bugs.target_without_terminal_mask, "ConstantReward", "(1 - batch.terminated)"),
    ("the probe agent's target without gamma", ex.check_double_on_probes, double_target_without_gamma,
     "missing gamma", "gamma * (1 - batch.terminated)"),
    ("the probe agent's target as DQN's max over the target net", ex.check_double_on_probes,
     double_target_picks, "cannot tell which network chooses a'", "q_net(batch.next_obs).argmax"),
    ("the soft step with tau on the wrong side", ex.check_soft_step, soft_step_wrong_side,
     "τ is on the wrong side", "cu.soft_update(target_params, q_params, config.tau)"),
    ("the soft step making a hard copy", ex.check_soft_step, soft_step_hard_copy, "a hard copy",
     "cu.soft_update(target_params, q_params, config.tau)"),
    ("the soft step updating every step", ex.check_soft_step, soft_step_every_step,
     "updates when no update is due, ignoring config.target_update_interval",
     "global_step % config.target_update_interval"),
    ("the soft step never updating", ex.check_soft_step, soft_step_rebinds, "it is never updated",
     "cu.soft_update(target_params, q_params, config.tau)"),
    ("the soft step moving q_net", ex.check_soft_step, soft_step_arguments_swapped,
     "q_net's parameters changed", "cu.soft_update(target_params, q_params, config.tau)"),
    ("the soft step in place without no_grad", ex.check_soft_step, soft_step_without_no_grad,
     "torch.no_grad()", "with torch.no_grad()"),
]


@pytest.mark.parametrize(("bug", "check", "code", "cause", "fix"), BUGS, ids=[b[0] for b in BUGS])
def test_checker_rejects_the_bug_with_its_cause_first_and_the_line_second(bug, check, code, cause, fix,
                                                                          capsys) -> None:
    ex._LAST_FAILURE.clear()  # as after a pass (tested below): this bug's first failure gives the cause only
    with pytest.raises(ex.ExerciseError) as first:
        check(code)
    message = str(first.value)
    assert cause in message, f"{bug}: the message should give the cause {cause!r}; it says {message}"
    assert "The line to write" not in message, f"{bug}: the first failure should not hand over the fix"
    if fix is None:
        return
    with pytest.raises(ex.ExerciseError) as second:
        check(code)
    assert "The line to write" in str(second.value) and fix in str(second.value), (
        f"{bug}: a second identical failure should show the line with {fix!r}; it says {second.value}")
    ex.hint()
    assert fix in capsys.readouterr().out


def test_a_pass_forgets_the_last_failure() -> None:
    """After a pass, the same failure again is a first failure: the cause, without the line to write."""
    for _ in range(2):
        with pytest.raises(ex.ExerciseError):
            ex.check_td_target(td_target_no_mask)
    assert ex.check_td_target(solutions("02").my_td_target)
    with pytest.raises(ex.ExerciseError) as again:
        ex.check_td_target(td_target_no_mask)
    assert "The line to write" not in str(again.value)


def test_max_bias_constants() -> None:
    """The checker's expected maxima of n standard normals, checked by a large sample."""
    samples = np.random.default_rng(0).normal(size=(400_000, 10))
    for n, expected in ex._EXPECTED_MAX.items():
        assert math.isclose(samples[:, :n].max(axis=1).mean(), expected, abs_tol=0.005)
